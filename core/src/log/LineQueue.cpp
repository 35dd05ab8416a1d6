#include "log/LineQueue.h"

namespace portico {

bool LineQueue::push(std::string&& line)
{
    bool wake = false;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        const std::size_t size = cost(line);
        if (closed_ || size > capacity_ - bytes_)
            return false;
        lines_.push_back(std::move(line));
        bytes_ += size;
        wake = consumerWaiting_;
        consumerWaiting_ = false;
    }
    if (wake)
        ready_.notify_one();
    return true;
}

bool LineQueue::takeAll(std::vector<std::string>& out)
{
    out.clear();
    std::unique_lock<std::mutex> lock(mutex_);
    while (lines_.empty() && !closed_)
    {
        consumerWaiting_ = true;
        ready_.wait(lock);
    }
    consumerWaiting_ = false;
    if (lines_.empty())
        return false; // closed and drained
    out.swap(lines_);
    bytes_ = 0;
    return true;
}

void LineQueue::close()
{
    {
        std::lock_guard<std::mutex> lock(mutex_);
        closed_ = true;
    }
    ready_.notify_all();
}

std::size_t LineQueue::size() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_.size();
}

} // namespace portico
