#include "event/Acceptor.h"
#include "portico/Json.h"
#include "Poco/Logger.h"
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace portico {

namespace {

/// At most this many accepts per wake-up, so one loop does not take a burst the others could share.
constexpr int AcceptBatch = 32;

std::string formatPeer(const sockaddr_storage& address)
{
    char host[INET6_ADDRSTRLEN] = "-";
    unsigned short port = 0;
    if (address.ss_family == AF_INET)
    {
        const auto* in = reinterpret_cast<const sockaddr_in*>(&address);
        ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        port = ntohs(in->sin_port);
        return std::string(host) + ":" + std::to_string(port);
    }
    if (address.ss_family == AF_INET6)
    {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address);
        ::inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
        port = ntohs(in6->sin6_port);
        return "[" + std::string(host) + "]:" + std::to_string(port);
    }
    return "-";
}

const std::string& refusal()
{
    static const std::string answer = [] {
        const std::string body = openAiErrorBody(
            "The server has too many open connections (server.max_connections); try again shortly.", "server_error",
            "too_many_connections");
        return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
               "Connection: close\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n\r\n" + body;
    }();
    return answer;
}

} // namespace

Acceptor::Acceptor(EventLoop& loop, int listeningFd, bool answersRefusals, ConnectionBudget& budget,
                   OnAccept onAccept)
    : loop_(loop), listening_(listeningFd), answersRefusals_(answersRefusals), budget_(budget), onAccept_(std::move(onAccept))
{
}

Acceptor::~Acceptor()
{
    if (resume_)
        loop_.cancel(resume_);
}

void Acceptor::start()
{
    if (registered_ || stopped_)
        return;
    loop_.addListener(listening_, this);
    registered_ = true;
}

void Acceptor::stop()
{
    stopped_ = true;
    if (resume_)
    {
        loop_.cancel(resume_);
        resume_ = 0;
    }
    if (registered_)
        loop_.remove(listening_);
    registered_ = false;
}

void Acceptor::pause()
{
    if (!registered_)
        return;
    loop_.remove(listening_);
    registered_ = false;
    resume_ = loop_.after(std::chrono::milliseconds(100), [this] {
        resume_ = 0;
        start();
    });
}

void Acceptor::refuse(int fd)
{
    budget_.refused.fetch_add(1); // counted before the client can see the answer
    // Best effort, one non-blocking send: a client that cannot take 200 bytes now gets a close.
    if (answersRefusals_)
    {
        [[maybe_unused]] const ssize_t sent =
            ::send(fd, refusal().data(), refusal().size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    ::close(fd);
    const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::steady_clock::now().time_since_epoch())
                                 .count();
    std::int64_t last = budget_.lastRefusalLog.load();
    if (now - last >= 60 && budget_.lastRefusalLog.compare_exchange_strong(last, now))
        Poco::Logger::get("portico.core")
            .warning("server.max_connections (" + std::to_string(budget_.max) +
                     ") reached: refusing new connections with 503 (portico_http_connections_refused_total counts them)");
}

void Acceptor::onIo(std::uint32_t)
{
    for (int i = 0; i < AcceptBatch && !stopped_; ++i)
    {
        sockaddr_storage peer{};
        socklen_t length = sizeof peer;
        const int fd = ::accept4(listening_, reinterpret_cast<sockaddr*>(&peer), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
        {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
            {
                Poco::Logger::get("portico.core")
                    .error(std::string("accept: ") + std::strerror(errno) + "; pausing new connections for 100 ms");
                pause();
            }
            return; // EAGAIN: nothing left (another loop may have taken it)
        }
        if (budget_.open.load() >= budget_.max)
        {
            refuse(fd);
            continue;
        }
        const int on = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        onAccept_(fd, formatPeer(peer));
    }
}

} // namespace portico
