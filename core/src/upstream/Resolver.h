#pragma once
// Host names of upstreams to addresses without blocking an event loop. getaddrinfo() blocks
// (DNS), so names are resolved on the resolver's own threads (up to MaxThreads, started on
// demand, so that one slow name does not hold up the others) and the answer is posted to the
// loop that asked; answers are cached for 30 seconds. An IP literal ("127.0.0.1", "::1") is
// resolved at once, on the caller's thread.
//
// Lookups are coalesced: while a name is being looked up, every further call for it waits for
// that lookup (one getaddrinfo per name, however many calls ask at once). A lookup that fails
// while an older (expired) answer is cached serves the older addresses: an upstream is not made
// unreachable by a DNS hiccup. The resolver sets no deadline of its own: the caller does (the
// upstream client's connect timeout covers name resolution) and drops a late answer.

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
    /// What one lookup found.
    struct Answer
    {
        std::vector<ResolvedAddress> addresses;
        std::string error;
    };
    /// Looks a name up (blocking); by default getaddrinfo. Runs on a resolver thread.
    using Lookup = std::function<Answer(const std::string& host, unsigned short port)>;
    /// Threads that may run lookups at once.
    static constexpr std::size_t MaxThreads = 4;

    /// `lookup` empty: getaddrinfo. `lifetime`: how long an answer is used without asking again.
    explicit Resolver(Lookup lookup = {}, std::chrono::milliseconds lifetime = std::chrono::seconds(30));
    /// Stops the threads (waiting for lookups in progress); answers still pending are dropped.
    ~Resolver();
    Resolver(const Resolver&) = delete;
    Resolver& operator=(const Resolver&) = delete;

    /// Resolves `host`:`port`. `done` runs on `loop` (posted), or right here when the answer is
    /// known (a literal, a fresh cache entry): call it from `loop`'s thread. Never called with
    /// the resolver's lock held.
    void resolve(const std::string& host, unsigned short port, EventLoop& loop, Done done);
    /// `loop` is about to stop: answers for it are dropped, never posted to it.
    void forget(EventLoop& loop);
    /// Replaces the lookup (empty: getaddrinfo again); for tests. Lookups already running finish
    /// with the one they started with.
    void setLookup(Lookup lookup);
    /// getaddrinfo of `host`:`port`; `numericOnly`: literals only (no DNS).
    static Answer systemLookup(const std::string& host, unsigned short port, bool numericOnly = false);

private:
    struct Entry
    {
        std::vector<ResolvedAddress> addresses;
        std::chrono::steady_clock::time_point at;
    };
    struct Waiter
    {
        EventLoop* loop;
        Done done;
    };
    /// A name being looked up (or queued for a thread), with the calls waiting for it.
    struct Pending
    {
        std::string host;
        unsigned short port = 0;
        std::vector<Waiter> waiters;
    };

    bool fresh(const Entry& entry) const;
    void run();

    const std::chrono::milliseconds lifetime_;
    std::mutex mutex_;
    std::condition_variable wake_;
    Lookup lookup_;
    std::map<std::string, Entry> cache_; ///< successful answers only
    std::map<std::string, Pending> pending_;
    std::deque<std::string> queue_; ///< keys of pending_ no thread has taken yet
    /// Loops that stopped (their pending answers are dropped); a loop that asks again is live.
    std::vector<EventLoop*> forgotten_;
    bool stopping_ = false;
    std::size_t idle_ = 0; ///< threads waiting for work
    std::vector<std::thread> threads_;
};

} // namespace portico
