#pragma once
// One TCP (or TLS) connection to an upstream, registered with the event loop that owns it.
// Its events go to whoever holds it: the call that uses it, or the pool while it is idle (an
// idle connection that becomes readable was closed by the upstream, or sent bytes nobody asked
// for: either way it is dead). Closed only through close(), which unregisters it first; the
// object itself is deleted after the loop's current batch of events (EventLoop::deleteLater).

#include "event/EventLoop.h"
#include "event/Transport.h"
#include "upstream/Resolver.h"
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace portico {

class UpstreamConnection : public IoHandler
{
public:
    /// Where the events go.
    class Owner
    {
    public:
        virtual ~Owner() = default;
        virtual void connectionEvent(UpstreamConnection& connection, std::uint32_t events) = 0;
    };

    /// Starts a non-blocking connect to `address` (the socket is registered with `loop` at
    /// once). Throws Poco::SystemException when no socket can be made. A connect that fails at
    /// once (ENETUNREACH, EADDRNOTAVAIL) is kept: failedAtOnce() is true and finishConnect()
    /// says why; a refused connect shows as an event (finishConnect() then says why).
    UpstreamConnection(EventLoop& loop, const ResolvedAddress& address);
    ~UpstreamConnection() override;
    UpstreamConnection(const UpstreamConnection&) = delete;
    UpstreamConnection& operator=(const UpstreamConnection&) = delete;

    void setOwner(Owner* owner) { owner_ = owner; }
    void onIo(std::uint32_t events) override;

    /// After an event while connecting: true once connected; false while still connecting
    /// (`error` empty) or when the connect failed (`error` says why).
    bool finishConnect(std::string& error);
    bool connected() const { return connected_; }
    /// connect() failed right away (finishConnect() says why); no event need be waited for.
    bool failedAtOnce() const { return connectError_ != 0; }
    /// The transport once connected (plain or TLS, set by the call).
    void setTransport(std::unique_ptr<Transport> transport) { transport_ = std::move(transport); }
    Transport* transport() const { return transport_.get(); }
    int fd() const { return fd_; }

    /// Unregisters, closes the socket and schedules the object's deletion. Call once; the
    /// caller gives up its ownership with it.
    static void close(std::unique_ptr<UpstreamConnection> connection);

    /// Calls served so far (0 for a new connection: a reused one may have been closed by the
    /// upstream while idle).
    int calls = 0;
    /// When it went back to the pool.
    std::chrono::steady_clock::time_point idleSince;

private:
    EventLoop& loop_;
    int fd_ = -1;
    Owner* owner_ = nullptr;
    bool connected_ = false;
    bool closed_ = false;
    int connectError_ = 0; ///< errno of a connect() that failed at once
    std::unique_ptr<Transport> transport_;
};

} // namespace portico
