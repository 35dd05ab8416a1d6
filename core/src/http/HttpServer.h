#pragma once
// The listening server: one Poco TCPServer per listener (server.listen, HTTPS when TLS is
// configured, and the optional plain listener beside it), all sharing one thread pool; a
// connection factory that turns on TCP_NODELAY (a stream's events and a large body's second
// write must not wait for a delayed ACK); and a graceful stop.

#include "config/ServerSettings.h"
#include "http/HeaderDeadlines.h"
#include "http/HttpConnection.h"
#include "Poco/Net/TCPServer.h"
#include "Poco/ThreadPool.h"
#include <memory>
#include <vector>

namespace portico {

class HttpServer
{
public:
    HttpServer(const ServerSettings& settings, ServerState& state);
    ~HttpServer();

    void start();
    /// Stops accepting, waits until no request is in flight or `drainSeconds` have passed,
    /// then closes every connection that is left. Returns the number still in flight at the end.
    int drainAndStop(int drainSeconds);

    /// Connections Poco refused because its queue was full (all listeners).
    int refusedConnections() const;
    int currentConnections() const;
    int queuedConnections() const;
    /// The port of server.listen (useful with port 0).
    unsigned short port() const;
    /// Request heads that took longer than server.header_timeout_seconds.
    std::uint64_t headerTimeouts() const { return deadlines_->expiredCount(); }
    /// "https://127.0.0.1:8443, http://127.0.0.1:8080": what is being served, for the log.
    std::string describe() const;

private:
    ServerState& state_;
    std::unique_ptr<HeaderDeadlines> deadlines_;
    ConnectionRegistry registry_;
    std::unique_ptr<Poco::ThreadPool> pool_;
    std::vector<std::unique_ptr<Poco::Net::TCPServer>> servers_;
    std::string description_;
};

} // namespace portico
