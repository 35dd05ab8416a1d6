#include "SpanQueue.h"

namespace portico::otel {

SpanQueue::SpanQueue(std::size_t capacity, std::size_t batchSize) : capacity_(capacity), batchSize_(batchSize) {}

bool SpanQueue::push(std::string_view framed, std::size_t count)
{
    if (count == 0)
        return true;
    bool wake = false;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (closed_ || count_ + count > capacity_)
            return false;
        const bool wasShort = count_ < batchSize_;
        framed_.append(framed.data(), framed.size());
        count_ += count;
        blocks_.push_back(Block{framed_.size(), count_});
        // Wake the exporter only when a batch has just filled: a notify per request would
        // be a futex call on the event loop each time.
        wake = wasShort && count_ >= batchSize_;
    }
    if (wake)
        ready_.notify_one();
    return true;
}

void SpanQueue::take(std::chrono::milliseconds wait, SpanBatch& batch)
{
    batch.framed.clear();
    batch.count = 0;
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait_for(lock, wait, [this] { return closed_ || count_ >= batchSize_; });
    if (count_ == 0)
        return;
    if (count_ > batchSize_)
        return takeFront(batch);
    // The usual case: everything, by swapping buffers. The producers go on in the buffer the
    // exporter sent last time, whose capacity fits a batch.
    batch.framed.swap(framed_);
    batch.count = count_;
    count_ = 0;
    blocks_.clear();
}

void SpanQueue::takeFront(SpanBatch& batch)
{
    // The exporter fell behind (a slow collector): cut at a request's boundary.
    std::size_t taken = 1;
    while (taken < blocks_.size() && blocks_[taken].spans <= batchSize_)
        ++taken;
    const Block cut = blocks_[taken - 1];
    batch.framed.assign(framed_, 0, cut.end);
    batch.count = cut.spans;
    framed_.erase(0, cut.end);
    blocks_.erase(blocks_.begin(), blocks_.begin() + static_cast<std::ptrdiff_t>(taken));
    for (Block& block : blocks_)
    {
        block.end -= cut.end;
        block.spans -= cut.spans;
    }
    count_ -= cut.spans;
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
    return count_;
}

} // namespace portico::otel
