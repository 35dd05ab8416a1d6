#include "KeyLimiter.h"
#include <algorithm>

namespace portico::auth {

namespace {

/// One request in the bucket's units. A key of `rpm` gains `rpm` units per microsecond (rpm
/// requests per 60 * 10^6 µs), so every refill is an exact integer: nothing is lost to rounding
/// however often the bucket is looked at.
constexpr std::int64_t Unit = 60'000'000;

} // namespace

KeyLimiter::Decision KeyLimiter::takeRequest(std::int64_t rpm, Clock::time_point now)
{
    const std::int64_t capacity = rpm * Unit;
    std::lock_guard<std::mutex> lock(mutex_);
    if (!started_ || units_ > capacity)
    {
        // A new key starts full; a lowered limit caps what is left.
        units_ = capacity;
        filledAt_ = now;
        started_ = true;
    }
    else if (now > filledAt_)
    {
        const std::int64_t elapsedUs =
            std::min<std::int64_t>(Unit, std::chrono::duration_cast<std::chrono::microseconds>(now - filledAt_).count());
        units_ = std::min(capacity, units_ + elapsedUs * rpm);
        filledAt_ = now;
    }
    Decision decision;
    auto waitFor = [rpm](std::int64_t missingUnits) {
        const std::int64_t us = (missingUnits + rpm - 1) / rpm;
        return std::chrono::milliseconds((us + 999) / 1000);
    };
    if (units_ >= Unit)
    {
        units_ -= Unit;
        decision.admitted = true;
    }
    decision.remaining = units_ / Unit;
    decision.wait = decision.admitted ? waitFor(capacity - units_) : waitFor(Unit - units_);
    return decision;
}

bool KeyLimiter::enter(std::int64_t max)
{
    std::lock_guard<std::mutex> lock(mutex_);
    if (inFlight_ >= max)
        return false;
    ++inFlight_;
    return true;
}

void KeyLimiter::leave()
{
    std::lock_guard<std::mutex> lock(mutex_);
    if (inFlight_ > 0)
        --inFlight_;
}

} // namespace portico::auth
