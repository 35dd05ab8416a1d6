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

HeaderDeadlines::Guard::Guard(HeaderDeadlines& owner, const Poco::Net::StreamSocket& socket) : owner_(owner)
{
    std::lock_guard<std::mutex> lock(owner_.mutex_);
    id_ = owner_.nextId_++;
    owner_.entries_.emplace(id_, Entry{Clock::now() + owner_.timeout_, socket});
}

void HeaderDeadlines::Guard::release()
{
    if (!active_)
        return;
    active_ = false;
    std::lock_guard<std::mutex> lock(owner_.mutex_);
    owner_.entries_.erase(id_);
}

bool HeaderDeadlines::Guard::expired() const
{
    std::lock_guard<std::mutex> lock(owner_.mutex_);
    const auto it = owner_.entries_.find(id_);
    return it != owner_.entries_.end() && it->second.expired;
}

void HeaderDeadlines::run()
{
    // Entries are checked a few times per second: the deadline is seconds long, so a quarter
    // second of slack costs nothing, and one sweep per tick keeps the hot path a map insert.
    const auto tick = std::chrono::milliseconds(250);
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_)
    {
        wake_.wait_for(lock, tick, [this] { return stopping_; });
        const auto now = Clock::now();
        for (auto& [id, entry] : entries_)
        {
            if (entry.expired || entry.deadline > now)
                continue;
            entry.expired = true;
            expiredCount_++;
            try
            {
                // Only the read side: the connection can still answer 408 before it closes.
                entry.socket.shutdownReceive();
            }
            catch (...)
            {
            }
        }
    }
}

} // namespace portico
