#include "MemoryBucketStore.h"
#include <algorithm>
#include <functional>

namespace portico::ratelimit {

namespace {

/// Below this size a shard is swept by time only: sweeping tiny maps often is waste.
constexpr std::size_t MinSweepSize = 1024;

} // namespace

MemoryBucketStore::MemoryBucketStore(std::shared_ptr<const Clock> clock, EvictionPolicy policy)
    : clock_(std::move(clock)), idleNanos_(policy.idleNanos), maxBuckets_(policy.maxBuckets),
      sweepIntervalNanos_(policy.sweepIntervalNanos), shards_(ShardCount)
{
    const std::int64_t now = clock_->nowNanos();
    for (auto& shard : shards_)
    {
        shard.lastSweepNanos = now;
        shard.sweepAtSize = std::min(MinSweepSize, shardCapacity());
    }
}

void MemoryBucketStore::setPolicy(const EvictionPolicy& policy)
{
    idleNanos_.store(policy.idleNanos);
    maxBuckets_.store(policy.maxBuckets);
    sweepIntervalNanos_.store(policy.sweepIntervalNanos);
}

std::size_t MemoryBucketStore::shardCapacity() const
{
    return std::max<std::size_t>(1, maxBuckets_.load() / ShardCount);
}

MemoryBucketStore::Shard& MemoryBucketStore::shardFor(const std::string& key)
{
    return shards_[std::hash<std::string>{}(key) % ShardCount];
}

MemoryBucketStore::Entry& MemoryBucketStore::entryFor(Shard& shard, const BucketCharge& charge, std::int64_t now)
{
    auto [it, inserted] = shard.buckets.try_emplace(charge.key);
    Entry& entry = it->second;
    if (inserted)
        entry.state = BucketState::full(charge.limit, now);
    entry.limit = charge.limit;
    TokenBucket::refill(entry.state, entry.limit, now);
    return entry;
}

Decision MemoryBucketStore::acquire(const AcquireRequest& request)
{
    const std::int64_t now = clock_->nowNanos();
    Shard& first = shardFor(request.requests.key);
    Shard* second = request.tokens ? &shardFor(request.tokens->key) : nullptr;
    if (second == &first)
        second = nullptr;

    // Both shards are locked for the whole decision so that it is atomic over both buckets;
    // std::lock's deadlock avoidance makes the order irrelevant.
    std::unique_lock<std::mutex> firstLock(first.mutex, std::defer_lock);
    std::unique_lock<std::mutex> secondLock;
    if (second)
    {
        secondLock = std::unique_lock<std::mutex>(second->mutex, std::defer_lock);
        std::lock(firstLock, secondLock);
        maybeSweep(*second, now);
    }
    else
        firstLock.lock();
    maybeSweep(first, now);

    // References into unordered_map survive later insertions (no rehash invalidates them).
    Entry& requests = entryFor(first, request.requests, now);
    Entry* tokens = request.tokens ? &entryFor(second ? *second : first, *request.tokens, now) : nullptr;

    const double tokenCost = tokens ? request.tokens->cost : 0;
    const bool requestsFit = requests.state.tokens >= request.requests.cost;
    // A request that needs no tokens is not held back by a token debt.
    const bool tokensFit = !tokens || tokenCost <= 0 || tokens->state.tokens >= tokenCost;

    Decision decision;
    decision.allowed = requestsFit && tokensFit;
    if (decision.allowed)
    {
        requests.state.tokens -= request.requests.cost;
        if (tokens)
            tokens->state.tokens -= tokenCost;
    }
    else
    {
        decision.refusedBy = requestsFit ? LimitKind::Tokens : LimitKind::Requests;
        double wait = TokenBucket::secondsUntil(requests.state, requests.limit, request.requests.cost);
        if (tokens && tokenCost > 0)
            wait = std::max(wait, TokenBucket::secondsUntil(tokens->state, tokens->limit, tokenCost));
        decision.retryAfterSeconds = wait;
    }
    decision.requests = TokenBucket::view(requests.state, requests.limit);
    if (tokens)
    {
        decision.tokens = TokenBucket::view(tokens->state, tokens->limit);
        decision.tokensOverCapacity = tokenCost > tokens->limit.capacity;
    }
    return decision;
}

BucketView MemoryBucketStore::settle(const BucketCharge& charge)
{
    const std::int64_t now = clock_->nowNanos();
    Shard& shard = shardFor(charge.key);
    std::lock_guard<std::mutex> lock(shard.mutex);
    maybeSweep(shard, now);
    Entry& entry = entryFor(shard, charge, now);
    TokenBucket::adjust(entry.state, entry.limit, charge.cost, now);
    return TokenBucket::view(entry.state, entry.limit);
}

void MemoryBucketStore::maybeSweep(Shard& shard, std::int64_t now)
{
    if (shard.buckets.size() >= shard.sweepAtSize || now - shard.lastSweepNanos >= sweepIntervalNanos_.load())
        sweep(shard, now);
}

void MemoryBucketStore::sweep(Shard& shard, std::int64_t now)
{
    shard.lastSweepNanos = now;
    const std::int64_t idle = idleNanos_.load();
    for (auto it = shard.buckets.begin(); it != shard.buckets.end();)
    {
        const Entry& entry = it->second;
        const bool stale = idle > 0 && now - entry.state.updatedNanos >= idle;
        if (stale || TokenBucket::fullAt(entry.state, entry.limit, now))
            it = shard.buckets.erase(it);
        else
            ++it;
    }
    const std::size_t capacity = shardCapacity();
    if (shard.buckets.size() > capacity - capacity / 8)
        evictLeastRecentlyUsed(shard, capacity - capacity / 8);
    // Sweep again when the shard has doubled (amortised O(1) per insert) or hits its share.
    shard.sweepAtSize = std::min(std::max(MinSweepSize, 2 * shard.buckets.size()), capacity);
}

void MemoryBucketStore::evictLeastRecentlyUsed(Shard& shard, std::size_t keep)
{
    std::vector<std::pair<std::int64_t, const std::string*>> byAge;
    byAge.reserve(shard.buckets.size());
    for (const auto& [key, entry] : shard.buckets)
        byAge.emplace_back(entry.state.updatedNanos, &key);
    const std::size_t drop = byAge.size() - keep;
    std::nth_element(byAge.begin(), byAge.begin() + static_cast<std::ptrdiff_t>(drop), byAge.end());
    std::vector<std::string> victims;
    victims.reserve(drop);
    for (std::size_t i = 0; i < drop; ++i)
        victims.push_back(*byAge[i].second);
    for (const auto& key : victims)
        shard.buckets.erase(key);
}

std::size_t MemoryBucketStore::size() const
{
    std::size_t total = 0;
    for (const auto& shard : shards_)
    {
        std::lock_guard<std::mutex> lock(shard.mutex);
        total += shard.buckets.size();
    }
    return total;
}

void MemoryBucketStore::sweepAll()
{
    const std::int64_t now = clock_->nowNanos();
    for (auto& shard : shards_)
    {
        std::lock_guard<std::mutex> lock(shard.mutex);
        sweep(shard, now);
    }
}

} // namespace portico::ratelimit
