#include "http/HeaderDeadlines.h"

namespace portico {

HeaderDeadlines::HeaderDeadlines(std::chrono::milliseconds timeout) : timeout_(timeout), thread_([this] { run(); }) {}

HeaderDeadlines::~HeaderDeadlines()
{
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

std::int64_t HeaderDeadlines::nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

HeaderDeadlines::Slot::Slot(HeaderDeadlines& owner, const Poco::Net::StreamSocket& socket)
    : owner_(owner), socket_(socket)
{
    std::lock_guard<std::mutex> lock(owner_.mutex_);
    owner_.slots_.insert(this);
}

HeaderDeadlines::Slot::~Slot()
{
    std::lock_guard<std::mutex> lock(owner_.mutex_); // the sweeper is not using this slot now
    owner_.slots_.erase(this);
}

void HeaderDeadlines::Slot::arm()
{
    const std::int64_t deadline =
        nowNs() + std::chrono::duration_cast<std::chrono::nanoseconds>(owner_.timeout_).count();
    state_.store(deadline > 0 ? deadline : 1);
}

bool HeaderDeadlines::Slot::release()
{
    return state_.exchange(idle) == expired;
}

void HeaderDeadlines::run()
{
    // Slots are checked a few times per second: the deadline is seconds long, so a quarter
    // second of slack costs nothing.
    const auto tick = std::chrono::milliseconds(250);
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_)
    {
        wake_.wait_for(lock, tick, [this] { return stopping_; });
        const std::int64_t now = nowNs();
        for (Slot* slot : slots_)
        {
            std::int64_t deadline = slot->state_.load();
            if (deadline <= Slot::idle || deadline > now)
                continue;
            // Only if the connection has not released it in the meantime: then the head is in
            // and the socket must stay whole.
            if (!slot->state_.compare_exchange_strong(deadline, Slot::expired))
                continue;
            expiredCount_++;
            try
            {
                // Only the read side: the connection can still answer 408 before it closes.
                slot->socket_.shutdownReceive();
            }
            catch (...)
            {
            }
        }
    }
}

} // namespace portico
