#pragma once
// The threads that run plugin code that may block (Redis, SQLite, a handler that sleeps): a job
// queue and threads started on demand, up to a maximum, that exit after a minute idle. Nothing
// here ever touches a socket: a job posts its result to the event loop that owns the
// connection.
//
// The queue is bounded: submit() says no when it is full, and the caller answers 503 (a limit
// that is reached is counted and logged, never a silent wait).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <pthread.h>
#include <vector>

namespace portico {

class WorkerPool
{
public:
    using Job = std::function<void()>;

    /// `maxThreads` threads at most, `maxQueued` jobs waiting at most, each thread with a stack
    /// of `stackBytes` (0: the system's default); idle threads exit after `idleTime`.
    WorkerPool(std::size_t maxThreads, std::size_t maxQueued, std::size_t stackBytes,
               std::chrono::milliseconds idleTime = std::chrono::seconds(60));
    /// stop(), then joins.
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    /// Queues `job`; false when the queue is full or the pool is stopping (the job is not run).
    /// `evenWhenFull`: for work that must not be lost (completion hooks), bounded by the
    /// requests in flight rather than by the queue.
    bool submit(Job job, bool evenWhenFull = false);
    /// No new jobs; queued jobs still run. Returns at once.
    void stop();
    bool stopping() const;
    /// Waits up to `timeout` for every thread to finish (after stop()). True when all did.
    bool join(std::chrono::milliseconds timeout);

    std::size_t threads() const { return threads_.load(); }
    std::size_t busy() const { return busy_.load(); }
    std::size_t queued() const;
    std::size_t maxThreads() const { return maxThreads_; }
    /// Jobs refused because the queue was full (not those refused while stopping).
    std::uint64_t refused() const { return refused_.load(); }

private:
    void startThread();
    void work();
    /// Joins the threads in finished_ (they have returned or are about to).
    void reap();
    static void* threadMain(void* self);

    const std::size_t maxThreads_;
    const std::size_t maxQueued_;
    const std::size_t stackBytes_;
    const std::chrono::milliseconds idleTime_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable exited_;
    std::deque<Job> jobs_;
    /// Threads that have left work() and wait to be joined (idle ones that shrank the pool).
    std::vector<pthread_t> finished_;
    std::size_t idle_ = 0;
    bool stopping_ = false;
    std::atomic<std::size_t> threads_{0};
    std::atomic<std::size_t> busy_{0};
    std::atomic<std::uint64_t> refused_{0};
};

} // namespace portico
