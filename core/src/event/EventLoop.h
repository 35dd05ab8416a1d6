#pragma once
// One event-loop thread: an epoll set, a wake-up eventfd, a timer heap and a queue of tasks
// posted from other threads. Every socket porticod serves belongs to exactly one loop, and only
// that loop's thread reads, writes, registers or closes it (see docs/architecture.md).
//
// Why epoll directly and not Poco's PollSet: in POCO 1.11 PollSet::poll() builds a std::map of
// the ready sockets on every call, cannot be woken (wakeUp() came in 1.12), spins with write
// interest left on (#2966) and on hung-up sockets left registered (#4194). This class is the
// small part of it we need, on raw file descriptors.
//
// Sockets are registered edge-triggered for input and output at once (EPOLLET), so nothing is
// re-registered per request: a handler reads until EAGAIN and writes until EAGAIN or done, and
// remembers what it still wants. Listening sockets are level-triggered with EPOLLEXCLUSIVE (see
// Acceptor).
//
// A handler is never deleted while the loop may still hold an event for it: deleteLater()
// keeps it alive until the current batch of events has been handled.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace portico {

/// What the loop calls when a registered descriptor is ready.
class IoHandler
{
public:
    virtual ~IoHandler() = default;
    /// `events`: EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLHUP, EPOLLERR bits.
    virtual void onIo(std::uint32_t events) = 0;
    /// onIo() threw (the loop logged it): give up the socket. Must not throw.
    virtual void onFailure() noexcept {}
};

class EventLoop
{
public:
    using Clock = std::chrono::steady_clock;
    using Task = std::function<void()>;
    using TimerId = std::uint64_t;

    /// `name` is the thread's name ("portico-loop-0").
    explicit EventLoop(std::string name);
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // --- from the loop's own thread only ----------------------------------------------------
    /// Registers `fd` edge-triggered for input, output and peer hang-up.
    void addSocket(int fd, IoHandler* handler);
    /// Registers a listening socket (level-triggered, EPOLLEXCLUSIVE).
    void addListener(int fd, IoHandler* handler);
    /// Unregisters `fd`. Call before closing it (a closed descriptor cannot be removed).
    void remove(int fd);
    /// Keeps `handler` alive until the events of the current batch have been handled.
    void deleteLater(std::unique_ptr<IoHandler> handler);

    /// Runs `task` once, `delay` from now (0: on the next turn). Returns an id for cancel().
    TimerId after(Clock::duration delay, Task task);
    TimerId at(Clock::time_point when, Task task);
    /// Cancels a timer that has not run yet (no-op otherwise).
    void cancel(TimerId timer);

    /// The time at the start of the current turn (cheaper than Clock::now()).
    Clock::time_point now() const { return now_; }
    /// A scratch buffer for reads on this loop's thread (64 KiB): a connection copies only
    /// what it keeps, so an idle connection holds no read buffer.
    std::vector<char>& readBuffer() { return readBuffer_; }

    // --- from any thread ----------------------------------------------------------------------
    /// Runs `task` on the loop's thread, soon. Tasks run in the order they were posted.
    void post(Task task);
    /// run() returns after the current turn.
    void stop();
    bool inLoopThread() const { return std::this_thread::get_id() == threadId_; }
    const std::string& name() const { return name_; }

    /// Runs turns until stop(). Call from the thread that is to own the loop.
    void run();
    /// One turn: waits up to `maxWait` for an event (less when a timer is due), then handles the
    /// ready descriptors, the due timers and the posted tasks. For tests that drive a loop on
    /// their own thread. The first call makes the calling thread the loop's owner.
    void runOnce(std::chrono::milliseconds maxWait);

    /// Timers pending (for tests and metrics).
    std::size_t pendingTimers() const { return timerTasks_.size(); }

private:
    struct TimerEntry
    {
        Clock::time_point when;
        TimerId id;
        bool operator>(const TimerEntry& other) const
        {
            return when != other.when ? when > other.when : id > other.id;
        }
    };

    void turn(int waitMs);
    int waitMillis(int cap) const;
    void runDueTimers();
    void runPosted();
    void drainWake();
    void claimThread();

    const std::string name_;
    int epoll_ = -1;
    int wake_ = -1;
    std::thread::id threadId_;
    bool stopping_ = false;
    Clock::time_point now_;

    std::mutex postMutex_;
    std::vector<Task> posted_;
    std::vector<Task> running_;
    std::atomic<bool> sleeping_{false};

    std::vector<TimerEntry> heap_;
    std::unordered_map<TimerId, Task> timerTasks_;
    TimerId nextTimer_ = 1;

    std::vector<std::unique_ptr<IoHandler>> graveyard_;
    std::vector<char> readBuffer_;
};

} // namespace portico
