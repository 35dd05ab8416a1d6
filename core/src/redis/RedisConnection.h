#pragma once
// One connection to Redis, as the pool holds it.
//
// Built from Poco::Redis's protocol classes (Array encodes a command, RedisType reads a reply
// from a RedisInputStream) on a socket of our own rather than on Poco::Redis::Client, because
// Client (POCO 1.11) neither takes a send timeout nor exposes its socket, and its reads report a
// timeout only as a silently failed stream (a bulk string can come back truncated). Here both
// directions have a timeout, the stream's state is checked after every reply, and an idle
// connection can be checked for a server that closed it.

#include "portico/RedisPool.h"
#include "Poco/Net/StreamSocket.h"
#include "Poco/Redis/RedisStream.h"
#include <chrono>
#include <memory>
#include <stdexcept>

namespace portico {

/// The connection failed (connect, I/O, timeout, a garbled reply): it must not be used again.
class RedisConnectionError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

/// Redis answered with an error reply ("-ERR ...", "-LOADING ..."): the connection is fine.
class RedisErrorReply : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

class RedisConnection
{
public:
    explicit RedisConnection(const RedisSettings& settings);
    ~RedisConnection();
    RedisConnection(const RedisConnection&) = delete;
    RedisConnection& operator=(const RedisConnection&) = delete;

    /// Connects, sets the timeouts and TCP_NODELAY, sends AUTH and SELECT as configured.
    /// `generation` tags the connection (see RedisPool: connections of an older generation,
    /// from before an outage, are not reused). Throws RedisConnectionError.
    void open(std::uint64_t generation);
    void close();
    bool isOpen() const { return open_; }
    std::uint64_t generation() const { return generation_; }

    /// True when the server closed this idle connection (or sent something unasked): reading
    /// would not wait. Closes it then.
    bool closedWhileIdle();

    /// Sends `command` and reads its reply. An error reply is returned, not thrown. Throws
    /// RedisConnectionError (after closing) on any failure of the connection.
    RedisReply send(const Poco::Redis::Array& command);

    /// Like send(), but throws RedisErrorReply for an error reply.
    RedisReply call(const Poco::Redis::Array& command);

private:
    RedisReply readReply();

    const RedisSettings& settings_;
    Poco::Net::StreamSocket socket_;
    std::unique_ptr<Poco::Redis::RedisInputStream> input_;
    bool open_ = false;
    std::uint64_t generation_ = 0;
};

/// The message of an error reply, or empty when `reply` is not one.
std::string errorMessage(const RedisReply& reply);

} // namespace portico
