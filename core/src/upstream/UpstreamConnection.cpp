#include "upstream/UpstreamConnection.h"
#include "Poco/Exception.h"
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace portico {

UpstreamConnection::UpstreamConnection(EventLoop& loop, const ResolvedAddress& address) : loop_(loop)
{
    fd_ = ::socket(address.address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0)
        throw Poco::SystemException(std::string("cannot make a socket: ") + std::strerror(errno));
    const int on = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    const int result = ::connect(fd_, reinterpret_cast<const sockaddr*>(&address.address), address.length);
    if (result == 0)
        connected_ = true;
    else if (errno != EINPROGRESS && errno != EINTR)
        connectError_ = errno; // refused at once (ENETUNREACH, EADDRNOTAVAIL): kept for finishConnect
    // EINPROGRESS (and EINTR: the connect goes on): the event after registration tells.
    try
    {
        loop_.addSocket(fd_, this);
    }
    catch (...)
    {
        ::close(fd_);
        throw;
    }
}

UpstreamConnection::~UpstreamConnection()
{
    if (!closed_)
    {
        transport_.reset();
        loop_.remove(fd_);
        ::close(fd_);
    }
}

void UpstreamConnection::onIo(std::uint32_t events)
{
    if (!closed_ && owner_)
        owner_->connectionEvent(*this, events);
}

bool UpstreamConnection::finishConnect(std::string& error)
{
    if (connected_)
        return true;
    if (connectError_ != 0)
    {
        // connect() itself failed: SO_ERROR is not set for that, only its errno tells why.
        error = std::strerror(connectError_);
        return false;
    }
    int code = 0;
    socklen_t length = sizeof code;
    if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &code, &length) != 0)
        code = errno;
    if (code == 0)
    {
        // Writable without an error means connected; not writable yet means still connecting.
        sockaddr_storage peer{};
        socklen_t peerLength = sizeof peer;
        if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&peer), &peerLength) != 0)
            return false;
        connected_ = true;
        return true;
    }
    error = std::strerror(code);
    return false;
}

void UpstreamConnection::close(std::unique_ptr<UpstreamConnection> connection)
{
    if (!connection || connection->closed_)
        return;
    UpstreamConnection& self = *connection;
    self.closed_ = true;
    self.owner_ = nullptr;
    self.transport_.reset();
    self.loop_.remove(self.fd_);
    ::close(self.fd_);
    self.loop_.deleteLater(std::move(connection));
}

} // namespace portico
