#include "ScriptedUpstream.h"
#include "http/MessageHead.h"
#include <arpa/inet.h>
#include <cerrno>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace portico::test {

namespace {

using Clock = std::chrono::steady_clock;

Clock::time_point after(double seconds)
{
    return Clock::now() + std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

} // namespace

bool ScriptedSocket::fill(Clock::time_point deadline)
{
    if (closed_)
        return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0)
        return false;
    pollfd entry{fd_, POLLIN, 0};
    if (::poll(&entry, 1, static_cast<int>(left)) <= 0)
        return false;
    char buffer[65536];
    const ssize_t got = ::recv(fd_, buffer, sizeof buffer, 0);
    if (got <= 0)
    {
        closed_ = true;
        return false;
    }
    kept_.append(buffer, static_cast<std::size_t>(got));
    return true;
}

std::string ScriptedSocket::readHead(double timeoutSeconds)
{
    const auto deadline = after(timeoutSeconds);
    for (;;)
    {
        const auto end = kept_.find("\r\n\r\n");
        if (end != std::string::npos)
        {
            std::string head = kept_.substr(0, end + 4);
            kept_.erase(0, end + 4);
            return head;
        }
        if (!fill(deadline))
            return {};
    }
}

std::string ScriptedSocket::readBytes(std::size_t bytes, double timeoutSeconds)
{
    const auto deadline = after(timeoutSeconds);
    while (kept_.size() < bytes && fill(deadline))
    {
    }
    const std::size_t take = std::min(bytes, kept_.size());
    std::string out = kept_.substr(0, take);
    kept_.erase(0, take);
    return out;
}

std::string ScriptedSocket::readChunked(bool& complete, double timeoutSeconds)
{
    const auto deadline = after(timeoutSeconds);
    portico::ChunkedDecoder decoder;
    std::string out;
    complete = false;
    for (;;)
    {
        std::size_t consumed = 0;
        const auto result = decoder.decode(kept_, consumed, out);
        kept_.erase(0, consumed);
        if (result == portico::ChunkedDecoder::Result::Done)
        {
            complete = true;
            return out;
        }
        if (result == portico::ChunkedDecoder::Result::Invalid || !fill(deadline))
            return out;
    }
}

bool ScriptedSocket::waitForClose(double timeoutSeconds, std::size_t* received)
{
    const auto deadline = after(timeoutSeconds);
    std::size_t count = kept_.size();
    kept_.clear();
    while (!closed_)
    {
        if (!fill(deadline))
            break;
        count += kept_.size();
        kept_.clear();
    }
    if (received)
        *received = count;
    return closed_;
}

bool ScriptedSocket::send(const std::string& bytes)
{
    std::size_t sent = 0;
    while (sent < bytes.size())
    {
        const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0)
            return false;
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

ScriptedUpstream::ScriptedUpstream(Script script) : script_(std::move(script))
{
    listenFd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (listenFd_ < 0)
        throw std::runtime_error("socket() failed");
    const int one = 1;
    ::setsockopt(listenFd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listenFd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listenFd_, 64) != 0)
        throw std::runtime_error("cannot listen on 127.0.0.1");
    socklen_t length = sizeof address;
    ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { acceptLoop(); });
}

ScriptedUpstream::~ScriptedUpstream()
{
    stopping_.store(true);
    acceptor_.join();
    ::close(listenFd_);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        for (const int fd : fds_)
            ::shutdown(fd, SHUT_RDWR); // a script still waiting wakes up to a close
    }
    for (auto& worker : workers_)
        worker.join();
    for (const int fd : fds_)
        ::close(fd);
}

void ScriptedUpstream::acceptLoop()
{
    while (!stopping_.load())
    {
        pollfd entry{listenFd_, POLLIN, 0};
        if (::poll(&entry, 1, 100) <= 0)
            continue;
        const int fd = ::accept(listenFd_, nullptr, nullptr);
        if (fd < 0)
            continue;
        ++accepted_;
        std::lock_guard<std::mutex> lock(mutex_);
        fds_.push_back(fd);
        workers_.emplace_back([this, fd] {
            ScriptedSocket socket(fd);
            try
            {
                script_(socket);
            }
            catch (...)
            {
                // A script's assertion failure shows in what the test observes (its answer).
            }
            ::shutdown(fd, SHUT_WR);
        });
    }
}

} // namespace portico::test
