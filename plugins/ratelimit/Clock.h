#pragma once
// Time for the rate limiter, behind an interface so that tests (and the memory bench) can drive
// the token-bucket math with a clock they control.

#include <atomic>
#include <chrono>
#include <cstdint>

namespace portico::ratelimit {

/// Monotonic nanoseconds. Implementations must be thread-safe.
class Clock
{
public:
    virtual ~Clock() = default;
    virtual std::int64_t nowNanos() const = 0;
};

/// std::chrono::steady_clock: never jumps with the wall clock.
class SteadyClock : public Clock
{
public:
    std::int64_t nowNanos() const override
    {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }
};

/// A clock that only moves when told to (tests, benches).
class ManualClock : public Clock
{
public:
    explicit ManualClock(std::int64_t start = 1'000'000'000) : now_(start) {}
    std::int64_t nowNanos() const override { return now_.load(std::memory_order_relaxed); }
    void advance(std::chrono::nanoseconds by) { now_.fetch_add(by.count(), std::memory_order_relaxed); }

private:
    std::atomic<std::int64_t> now_;
};

constexpr std::int64_t NanosPerSecond = 1'000'000'000;

} // namespace portico::ratelimit
