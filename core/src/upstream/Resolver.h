#pragma once
// Host names of upstreams to addresses without blocking an event loop. getaddrinfo() blocks
// (DNS), so names are resolved on the resolver's own thread and the answer is posted to the
// loop that asked; answers are cached for 30 seconds. An IP literal ("127.0.0.1", "::1") is
// resolved at once, on the caller's thread.

#include "event/EventLoop.h"
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <algorithm>
#include <vector>

namespace portico {

struct ResolvedAddress
{
    sockaddr_storage address{};
    socklen_t length = 0;
};

class Resolver
{
public:
    /// The addresses (empty on failure) and, on failure, why.
    using Done = std::function<void(std::vector<ResolvedAddress> addresses, std::string error)>;

    Resolver() = default;
    /// Stops the thread; answers still pending are dropped.
    ~Resolver();
    Resolver(const Resolver&) = delete;
    Resolver& operator=(const Resolver&) = delete;

    /// Resolves `host`:`port`. `done` runs on `loop` (posted), or right here when the answer is
    /// known (a literal, a fresh cache entry): call it from `loop`'s thread.
    void resolve(const std::string& host, unsigned short port, EventLoop& loop, Done done);
    /// `loop` is about to stop: answers for it are dropped, never posted to it.
    void forget(EventLoop& loop);

private:
    struct Entry
    {
        std::vector<ResolvedAddress> addresses;
        std::string error;
        std::chrono::steady_clock::time_point at;
    };
    struct Job
    {
        std::string host;
        unsigned short port;
        EventLoop* loop;
        Done done;
    };

    static Entry lookup(const std::string& host, unsigned short port, bool numericOnly);
    void run();

    std::mutex mutex_;
    std::condition_variable wake_;
    std::map<std::string, Entry> cache_;
    std::deque<Job> jobs_;
    /// Loops that stopped (their pending answers are dropped); a loop that asks again is live.
    std::vector<EventLoop*> forgotten_;
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace portico
