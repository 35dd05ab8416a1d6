#include "RawConnection.h"
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace portico::test {

namespace {

double msSince(RawConnection::Clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(RawConnection::Clock::now() - start).count();
}

int remainingMs(RawConnection::Clock::time_point deadline)
{
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - RawConnection::Clock::now());
    return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

} // namespace

RawConnection::RawConnection(unsigned short port, int timeoutSeconds)
{
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd_ < 0)
        throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 && errno != EINPROGRESS)
    {
        const int error = errno;
        close();
        throw std::runtime_error(std::string("connect: ") + std::strerror(error));
    }
    pollfd pending{fd_, POLLOUT, 0};
    int error = 0;
    socklen_t length = sizeof error;
    if (::poll(&pending, 1, timeoutSeconds * 1000) != 1 ||
        ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0)
    {
        close();
        throw std::runtime_error(std::string("connect to 127.0.0.1:") + std::to_string(port) + " failed: " +
                                 (error ? std::strerror(error) : "timeout"));
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    connectedAt_ = Clock::now();
}

RawConnection::~RawConnection()
{
    close();
}

RawConnection::RawConnection(RawConnection&& other) noexcept : fd_(other.fd_), connectedAt_(other.connectedAt_)
{
    other.fd_ = -1;
}

bool RawConnection::send(const std::string& bytes, int timeoutSeconds)
{
    const auto deadline = Clock::now() + std::chrono::seconds(timeoutSeconds);
    std::size_t sent = 0;
    while (sent < bytes.size())
    {
        const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n > 0)
        {
            sent += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        {
            pollfd writable{fd_, POLLOUT, 0};
            if (::poll(&writable, 1, remainingMs(deadline)) != 1)
                return false;
            continue;
        }
        return false; // EPIPE, ECONNRESET: the server closed
    }
    return true;
}

void RawConnection::shutdownWrite()
{
    if (fd_ >= 0)
        ::shutdown(fd_, SHUT_WR);
}

void RawConnection::abort()
{
    if (fd_ < 0)
        return;
    const linger reset{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    close();
}

void RawConnection::close()
{
    if (fd_ >= 0)
        ::close(fd_);
    fd_ = -1;
}

ReadOutcome RawConnection::readAvailable()
{
    ReadOutcome outcome;
    char buffer[16384];
    for (;;)
    {
        const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
        if (n > 0)
        {
            outcome.data.append(buffer, static_cast<std::size_t>(n));
            continue;
        }
        if (n == 0)
            outcome.closed = true;
        else if (errno == EINTR)
            continue;
        else if (errno != EAGAIN && errno != EWOULDBLOCK)
            outcome.closed = outcome.reset = true;
        return outcome;
    }
}

ReadOutcome RawConnection::readUntil(const std::string& marker, double timeoutSeconds)
{
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::milliseconds(static_cast<long long>(timeoutSeconds * 1000));
    ReadOutcome outcome;
    while (!outcome.closed && (marker.empty() || outcome.data.find(marker) == std::string::npos))
    {
        const int wait = remainingMs(deadline);
        if (wait == 0)
            break;
        pollfd readable{fd_, POLLIN, 0};
        if (::poll(&readable, 1, wait) != 1)
            continue;
        const ReadOutcome more = readAvailable();
        outcome.data += more.data;
        outcome.closed = more.closed;
        outcome.reset = more.reset;
    }
    outcome.ms = msSince(start);
    return outcome;
}

ReadOutcome RawConnection::readUntilClosed(double timeoutSeconds)
{
    return readUntil("", timeoutSeconds);
}

int statusOf(const std::string& raw)
{
    if (raw.compare(0, 5, "HTTP/") != 0 || raw.size() < 12)
        return 0;
    return std::atoi(raw.substr(9, 3).c_str());
}

std::string bodyOf(const std::string& raw)
{
    const auto end = raw.find("\r\n\r\n");
    return end == std::string::npos ? std::string() : raw.substr(end + 4);
}

std::string lowerHeadOf(const std::string& raw)
{
    std::string head = raw.substr(0, raw.find("\r\n\r\n"));
    for (auto& c : head)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return head;
}

} // namespace portico::test
