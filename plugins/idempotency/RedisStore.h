#pragma once
/// The shared idempotency store (idempotency.store = redis): entries live in Redis, so a retry
/// that a load balancer sends to another porticod is replayed there, and two instances never
/// both run one key.
///
/// One Redis string per identity, under "portico:<section>:" + identity, always with an expiry:
///  - in-flight marker  "F" fingerprint "\n" token                     (in_flight_ttl)
///  - stored answer     "C" fingerprint "\n" status "\n" content type "\n" body   (ttl)
/// begin() is SET NX PX (the marker and its expiry in one atomic step), reading the entry that
/// was there when the key is taken; complete() and release() compare the token and then replace
/// or delete, each one Lua script so that the check and the change are atomic. Expired entries
/// are Redis's to remove, so purge() has nothing to do (and reports 0).
///
/// Every call throws RedisUnavailable when Redis cannot answer (the plugin applies
/// idempotency.redis_failure). A begin() that timed out may still run in Redis later (a hung
/// server executes what it had queued when it resumes) and leave a marker nobody owns, which
/// would answer 409 to the client's retries for in_flight_ttl_seconds; so the reservations of
/// begin() calls that may have run (RedisUnavailable::mayHaveRun) are remembered (up to
/// MaxOrphans) and released, token-checked, a few at a time by the next begin() calls once
/// Redis answers again.

#include "IdempotencyStore.h"
#include "portico/RedisPool.h"
#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <utility>

namespace portico::idempotency {

class RedisStore : public IdempotencyStore
{
public:
    /// The largest answer stored: Redis refuses longer strings (proto-max-bulk-len, 512 MiB).
    static constexpr std::size_t MaxAnswerBytes = 512ull * 1024 * 1024 - 64 * 1024;
    /// Reservations of failed begin() calls kept for release (older ones are dropped: their
    /// markers expire by themselves).
    static constexpr std::size_t MaxOrphans = 10000;

    /// `prefix` goes before every identity ("portico:idempotency:").
    RedisStore(std::shared_ptr<RedisPool> pool, std::string prefix);

    std::string kind() const override { return "redis"; }
    BeginResult begin(const std::string& key, const std::string& fingerprint, Duration inFlightTtl) override;
    CompleteResult complete(const std::string& key, const std::string& token, const StoredAnswer& answer,
                            Duration ttl) override;
    void release(const std::string& key, const std::string& token) override;
    std::optional<StoredEntry> lookup(const std::string& key) override;
    /// Redis expires entries itself: nothing to do.
    std::size_t purge() override { return 0; }
    std::string notReadyReason() const override;

    /// The Redis key of an identity.
    std::string redisKey(const std::string& key) const { return prefix_ + key; }

    /// Reservations of failed begin() calls still to be released.
    std::size_t orphans() const;

private:
    std::string newToken();
    /// Releases the remembered reservations of failed begin() calls (stops at a failure).
    void releaseOrphans();
    /// releaseOrphans() when there are any, keeping them when Redis fails meanwhile.
    void releaseOrphansQuietly();

    std::shared_ptr<RedisPool> pool_;
    const std::string prefix_;
    const std::string nonce_;
    std::atomic<std::uint64_t> sequence_{0};
    mutable std::mutex orphansMutex_;
    std::deque<std::pair<std::string, std::string>> orphans_; ///< (key, token)
    std::atomic<bool> haveOrphans_{false};
};

} // namespace portico::idempotency
