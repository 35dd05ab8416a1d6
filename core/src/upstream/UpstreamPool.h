#pragma once
// The idle keep-alive connections to one upstream on one event loop (each loop has its own
// pool, like nginx's per-worker keepalive: no lock, and a connection never changes loops).
// Taken most-recent-first; at most UpstreamEndpoint::poolSize kept (the oldest goes); closed
// after idleTimeout by a sweep timer, or at once when the upstream closes one (an idle
// connection with an event is dead). Sockets are edge-triggered, so that works only for what
// happens after give(): a call gives a connection back only when nothing is pending on it (no
// hang-up seen, no unread byte; UpstreamExchange::reusable). Also keeps the TLS session offered
// to new connections. Only the owning loop's thread uses it.

#include "portico/Upstream.h"
#include "upstream/UpstreamConnection.h"
#include <deque>
#include <memory>
#include <openssl/ssl.h>

namespace portico {

class UpstreamPool : public UpstreamConnection::Owner
{
public:
    UpstreamPool(EventLoop& loop, UpstreamEndpoint endpoint);
    /// Closes every idle connection.
    ~UpstreamPool() override;
    UpstreamPool(const UpstreamPool&) = delete;
    UpstreamPool& operator=(const UpstreamPool&) = delete;

    const UpstreamEndpoint& endpoint() const { return endpoint_; }
    EventLoop& loop() { return loop_; }

    /// The most recently used idle connection, or null.
    std::unique_ptr<UpstreamConnection> take();
    /// Keeps `connection` for reuse (or closes it when the pool is full or disabled).
    void give(std::unique_ptr<UpstreamConnection> connection);
    /// Closes every idle connection (the loop is stopping).
    void closeAll();

    /// The TLS session to offer (may be null; the pool keeps its reference).
    SSL_SESSION* tlsSession() const { return tlsSession_; }
    /// Takes over `session` (from SSL_get1_session), replacing the one kept.
    void setTlsSession(SSL_SESSION* session);

    std::size_t idle() const { return idle_.size(); }
    /// Connections this pool's calls opened, and how many TLS handshakes resumed a session.
    std::uint64_t opened = 0;
    std::uint64_t resumed = 0;

    void connectionEvent(UpstreamConnection& connection, std::uint32_t events) override;

private:
    void sweep();
    void armSweep();

    EventLoop& loop_;
    const UpstreamEndpoint endpoint_;
    /// Oldest at the front.
    std::deque<std::unique_ptr<UpstreamConnection>> idle_;
    EventLoop::TimerId sweepTimer_ = 0;
    SSL_SESSION* tlsSession_ = nullptr;
};

} // namespace portico
