#include "LoopbackSocket.h"
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace portico::loadgen {

bool LoopbackSocket::connect(unsigned short port)
{
    close();
    error_.clear();
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0)
    {
        error_ = std::string("socket: ") + std::strerror(errno);
        return false;
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 && errno != EINPROGRESS)
    {
        error_ = std::string("connect: ") + std::strerror(errno);
        close();
        return false;
    }
    return true;
}

int LoopbackSocket::connectResult() const
{
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length) != 0)
        return errno;
    return error;
}

LoopbackSocket::Io LoopbackSocket::send(const char* data, std::size_t size, std::size_t& moved)
{
    moved = 0;
    const ssize_t sent = ::send(fd_, data, size, MSG_NOSIGNAL);
    if (sent >= 0)
    {
        moved = static_cast<std::size_t>(sent);
        return Io::Moved;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return Io::WouldBlock;
    error_ = std::string("send: ") + std::strerror(errno);
    return Io::Error;
}

LoopbackSocket::Io LoopbackSocket::receive(char* buffer, std::size_t size, std::size_t& moved)
{
    moved = 0;
    const ssize_t received = ::recv(fd_, buffer, size, 0);
    if (received > 0)
    {
        moved = static_cast<std::size_t>(received);
        return Io::Moved;
    }
    if (received == 0)
        return Io::PeerClosed;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return Io::WouldBlock;
    error_ = std::string("recv: ") + std::strerror(errno);
    return Io::Error;
}

void LoopbackSocket::close()
{
    if (fd_ >= 0)
        ::close(fd_);
    fd_ = -1;
}

} // namespace portico::loadgen
