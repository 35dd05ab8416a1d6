#pragma once
// The token-bucket arithmetic, free of locks and storage so that every store (memory now, Redis
// later, whose Lua script mirrors these functions) computes exactly the same answers.
//
// A bucket holds up to `capacity` tokens and regains `perSecond` tokens every second. A take
// of `cost` succeeds when the bucket holds at least `cost`; otherwise nothing is taken. A
// settlement may push the level below zero (a debt: usage came in above the reservation); the
// debt is bounded by one capacity so that a single bad estimate cannot lock a client out for
// more than two refill periods.

#include <cstdint>

namespace portico::ratelimit {

/// The shape of a bucket: how many tokens it holds when full and how fast it refills.
struct BucketLimit
{
    double capacity = 1;
    double perSecond = 1;

    bool operator==(const BucketLimit& other) const
    {
        return capacity == other.capacity && perSecond == other.perSecond;
    }
};

/// A bucket's mutable state: the level at `updatedNanos`.
struct BucketState
{
    double tokens = 0;
    std::int64_t updatedNanos = 0;

    /// A full bucket as of `now` (what an absent bucket means).
    static BucketState full(const BucketLimit& limit, std::int64_t now) { return {limit.capacity, now}; }
};

/// What a client may be told about one bucket after a decision.
struct BucketView
{
    double limit = 0;        ///< capacity
    double remaining = 0;    ///< whole tokens left (never negative)
    double resetSeconds = 0; ///< until the bucket is full again
    double windowSeconds = 0; ///< to refill from empty to full (capacity / rate)
};

class TokenBucket
{
public:
    /// Adds what was regained since the last update (capped at capacity) and moves the
    /// timestamp to `now`. A capacity lowered by a reload also lowers the level.
    static void refill(BucketState& state, const BucketLimit& limit, std::int64_t now);

    /// Refills, then takes `cost` when the bucket holds it. Returns whether it did.
    static bool tryTake(BucketState& state, const BucketLimit& limit, double cost, std::int64_t now);

    /// Seconds until a take of `cost` could succeed (0 when it could now). A cost above the
    /// capacity can never succeed; the answer is then the time until the bucket is full.
    static double secondsUntil(const BucketState& state, const BucketLimit& limit, double cost);

    /// Refills, then adds `delta` (negative: take more) without refusing; the level is kept
    /// within [-capacity, capacity].
    static void adjust(BucketState& state, const BucketLimit& limit, double delta, std::int64_t now);

    /// True when the bucket will be full at `now`: dropping it loses nothing, since an absent
    /// bucket starts full.
    static bool fullAt(const BucketState& state, const BucketLimit& limit, std::int64_t now);

    /// The client-facing numbers for a refilled state.
    static BucketView view(const BucketState& state, const BucketLimit& limit);
};

} // namespace portico::ratelimit
