#pragma once
/// The in-process idempotency store (the default): a hash map of entries with an LRU list of the
/// stored answers, bounded by a number of answers and a number of bytes. In-flight markers are
/// never evicted (they are bounded by the requests running); the least recently replayed or
/// stored answers go first when a bound is passed. Expired entries are skipped when met and
/// removed by purge().
///
/// One mutex guards everything; every operation is O(1) apart from purge(), which walks the map.

#include "IdempotencyStore.h"
#include <list>
#include <mutex>
#include <unordered_map>

namespace portico::idempotency {

class MemoryStore : public IdempotencyStore
{
public:
    MemoryStore(std::size_t maxEntries, std::uint64_t maxBytes);

    /// Changes the bounds (a reload may); evicts at once when the store is over the new ones.
    void setLimits(std::size_t maxEntries, std::uint64_t maxBytes);

    std::string kind() const override { return "memory"; }
    BeginResult begin(const std::string& key, const std::string& fingerprint, Duration inFlightTtl) override;
    CompleteResult complete(const std::string& key, const std::string& token, const StoredAnswer& answer,
                            Duration ttl) override;
    void release(const std::string& key, const std::string& token) override;
    std::optional<StoredEntry> lookup(const std::string& key) override;
    std::size_t purge() override;

    /// Stored answers (not in-flight markers) and the bytes they are accounted for.
    std::size_t answerCount() const;
    std::uint64_t answerBytes() const;

    /// What one stored answer is accounted for: its key, fingerprint, content type and body,
    /// plus a fixed overhead for the map and list nodes.
    static std::uint64_t accountedBytes(const std::string& key, const std::string& fingerprint,
                                        const StoredAnswer& answer);

private:
    using Clock = std::chrono::steady_clock;

    struct Entry
    {
        bool completed = false;
        std::string fingerprint;
        std::string token;
        StoredAnswer answer;
        Clock::time_point expiresAt;
        std::uint64_t bytes = 0;
        std::list<std::string>::iterator lru; ///< valid when completed
    };
    using Map = std::unordered_map<std::string, Entry>;

    /// Removes an entry (and its LRU node and bytes). Caller holds the mutex.
    void erase(Map::iterator it);
    /// Evicts the least recently used answers until the bounds hold. Caller holds the mutex.
    void evict();

    mutable std::mutex mutex_;
    Map entries_;
    std::list<std::string> lru_; ///< completed keys, most recently used first
    std::size_t maxEntries_;
    std::uint64_t maxBytes_;
    std::uint64_t bytes_ = 0;
    std::uint64_t nextToken_ = 0;
};

} // namespace portico::idempotency
