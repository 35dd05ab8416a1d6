#pragma once
/// A small epoll set for `hold` mode: level-triggered, each descriptor tagged with a 64-bit
/// value the caller chooses (which connection it is), waits in milliseconds.

#include <cstdint>
#include <vector>

namespace portico::loadgen {

class Poller
{
public:
    struct Ready
    {
        std::uint64_t tag;
        std::uint32_t events; ///< EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP
    };

    Poller();
    ~Poller();
    Poller(const Poller&) = delete;
    Poller& operator=(const Poller&) = delete;

    /// Watches fd for `events` (add when new, modify when already watched). Throws on failure.
    void watch(int fd, std::uint32_t events, std::uint64_t tag);
    /// Stops watching fd (before it is closed). Unknown descriptors are ignored.
    void forget(int fd);
    /// Waits up to timeoutMs (0: do not wait) for at most `maxEvents` ready descriptors.
    const std::vector<Ready>& wait(int timeoutMs, int maxEvents = 1024);

private:
    int epoll_ = -1;
    std::vector<std::uint8_t> watched_; ///< by descriptor: 1 when in the set
    std::vector<Ready> ready_;
};

} // namespace portico::loadgen
