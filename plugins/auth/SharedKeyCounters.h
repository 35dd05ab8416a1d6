#pragma once
// Virtual keys' counters in Redis ([admin] counters = redis), so that every instance on the
// Redis counts one key's requests and spend together: its rpm bucket (one Lua script: exactly
// rpm quick requests pass across all instances), its tpm bucket, and its spend in the budget's period (raised
// by each instance as its requests' spend is written, read before each request of a budgeted
// key). max_in_flight stays each instance's own: a shared count would be left high forever by
// an instance killed with requests in flight.
//
// Every call waits on Redis, so it runs on a worker thread (auth is Blocking::May with virtual
// keys). When Redis cannot be reached, the caller falls back to this instance's own counters
// (KeyLimiter) and the pool logs the outage once ([redis] and RedisPool.h).

#include "KeyLimiter.h"
#include "portico/RedisPool.h"
#include <cstdint>
#include <memory>
#include <string>

namespace portico::auth {

class SharedKeyCounters
{
public:
    explicit SharedKeyCounters(std::shared_ptr<RedisPool> pool) : pool_(std::move(pool)) {}

    /// One request of key `id` against its rpm (> 0), as KeyLimiter::takeRequest but shared.
    /// Throws RedisUnavailable.
    KeyLimiter::Decision takeRequest(const std::string& id, std::int64_t rpm);
    /// KeyLimiter::admitTokens and chargeTokens, shared. Throw RedisUnavailable.
    KeyLimiter::Decision admitTokens(const std::string& id, std::int64_t tpm);
    void chargeTokens(const std::string& id, std::int64_t tpm, std::int64_t tokens);
    /// Key `id`'s spend (pico-dollars) in the period starting on `firstDay` ("" : all time).
    /// Throws RedisUnavailable.
    std::int64_t spent(const std::string& id, const std::string& firstDay);
    /// Adds `pico` to that spend. Throws RedisUnavailable.
    void addSpend(const std::string& id, const std::string& firstDay, std::int64_t pico);

    RedisPool& pool() { return *pool_; }

private:
    std::shared_ptr<RedisPool> pool_;
};

} // namespace portico::auth
