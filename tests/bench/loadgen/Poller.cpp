#include "Poller.h"
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <sys/epoll.h>
#include <unistd.h>

namespace portico::loadgen {

Poller::Poller() : epoll_(::epoll_create1(EPOLL_CLOEXEC))
{
    if (epoll_ < 0)
        throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
}

Poller::~Poller()
{
    if (epoll_ >= 0)
        ::close(epoll_);
}

void Poller::watch(int fd, std::uint32_t events, std::uint64_t tag)
{
    if (fd < 0)
        throw std::invalid_argument("Poller::watch: bad descriptor");
    if (static_cast<std::size_t>(fd) >= watched_.size())
        watched_.resize(static_cast<std::size_t>(fd) + 1024, 0);
    epoll_event event{};
    event.events = events;
    event.data.u64 = tag;
    const int operation = watched_[fd] ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (::epoll_ctl(epoll_, operation, fd, &event) != 0)
        throw std::runtime_error(std::string("epoll_ctl: ") + std::strerror(errno));
    watched_[fd] = 1;
}

void Poller::forget(int fd)
{
    if (fd < 0 || static_cast<std::size_t>(fd) >= watched_.size() || !watched_[fd])
        return;
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
    watched_[fd] = 0;
}

const std::vector<Poller::Ready>& Poller::wait(int timeoutMs, int maxEvents)
{
    epoll_event events[1024];
    if (maxEvents > 1024)
        maxEvents = 1024;
    ready_.clear();
    const int count = ::epoll_wait(epoll_, events, maxEvents, timeoutMs);
    for (int i = 0; i < count; ++i)
        ready_.push_back({events[i].data.u64, events[i].events});
    return ready_; // count < 0: EINTR, nothing ready
}

} // namespace portico::loadgen
