#include "event/WorkerPool.h"
#include "Poco/Exception.h"
#include "Poco/Logger.h"
#include <cstring>
#include <pthread.h>

namespace portico {

WorkerPool::WorkerPool(std::size_t maxThreads, std::size_t maxQueued, std::size_t stackBytes,
                       std::chrono::milliseconds idleTime)
    : maxThreads_(std::max<std::size_t>(1, maxThreads)),
      maxQueued_(maxQueued),
      stackBytes_(stackBytes),
      idleTime_(idleTime)
{
}

WorkerPool::~WorkerPool()
{
    stop();
    join(std::chrono::hours(24));
}

void WorkerPool::reap()
{
    std::vector<pthread_t> done;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        done.swap(finished_);
    }
    for (pthread_t thread : done)
        pthread_join(thread, nullptr);
}

bool WorkerPool::submit(Job job, bool evenWhenFull)
{
    reap();
    bool spawn = false;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_)
            return false; // not counted: no queue was full
        if (jobs_.size() >= maxQueued_ && !evenWhenFull)
        {
            refused_.fetch_add(1);
            return false;
        }
        jobs_.push_back(std::move(job));
        // A thread is started only when no idle one will take the job.
        if (idle_ < jobs_.size() && threads_.load() < maxThreads_)
        {
            threads_.fetch_add(1);
            spawn = true;
        }
    }
    if (spawn)
        startThread();
    else
        wake_.notify_one();
    return true;
}

void WorkerPool::startThread()
{
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    if (stackBytes_ > 0)
        pthread_attr_setstacksize(&attributes, std::max<std::size_t>(stackBytes_, PTHREAD_STACK_MIN));
    pthread_t thread;
    const int error = pthread_create(&thread, &attributes, &WorkerPool::threadMain, this);
    pthread_attr_destroy(&attributes);
    if (error != 0)
    {
        // The job stays queued for the threads there are; with none, it waits for the next submit.
        Poco::Logger::get("portico.core").error(std::string("cannot start a worker thread: ") + std::strerror(error));
        std::lock_guard<std::mutex> lock(mutex_);
        threads_.fetch_sub(1);
        exited_.notify_all();
    }
}

void* WorkerPool::threadMain(void* self)
{
    pthread_setname_np(pthread_self(), "portico-worker");
    static_cast<WorkerPool*>(self)->work();
    return nullptr;
}

void WorkerPool::work()
{
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;)
    {
        if (jobs_.empty())
        {
            if (stopping_)
                break;
            ++idle_;
            const bool woken = wake_.wait_for(lock, idleTime_, [this] { return !jobs_.empty() || stopping_; });
            --idle_;
            if (!woken)
                break; // idle for idleTime_: shrink
            continue;
        }
        Job job = std::move(jobs_.front());
        jobs_.pop_front();
        busy_.fetch_add(1);
        lock.unlock();
        try
        {
            job();
        }
        catch (...)
        {
            // Jobs catch what they expect; anything else must not end the thread.
            Poco::Logger::get("portico.core").error("a worker job threw");
        }
        job = nullptr; // destroy what it captured outside the lock
        busy_.fetch_sub(1);
        lock.lock();
    }
    // The last thing this thread does with the pool: whoever joins it (reap) waits until it has
    // really returned, so the pool is never destroyed under a thread still leaving it.
    finished_.push_back(pthread_self());
    threads_.fetch_sub(1);
    exited_.notify_all();
}

bool WorkerPool::stopping() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    return stopping_;
}

void WorkerPool::stop()
{
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
}

bool WorkerPool::join(std::chrono::milliseconds timeout)
{
    bool all = false;
    {
        std::unique_lock<std::mutex> lock(mutex_);
        all = exited_.wait_for(lock, timeout, [this] { return threads_.load() == 0; });
    }
    reap();
    return all;
}

std::size_t WorkerPool::queued() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    return jobs_.size();
}

} // namespace portico
