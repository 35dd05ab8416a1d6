#include "event/EventLoop.h"
#include "Poco/Exception.h"
#include "Poco/Logger.h"
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace portico {

namespace {

constexpr int MaxEvents = 256;

[[noreturn]] void throwErrno(const std::string& what)
{
    throw Poco::SystemException(what + ": " + std::strerror(errno));
}

/// What the exception being handled says (inside a catch block).
std::string currentText()
{
    try
    {
        throw;
    }
    catch (const Poco::Exception& e)
    {
        return e.displayText();
    }
    catch (const std::exception& e)
    {
        return e.what();
    }
    catch (...)
    {
        return "an unknown exception";
    }
}

/// Runs loop code that must not take the loop down: a task or a timer that throws is logged and
/// the loop goes on (the core's own tasks catch what they expect themselves).
template <typename Fn>
void guarded(const std::string& loop, Fn&& fn)
{
    try
    {
        fn();
    }
    catch (const Poco::Exception& e)
    {
        Poco::Logger::get("portico.core").error(loop + ": a task threw: " + e.displayText());
    }
    catch (const std::exception& e)
    {
        Poco::Logger::get("portico.core").error(loop + ": a task threw: " + e.what());
    }
    catch (...)
    {
        Poco::Logger::get("portico.core").error(loop + ": a task threw an unknown exception");
    }
}

} // namespace

EventLoop::EventLoop(std::string name) : name_(std::move(name)), now_(Clock::now()), readBuffer_(64 * 1024)
{
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0)
        throwErrno("epoll_create1");
    wake_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_ < 0)
    {
        const int saved = errno;
        ::close(epoll_);
        errno = saved;
        throwErrno("eventfd");
    }
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.ptr = nullptr; // the wake-up descriptor
    if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &event) != 0)
    {
        const int saved = errno;
        ::close(wake_);
        ::close(epoll_);
        errno = saved;
        throwErrno("epoll_ctl(wake)");
    }
}

EventLoop::~EventLoop()
{
    graveyard_.clear();
    ::close(wake_);
    ::close(epoll_);
}

void EventLoop::claimThread()
{
    if (threadId_ == std::thread::id())
    {
        threadId_ = std::this_thread::get_id();
        pthread_setname_np(pthread_self(), name_.substr(0, 15).c_str());
    }
}

void EventLoop::addSocket(int fd, IoHandler* handler)
{
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    event.data.ptr = handler;
    if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event) != 0)
        throwErrno("epoll_ctl(add)");
}

void EventLoop::addListener(int fd, IoHandler* handler)
{
    epoll_event event{};
    event.events = EPOLLIN | EPOLLEXCLUSIVE;
    event.data.ptr = handler;
    if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event) != 0)
        throwErrno("epoll_ctl(add listener)");
}

void EventLoop::remove(int fd)
{
    epoll_event unused{};
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, &unused); // ENOENT/EBADF: it was never (or no longer) there
}

void EventLoop::deleteLater(std::unique_ptr<IoHandler> handler)
{
    graveyard_.push_back(std::move(handler));
}

EventLoop::TimerId EventLoop::after(Clock::duration delay, Task task)
{
    return at(Clock::now() + std::max(delay, Clock::duration::zero()), std::move(task));
}

EventLoop::TimerId EventLoop::at(Clock::time_point when, Task task)
{
    const TimerId id = nextTimer_++;
    timerTasks_.emplace(id, std::move(task));
    heap_.push_back({when, id});
    std::push_heap(heap_.begin(), heap_.end(), std::greater<TimerEntry>());
    return id;
}

void EventLoop::cancel(TimerId timer)
{
    // The heap entry stays and is skipped when it comes up: cheaper than a search.
    timerTasks_.erase(timer);
    // Keep the heap from filling with cancelled entries (a stream that re-arms a far deadline
    // at every event would): rebuild it when most of it is dead.
    if (heap_.size() > 1024 && heap_.size() > 4 * timerTasks_.size())
    {
        heap_.erase(std::remove_if(heap_.begin(), heap_.end(),
                                   [this](const TimerEntry& entry) { return !timerTasks_.count(entry.id); }),
                    heap_.end());
        std::make_heap(heap_.begin(), heap_.end(), std::greater<TimerEntry>());
    }
}

void EventLoop::post(Task task)
{
    {
        std::lock_guard<std::mutex> lock(postMutex_);
        posted_.push_back(std::move(task));
    }
    // Only a sleeping loop needs the eventfd: an awake one runs the queue before it sleeps
    // again (it re-checks the queue after announcing that it will sleep).
    if (sleeping_.load(std::memory_order_seq_cst))
    {
        const std::uint64_t one = 1;
        [[maybe_unused]] const ssize_t written = ::write(wake_, &one, sizeof one);
    }
}

void EventLoop::stop()
{
    post([this] { stopping_ = true; });
}

void EventLoop::run()
{
    claimThread();
    while (!stopping_)
        turn(-1);
}

void EventLoop::runOnce(std::chrono::milliseconds maxWait)
{
    claimThread();
    turn(static_cast<int>(std::max<std::int64_t>(0, maxWait.count())));
}

int EventLoop::waitMillis(int cap) const
{
    // Skip cancelled entries at the top without mutating (runDueTimers pops them).
    if (heap_.empty())
        return cap;
    const auto until = heap_.front().when - Clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(until).count();
    // Round up so that a timer is never woken for a moment before it is due.
    int wait = ms <= 0 ? 0 : static_cast<int>(std::min<std::int64_t>(ms + 1, 60'000));
    if (cap >= 0)
        wait = std::min(wait, cap);
    return wait;
}

void EventLoop::turn(int capMs)
{
    int wait = waitMillis(capMs);
    if (wait != 0)
    {
        sleeping_.store(true, std::memory_order_seq_cst);
        // A task posted just before we announced sleep would otherwise wait for the timeout.
        std::lock_guard<std::mutex> lock(postMutex_);
        if (!posted_.empty())
            wait = 0;
    }
    epoll_event events[MaxEvents];
    const int ready = ::epoll_wait(epoll_, events, MaxEvents, wait);
    sleeping_.store(false, std::memory_order_seq_cst);
    now_ = Clock::now();
    if (ready < 0 && errno != EINTR)
        Poco::Logger::get("portico.core").error(name_ + ": epoll_wait: " + std::strerror(errno));
    for (int i = 0; i < ready; ++i)
    {
        auto* handler = static_cast<IoHandler*>(events[i].data.ptr);
        if (!handler)
        {
            drainWake();
            continue;
        }
        try
        {
            handler->onIo(events[i].events);
        }
        catch (...)
        {
            // A handler's own failure (out of memory on a new exchange, a bug) takes down that
            // connection, not the loop with every other one.
            Poco::Logger::get("portico.core").error(name_ + ": a socket handler threw: " + currentText());
            handler->onFailure();
        }
    }
    runDueTimers();
    runPosted();
    graveyard_.clear();
}

void EventLoop::drainWake()
{
    std::uint64_t count = 0;
    while (::read(wake_, &count, sizeof count) > 0)
    {
    }
}

void EventLoop::runDueTimers()
{
    now_ = Clock::now();
    while (!heap_.empty() && heap_.front().when <= now_)
    {
        const TimerId id = heap_.front().id;
        std::pop_heap(heap_.begin(), heap_.end(), std::greater<TimerEntry>());
        heap_.pop_back();
        const auto found = timerTasks_.find(id);
        if (found == timerTasks_.end())
            continue; // cancelled
        Task task = std::move(found->second);
        timerTasks_.erase(found);
        guarded(name_, task);
    }
}

void EventLoop::runPosted()
{
    {
        std::lock_guard<std::mutex> lock(postMutex_);
        running_.swap(posted_);
    }
    for (auto& task : running_)
        guarded(name_, task);
    running_.clear();
}

} // namespace portico
