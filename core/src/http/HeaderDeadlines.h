#pragma once
// A deadline for reading each request head. Poco's socket timeout bounds each recv(), so a
// client that sends its headers a byte at a time (slowloris) could hold a worker thread
// forever; with thread-per-connection that starves everyone. Each connection registers one Slot
// for its lifetime and arms it before it reads a request head, releasing it once the head is
// parsed; one thread shuts down the read side of every socket whose armed deadline passed,
// which makes the blocked read fail at once.
//
// Arming and releasing are one atomic store/exchange each: the per-request cost is a clock read,
// not a lock and a map node (the registry's lock is taken once per connection).

#include "Poco/Net/StreamSocket.h"
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>
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

    /// One connection's deadline, registered from construction to destruction.
    class Slot
    {
    public:
        Slot(HeaderDeadlines& owner, const Poco::Net::StreamSocket& socket);
        ~Slot();
        Slot(const Slot&) = delete;
        Slot& operator=(const Slot&) = delete;

        /// A request head is about to be read: its deadline is now + the timeout.
        void arm();
        /// The head is in (or the read ended): the deadline no longer applies. Returns true when
        /// it had passed first and the socket's read side was shut down.
        bool release();

    private:
        friend class HeaderDeadlines;
        static constexpr std::int64_t idle = 0;
        static constexpr std::int64_t expired = -1;

        HeaderDeadlines& owner_;
        Poco::Net::StreamSocket socket_;
        /// The armed deadline (steady clock, ns since its epoch, always > 0), idle or expired.
        std::atomic<std::int64_t> state_{idle};
    };

    /// How many request heads timed out since start.
    std::uint64_t expiredCount() const { return expiredCount_.load(); }

private:
    void run();
    static std::int64_t nowNs();

    const std::chrono::milliseconds timeout_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::set<Slot*> slots_;
    bool stopping_ = false;
    std::atomic<std::uint64_t> expiredCount_{0};
    std::thread thread_;
};

} // namespace portico
