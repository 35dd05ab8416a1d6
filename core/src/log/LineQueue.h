#pragma once
// A bounded queue of text lines between many producers that must never wait (request threads,
// event loops) and one consumer that may (a writer blocked on a full pipe or a slow disk).
//
// The bound is on bytes, not lines, because it is there to bound memory: a line is as long as
// the request's path makes it. push() takes the lock only to append; the consumer takes every
// queued line in one swap, so producers never wait behind a write.

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

namespace portico {

class LineQueue
{
public:
    explicit LineQueue(std::size_t capacityBytes) : capacity_(capacityBytes) {}
    LineQueue(const LineQueue&) = delete;
    LineQueue& operator=(const LineQueue&) = delete;

    /// Appends `line` unless that would take the queue over its capacity or it is closed; then
    /// returns false and the line is not kept. Never waits for the consumer.
    bool push(std::string&& line);

    /// Waits until lines are queued or the queue is closed, then moves every queued line into
    /// `out` (cleared first; its capacity is reused). False once the queue is closed and empty.
    bool takeAll(std::vector<std::string>& out);

    /// No more lines are accepted; takeAll() returns what is left, then false.
    void close();

    /// Lines waiting (not yet taken by the consumer).
    std::size_t size() const;
    std::size_t capacity() const { return capacity_; }

    /// What a line counts against the capacity: its text and the newline it will get.
    static std::size_t cost(const std::string& line) { return line.size() + 1; }

private:
    const std::size_t capacity_;
    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::vector<std::string> lines_;
    std::size_t bytes_ = 0;
    bool closed_ = false;
    /// The consumer sleeps in takeAll(): only then is a notify worth its system call.
    bool consumerWaiting_ = false;
};

} // namespace portico
