#pragma once
/// Keep-alive connections to one upstream. Poco's HTTPClientSession is one connection with no
/// pooling; this keeps up to pool_size idle ones so that a request skips the TCP (and TLS)
/// handshake.
///
/// A connection is checked out for one request and given back only when its answer was read to
/// the end and allowed keep-alive; anything else (an error, an abandoned stream) drops it.
/// Idle connections older than idle_timeout_ms are closed, on every acquire/release and by
/// evictExpired(), which the proxy's reaper calls periodically. Thread-safe.

#include "UpstreamConfig.h"
#include "Poco/Net/Context.h"
#include "Poco/Net/HTTPClientSession.h"
#include "Poco/Net/Session.h"
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>

namespace portico::openai {

class ConnectionPool
{
public:
    using Session = Poco::Net::HTTPClientSession;
    using Clock = std::chrono::steady_clock;

    /// One checked-out connection. `reused` tells a pooled connection (which the upstream may
    /// have closed while it sat idle) from one opened for this request.
    struct Lease
    {
        std::unique_ptr<Session> session;
        bool reused = false;
    };

    explicit ConnectionPool(const UpstreamConfig& config);
    ~ConnectionPool();
    ConnectionPool(const ConnectionPool&) = delete;
    ConnectionPool& operator=(const ConnectionPool&) = delete;

    /// The most recently used idle connection that still looks open, else a new one. Throws
    /// what connecting threw (ConnectionRefusedException, TimeoutException, SSLException, ...).
    Lease acquire();
    /// Always a new connection (the retry after a stale pooled one).
    Lease connectNew();
    /// Gives a connection back after a whole answer. Kept for reuse when `reusable` (the answer
    /// allowed keep-alive), the pool has room and it is open; dropped otherwise. Either way its
    /// TLS session is kept for resuming the next handshake.
    void release(std::unique_ptr<Session> session, bool reusable);
    /// Closes idle connections past idle_timeout_ms.
    void evictExpired();

    std::size_t idleCount() const;
    /// Connections opened since the pool was created.
    std::uint64_t openedCount() const;
    /// HTTPS connections that resumed an earlier TLS session (a cheaper handshake).
    std::uint64_t resumedCount() const;

private:
    struct Idle
    {
        std::unique_ptr<Session> session;
        Clock::time_point since;
    };

    std::unique_ptr<Session> open();
    void evictExpiredLocked(Clock::time_point now);

    const UpstreamConfig config_;
    Poco::Net::Context::Ptr tls_;
    mutable std::mutex mutex_;
    /// Oldest at the front; acquire takes from the back (the warmest connection).
    std::deque<Idle> idle_;
    std::uint64_t opened_ = 0;
    std::uint64_t resumed_ = 0;
    /// The TLS session of the last connection given back, offered for resumption by new ones.
    Poco::Net::Session::Ptr tlsSession_;
};

} // namespace portico::openai
