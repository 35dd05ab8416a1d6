#include "event/Transport.h"
#include <cerrno>
#include <cstring>
#include <sys/socket.h>

namespace portico {

long PlainTransport::read(char* buffer, std::size_t size)
{
    for (;;)
    {
        const ssize_t got = ::recv(fd(), buffer, size, 0);
        if (got > 0)
            return static_cast<long>(got);
        if (got == 0)
            return Eof;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return WouldBlock;
        error_ = std::strerror(errno);
        return Error;
    }
}

long PlainTransport::writev(const iovec* parts, int count)
{
    msghdr message{};
    message.msg_iov = const_cast<iovec*>(parts);
    message.msg_iovlen = static_cast<std::size_t>(count);
    for (;;)
    {
        const ssize_t sent = ::sendmsg(fd(), &message, MSG_NOSIGNAL);
        if (sent >= 0)
            return static_cast<long>(sent);
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        error_ = std::strerror(errno);
        return Error;
    }
}

void PlainTransport::shutdownSend()
{
    ::shutdown(fd(), SHUT_WR);
}

} // namespace portico
