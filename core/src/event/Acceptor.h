#pragma once
// Accepts connections on one listening socket for one event loop. Every loop has an Acceptor
// on every listening socket (registered with EPOLLEXCLUSIVE, so a new connection wakes one loop,
// not all), and the connection belongs to the loop that accepted it.
//
// server.max_connections bounds the sockets of the whole process: past it a new connection is
// answered at once with a 503 in OpenAI's JSON shape (plain HTTP listeners; a TLS listener
// cannot answer before a handshake, so it only closes) and closed, counted and logged (once a
// minute at most). When the process runs out of descriptors (EMFILE), accepting pauses for
// 100 ms instead of spinning on a listening socket that stays readable.

#include "event/EventLoop.h"
#include <atomic>
#include <cstdint>
#include <functional>

namespace portico {

/// What every Acceptor of the server shares: the connection count and the limit.
struct ConnectionBudget
{
    std::atomic<int> open{0};
    int max = 16384;
    std::atomic<std::uint64_t> refused{0};
    std::atomic<std::int64_t> lastRefusalLog{0};
};

class Acceptor : public IoHandler
{
public:
    /// Called on the loop for every accepted connection (a non-blocking, close-on-exec socket
    /// with TCP_NODELAY) and its peer's address as "host:port"; takes ownership of `fd`.
    using OnAccept = std::function<void(int fd, std::string peer)>;

    /// `answersRefusals`: a plain HTTP listener, which may write its 503 on a refused socket.
    Acceptor(EventLoop& loop, int listeningFd, bool answersRefusals, ConnectionBudget& budget, OnAccept onAccept);
    ~Acceptor() override;

    /// Registers with the loop (on the loop's thread).
    void start();
    /// Unregisters (on the loop's thread); the listening socket itself is the server's to close.
    void stop();

    void onIo(std::uint32_t events) override;

private:
    void refuse(int fd);
    void pause();

    EventLoop& loop_;
    const int listening_;
    const bool answersRefusals_;
    ConnectionBudget& budget_;
    OnAccept onAccept_;
    bool registered_ = false;
    bool stopped_ = false;
    EventLoop::TimerId resume_ = 0;
};

} // namespace portico
