#pragma once
// A deadline for reading each request head. Poco's socket timeout bounds each recv(), so a
// client that sends its headers a byte at a time (slowloris) could hold a worker thread
// forever; with thread-per-connection that starves everyone. A connection registers before it
// reads a request head and unregisters once the head is parsed; one thread shuts down the read
// side of every socket whose deadline passed, which makes the blocked read fail at once.

#include "Poco/Net/StreamSocket.h"
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

namespace portico {

class HeaderDeadlines
{
public:
    using Clock = std::chrono::steady_clock;

    explicit HeaderDeadlines(std::chrono::milliseconds timeout);
    ~HeaderDeadlines();
    HeaderDeadlines(const HeaderDeadlines&) = delete;
    HeaderDeadlines& operator=(const HeaderDeadlines&) = delete;

    /// Registers `socket` until the returned guard is released or destroyed.
    class Guard
    {
    public:
        Guard(HeaderDeadlines& owner, const Poco::Net::StreamSocket& socket);
        ~Guard() { release(); }
        Guard(const Guard&) = delete;
        Guard& operator=(const Guard&) = delete;
        /// The head is in: the deadline no longer applies.
        void release();
        /// True when the deadline passed and the socket was shut down.
        bool expired() const;

    private:
        HeaderDeadlines& owner_;
        std::uint64_t id_;
        bool active_ = true;
    };

    /// How many request heads timed out since start.
    std::uint64_t expiredCount() const { return expiredCount_.load(); }

private:
    struct Entry
    {
        Clock::time_point deadline;
        Poco::Net::StreamSocket socket;
        bool expired = false;
    };
    void run();

    const std::chrono::milliseconds timeout_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::map<std::uint64_t, Entry> entries_;
    std::uint64_t nextId_ = 1;
    bool stopping_ = false;
    std::atomic<std::uint64_t> expiredCount_{0};
    std::thread thread_;
};

} // namespace portico
