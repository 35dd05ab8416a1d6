#include "TokenBucket.h"
#include "Clock.h"
#include <algorithm>
#include <cmath>

namespace portico::ratelimit {

void TokenBucket::refill(BucketState& state, const BucketLimit& limit, std::int64_t now)
{
    if (now > state.updatedNanos)
    {
        const double elapsed = static_cast<double>(now - state.updatedNanos) / NanosPerSecond;
        state.tokens = std::min(limit.capacity, state.tokens + elapsed * limit.perSecond);
        state.updatedNanos = now;
    }
    else
        state.tokens = std::min(limit.capacity, state.tokens);
}

bool TokenBucket::tryTake(BucketState& state, const BucketLimit& limit, double cost, std::int64_t now)
{
    refill(state, limit, now);
    if (state.tokens < cost)
        return false;
    state.tokens -= cost;
    return true;
}

double TokenBucket::secondsUntil(const BucketState& state, const BucketLimit& limit, double cost)
{
    const double target = std::min(cost, limit.capacity);
    if (state.tokens >= target)
        return 0;
    return (target - state.tokens) / limit.perSecond;
}

void TokenBucket::adjust(BucketState& state, const BucketLimit& limit, double delta, std::int64_t now)
{
    refill(state, limit, now);
    state.tokens = std::clamp(state.tokens + delta, -limit.capacity, limit.capacity);
}

bool TokenBucket::fullAt(const BucketState& state, const BucketLimit& limit, std::int64_t now)
{
    BucketState copy = state;
    refill(copy, limit, now);
    return copy.tokens >= limit.capacity;
}

BucketView TokenBucket::view(const BucketState& state, const BucketLimit& limit)
{
    BucketView view;
    view.limit = limit.capacity;
    view.remaining = std::max(0.0, std::floor(state.tokens));
    view.resetSeconds = state.tokens >= limit.capacity ? 0 : (limit.capacity - state.tokens) / limit.perSecond;
    view.windowSeconds = limit.capacity / limit.perSecond;
    return view;
}

} // namespace portico::ratelimit
