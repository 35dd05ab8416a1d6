#include "KeyLimiter.h"
#include <algorithm>

namespace portico::auth {

namespace {

constexpr std::int64_t Unit = KeyLimiter::Unit;

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

KeyLimiter::Decision KeyLimiter::decision(bool admitted, std::int64_t units, std::int64_t rate, bool tokens)
{
    Decision decision;
    decision.admitted = admitted;
    decision.remaining = units > 0 ? units / Unit : 0;
    const std::int64_t missing = admitted ? rate * Unit - units : (tokens ? 1 - units : Unit - units);
    decision.wait = timeFor(missing, rate);
    return decision;
}

KeyLimiter::Decision KeyLimiter::takeRequest(std::int64_t rpm, Clock::time_point now)
{
    std::lock_guard<std::mutex> lock(mutex_);
    refill(rpm, units_, filledAt_, started_, now);
    const bool admitted = units_ >= Unit;
    if (admitted)
        units_ -= Unit;
    return decision(admitted, units_, rpm, false);
}

KeyLimiter::Decision KeyLimiter::admitTokens(std::int64_t tpm, Clock::time_point now)
{
    std::lock_guard<std::mutex> lock(mutex_);
    refill(tpm, tokenUnits_, tokensAt_, tokensStarted_, now);
    return decision(tokenUnits_ > 0, tokenUnits_, tpm, true);
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
