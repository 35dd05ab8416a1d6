#include "upstream/UpstreamPool.h"
#include <algorithm>
#include <cerrno>
#include <sys/epoll.h>
#include <sys/socket.h>

namespace portico {

UpstreamPool::UpstreamPool(EventLoop& loop, UpstreamEndpoint endpoint) : loop_(loop), endpoint_(std::move(endpoint)) {}

UpstreamPool::~UpstreamPool()
{
    closeAll();
    if (tlsSession_)
        SSL_SESSION_free(tlsSession_);
}

std::unique_ptr<UpstreamConnection> UpstreamPool::take()
{
    const auto now = std::chrono::steady_clock::now();
    while (!idle_.empty())
    {
        std::unique_ptr<UpstreamConnection> connection = std::move(idle_.back());
        idle_.pop_back();
        if (now - connection->idleSince < endpoint_.idleTimeout)
        {
            connection->setOwner(nullptr);
            return connection;
        }
        UpstreamConnection::close(std::move(connection));
    }
    return nullptr;
}

void UpstreamPool::give(std::unique_ptr<UpstreamConnection> connection)
{
    if (endpoint_.poolSize == 0)
        return UpstreamConnection::close(std::move(connection));
    while (idle_.size() >= endpoint_.poolSize)
    {
        UpstreamConnection::close(std::move(idle_.front()));
        idle_.pop_front();
    }
    connection->idleSince = std::chrono::steady_clock::now();
    connection->setOwner(this);
    idle_.push_back(std::move(connection));
    armSweep();
}

void UpstreamPool::closeAll()
{
    for (auto& connection : idle_)
        UpstreamConnection::close(std::move(connection));
    idle_.clear();
    if (sweepTimer_)
        loop_.cancel(sweepTimer_);
    sweepTimer_ = 0;
}

void UpstreamPool::setTlsSession(SSL_SESSION* session)
{
    if (tlsSession_)
        SSL_SESSION_free(tlsSession_);
    tlsSession_ = session;
}

void UpstreamPool::connectionEvent(UpstreamConnection& connection, std::uint32_t events)
{
    // Writability alone is what an idle socket always has; anything else (the upstream closed
    // it, reset it, or sent bytes nobody asked for) means it cannot carry a request.
    if ((events & ~static_cast<std::uint32_t>(EPOLLOUT)) == 0)
        return;
    char probe;
    if (events == EPOLLOUT ||
        (::recv(connection.fd(), &probe, 1, MSG_PEEK | MSG_DONTWAIT) < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)))
        return;
    const auto found = std::find_if(idle_.begin(), idle_.end(),
                                    [&connection](const auto& idle) { return idle.get() == &connection; });
    if (found == idle_.end())
        return;
    std::unique_ptr<UpstreamConnection> dead = std::move(*found);
    idle_.erase(found);
    UpstreamConnection::close(std::move(dead));
}

void UpstreamPool::armSweep()
{
    if (sweepTimer_ || idle_.empty())
        return;
    const auto interval = std::max(endpoint_.idleTimeout / 2, std::chrono::milliseconds(50));
    sweepTimer_ = loop_.after(interval, [this] {
        sweepTimer_ = 0;
        sweep();
    });
}

void UpstreamPool::sweep()
{
    const auto now = std::chrono::steady_clock::now();
    while (!idle_.empty() && now - idle_.front()->idleSince >= endpoint_.idleTimeout)
    {
        UpstreamConnection::close(std::move(idle_.front()));
        idle_.pop_front();
    }
    armSweep();
}

} // namespace portico
