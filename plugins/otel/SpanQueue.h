#pragma once
/// The bounded hand-off of encoded spans (SpanEncoder) between the request hooks (producers, on the event loops) and the
/// exporter thread (the one consumer). A push never waits for the consumer: it takes a mutex
/// held only for a vector push or swap, and when the queue is full the spans are refused (the
/// caller counts them as dropped). The consumer wakes when a batch is full, when the schedule
/// delay has passed, or when the queue is closed.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

namespace portico::otel {

class SpanQueue
{
public:
    /// At most `capacity` spans wait; the consumer is woken early once `batchSize` wait.
    SpanQueue(std::size_t capacity, std::size_t batchSize);

    /// Moves `spans` in, all or none. False when they do not fit (or the queue is closed).
    bool push(std::vector<std::string>& spans);

    /// Waits until `batchSize` spans wait, `wait` has passed or the queue is closed, then
    /// takes up to `batchSize` of them (oldest first). Empty after a wait with nothing queued.
    std::vector<std::string> take(std::chrono::milliseconds wait);

    /// No more pushes; take() no longer waits.
    void close();
    bool closed() const;
    std::size_t size() const;

private:
    const std::size_t capacity_;
    const std::size_t batchSize_;
    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::vector<std::string> spans_;
    bool closed_ = false;
};

} // namespace portico::otel
