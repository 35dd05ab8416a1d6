#pragma once
// The in-process bucket store: buckets in hash maps split over independently locked shards,
// so that decisions on different keys rarely contend and decisions on one key are serialised
// (exact: a burst of N requests on a bucket of B admits exactly min(N, B)).
//
// Memory stays bounded without a background thread. Each shard is swept when it is touched
// and either `sweepInterval` has passed or it has doubled in size since its last sweep:
//  - a bucket that has refilled to full is dropped (lossless: an absent bucket starts full);
//  - a bucket untouched for `idle` is dropped even when not full (forgives a slow refill);
//  - when a shard still holds more than its share of `maxBuckets`, the least recently used
//    buckets are dropped down to 7/8 of the share (a safety valve against key floods).

#include "BucketStore.h"
#include "Clock.h"
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace portico::ratelimit {

struct EvictionPolicy
{
    /// Buckets untouched this long are dropped; 0 keeps them until they are full.
    std::int64_t idleNanos = 3600 * NanosPerSecond;
    /// Upper bound on the number of buckets (approximate: enforced per shard).
    std::size_t maxBuckets = 1'000'000;
    /// A shard is swept when touched at least this long after its last sweep.
    std::int64_t sweepIntervalNanos = 10 * NanosPerSecond;
};

class MemoryBucketStore : public BucketStore
{
public:
    static constexpr std::size_t ShardCount = 64;

    explicit MemoryBucketStore(std::shared_ptr<const Clock> clock, EvictionPolicy policy = {});

    Decision acquire(const AcquireRequest& request) override;
    BucketView settle(const BucketCharge& charge) override;

    /// Applies a new eviction policy (a reload); safe while requests run.
    void setPolicy(const EvictionPolicy& policy);
    /// Buckets held right now (locks every shard: for tests, benches and metrics).
    std::size_t size() const;
    /// Sweeps every shard now, whatever the interval.
    void sweepAll();

private:
    struct Entry
    {
        BucketState state;
        BucketLimit limit;
    };

    struct Shard
    {
        mutable std::mutex mutex;
        std::unordered_map<std::string, Entry> buckets;
        std::int64_t lastSweepNanos = 0;
        std::size_t sweepAtSize = 0;
    };

    Shard& shardFor(const std::string& key);
    Entry& entryFor(Shard& shard, const BucketCharge& charge, std::int64_t now);
    void maybeSweep(Shard& shard, std::int64_t now);
    void sweep(Shard& shard, std::int64_t now);
    void evictLeastRecentlyUsed(Shard& shard, std::size_t keep);
    std::size_t shardCapacity() const;

    std::shared_ptr<const Clock> clock_;
    std::atomic<std::int64_t> idleNanos_;
    std::atomic<std::size_t> maxBuckets_;
    std::atomic<std::int64_t> sweepIntervalNanos_;
    std::vector<Shard> shards_;
};

} // namespace portico::ratelimit
