#pragma once
/// The bounded hand-off of encoded spans between the request hooks (producers, on the event
/// loops) and the exporter thread (the one consumer).
///
/// Spans travel as bytes already framed for a batch (SpanEncoder::finishInto): the queue is
/// one growing buffer that a push appends to, and a take swaps with the exporter's buffer. So
/// a span costs no allocation on the event loop and no free on the exporter thread (a string
/// per span did both, and the free of another thread's memory takes the allocator's arena
/// lock), and in the steady state neither buffer grows.
///
/// A push never waits for the consumer: it takes a mutex held only for a copy of the
/// request's bytes, and when the queue is full the spans are refused (the caller counts them
/// as dropped). The consumer wakes when a batch is full, when the schedule delay has passed,
/// or when the queue is closed.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace portico::otel {

/// Spans taken from the queue: their framed bytes, and how many there are.
struct SpanBatch
{
    std::string framed;
    std::size_t count = 0;
};

class SpanQueue
{
public:
    /// At most `capacity` spans wait; the consumer is woken early once `batchSize` wait.
    SpanQueue(std::size_t capacity, std::size_t batchSize);

    /// Appends the `count` framed spans of one request, all or none. False when they do not
    /// fit (or the queue is closed).
    bool push(std::string_view framed, std::size_t count);

    /// Waits until `batchSize` spans wait, `wait` has passed or the queue is closed, then moves
    /// the oldest spans into `batch` (what it held is dropped, its capacity kept): all of them
    /// when they are at most `batchSize`, else the most whole requests' spans that stay within
    /// `batchSize` (at least one request's). `batch.count` is 0 after a wait with nothing
    /// queued.
    void take(std::chrono::milliseconds wait, SpanBatch& batch);

    /// No more pushes; take() no longer waits.
    void close();
    bool closed() const;
    /// Spans waiting.
    std::size_t size() const;

private:
    /// One push: where its bytes end in framed_, and the spans queued up to and with it.
    struct Block
    {
        std::size_t end;
        std::size_t spans;
    };

    /// Moves the first whole blocks, at most batchSize_ spans (or the first block), to `batch`.
    void takeFront(SpanBatch& batch);

    const std::size_t capacity_;
    const std::size_t batchSize_;
    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::string framed_;
    std::vector<Block> blocks_;
    std::size_t count_ = 0;
    bool closed_ = false;
};

} // namespace portico::otel
