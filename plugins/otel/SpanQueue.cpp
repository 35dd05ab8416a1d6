#include "SpanQueue.h"
#include <iterator>

namespace portico::otel {

SpanQueue::SpanQueue(std::size_t capacity, std::size_t batchSize) : capacity_(capacity), batchSize_(batchSize) {}

bool SpanQueue::push(std::vector<std::string>& spans)
{
    bool wake = false;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (closed_ || spans_.size() + spans.size() > capacity_)
            return false;
        const bool wasShort = spans_.size() < batchSize_;
        for (std::string& span : spans)
            spans_.push_back(std::move(span));
        // Wake the exporter only when a batch has just filled: a notify per request would
        // be a futex call on the event loop each time.
        wake = wasShort && spans_.size() >= batchSize_;
    }
    if (wake)
        ready_.notify_one();
    return true;
}

std::vector<std::string> SpanQueue::take(std::chrono::milliseconds wait)
{
    std::vector<std::string> batch;
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait_for(lock, wait, [this] { return closed_ || spans_.size() >= batchSize_; });
    if (spans_.size() <= batchSize_)
    {
        batch.swap(spans_);
        spans_.reserve(batch.capacity()); // the next requests push without growing it again
        return batch;
    }
    batch.reserve(batchSize_);
    const auto end = spans_.begin() + static_cast<std::ptrdiff_t>(batchSize_);
    std::move(spans_.begin(), end, std::back_inserter(batch));
    spans_.erase(spans_.begin(), end);
    return batch;
}

void SpanQueue::close()
{
    {
        std::lock_guard<std::mutex> lock(mutex_);
        closed_ = true;
    }
    ready_.notify_all();
}

bool SpanQueue::closed() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    return closed_;
}

std::size_t SpanQueue::size() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    return spans_.size();
}

} // namespace portico::otel
