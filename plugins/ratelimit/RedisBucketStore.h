#pragma once
// The Redis bucket store (ratelimit.store = redis): buckets live in Redis so that every porticod
// of a fleet draws from the same ones.
//
// Each decision is one Lua script run (EVALSHA; see RedisBucketScript.cpp), atomic over both of
// its buckets, with exactly TokenBucket's arithmetic: refill, take both costs or neither, a
// settlement clamped to [-capacity, capacity]. Time is Redis's own clock (TIME), so instances
// with different clocks agree. A bucket is a hash {v: level, u: microseconds of its last
// update}; a bucket that is full is deleted (an absent bucket starts full, so nothing is lost),
// and every other one expires when it would have refilled, or after ratelimit.idle_seconds when
// that is sooner — Redis memory stays bounded by the buckets in use.
//
// Every call throws RedisUnavailable when Redis cannot answer (the plugin applies
// ratelimit.redis_failure).

#include "BucketStore.h"
#include "portico/RedisPool.h"
#include <chrono>
#include <memory>
#include <string>

namespace portico::ratelimit {

class RedisBucketStore : public BucketStore
{
public:
    /// `prefix` goes before every bucket key ("portico:ratelimit:"); `idle` caps a bucket's
    /// expiry (0: only refilling expires it).
    RedisBucketStore(std::shared_ptr<RedisPool> pool, std::string prefix, std::chrono::milliseconds idle);

    Decision acquire(const AcquireRequest& request) override;
    BucketView settle(const BucketCharge& charge) override;
    /// Empty while Redis answers; otherwise why not (makes /readyz 503).
    std::string notReadyReason() const override;

    /// The Redis key of a bucket key.
    std::string redisKey(const std::string& key) const { return prefix_ + key; }

private:
    std::shared_ptr<RedisPool> pool_;
    const std::string prefix_;
    const std::string idleMillis_;
};

/// The Lua script behind RedisBucketStore (one per process).
RedisScript& bucketScript();

} // namespace portico::ratelimit
