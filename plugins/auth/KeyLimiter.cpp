#include "KeyLimiter.h"
#include <algorithm>

namespace portico::auth {

namespace {

/// One request in the bucket's units. A key of `rpm` gains `rpm` units per microsecond (rpm
/// requests per 60 * 10^6 µs), so every refill is an exact integer: nothing is lost to rounding
/// however often the bucket is looked at.
constexpr std::int64_t Unit = 60'000'000;

/// The bucket of `rate` per minute (units, see Unit) refilled up to `now`.
void refill(std::int64_t rate, std::int64_t& units, KeyLimiter::Clock::time_point& at, bool& started,
            KeyLimiter::Clock::time_point now)
{
    const std::int64_t capacity = rate * Unit;
    if (!started || units > capacity)
    {
        units = capacity;
        at = now;
        started = true;
        return;
    }
    if (now > at)
    {
        const std::int64_t elapsedUs =
            std::min<std::int64_t>(Unit, std::chrono::duration_cast<std::chrono::microseconds>(now - at).count());
        units = std::min(capacity, units + elapsedUs * rate);
        at = now;
    }
}

std::chrono::milliseconds timeFor(std::int64_t missingUnits, std::int64_t rate)
{
    const std::int64_t us = (missingUnits + rate - 1) / rate;
    return std::chrono::milliseconds((us + 999) / 1000);
}

} // namespace

KeyLimiter::Decision KeyLimiter::takeRequest(std::int64_t rpm, Clock::time_point now)
{
    std::lock_guard<std::mutex> lock(mutex_);
    refill(rpm, units_, filledAt_, started_, now);
    Decision decision;
    if (units_ >= Unit)
    {
        units_ -= Unit;
        decision.admitted = true;
    }
    decision.remaining = units_ / Unit;
    decision.wait = decision.admitted ? timeFor(rpm * Unit - units_, rpm) : timeFor(Unit - units_, rpm);
    return decision;
}

KeyLimiter::Decision KeyLimiter::admitTokens(std::int64_t tpm, Clock::time_point now)
{
    std::lock_guard<std::mutex> lock(mutex_);
    refill(tpm, tokenUnits_, tokensAt_, tokensStarted_, now);
    Decision decision;
    decision.admitted = tokenUnits_ > 0;
    decision.remaining = tokenUnits_ > 0 ? tokenUnits_ / Unit : 0;
    decision.wait = decision.admitted ? timeFor(tpm * Unit - tokenUnits_, tpm) : timeFor(1 - tokenUnits_, tpm);
    return decision;
}

void KeyLimiter::chargeTokens(std::int64_t tpm, std::int64_t tokens, Clock::time_point now)
{
    std::lock_guard<std::mutex> lock(mutex_);
    refill(tpm, tokenUnits_, tokensAt_, tokensStarted_, now);
    tokenUnits_ -= tokens * Unit;
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
