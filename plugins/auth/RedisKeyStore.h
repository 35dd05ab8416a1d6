#pragma once
// The virtual keys and their ledger in Redis ([admin] store = redis, the server of [redis]), so
// that porticod instances on several hosts share them. Every key lives under one hash tag,
// {portico:vks}:
//   keys         HASH  id -> "<digest hex>\x1f<created_at>\x1f<revoked_at>\x1f<policy>", the
//                      policy being models (JSON), rpm, tpm, max_in_flight, expires_at,
//                      metadata (JSON), budget_micros, budget_period, joined by \x1f (which
//                      never appears in JSON text as the admin API writes it)
//   digests      HASH  digest hex -> id (a digest is never stored twice)
//   revision     counter bumped by every change to keys (what other instances poll)
//   days         ZSET  the days that have spend (all score 0: a range is ZRANGEBYLEX)
//   spend:<day>  HASH  "<key id>\x1f<model>\x1f<r|i|c|o|p>" -> requests, input, cached input,
//                      output tokens, pico-dollars of that key on that model that day
//   spend:<day>:keys HASH key id -> its pico-dollars that day (budgets of a day, week, month)
//   spend:total  HASH  key id -> its pico-dollars ever (budgets in total)
// Each change is one Lua script: atomic, so instances never see half of one. Counts are added
// with HINCRBY on their decimal text, exact in 64 bits (never a Lua number).
//
// Durability is Redis's: a spend entry is in Redis when recordSpend returns, so a porticod
// killed after that loses nothing; to survive a Redis crash too, run Redis with
// `appendonly yes` and `appendfsync always` (README).

#include "VirtualKeyStore.h"
#include "portico/RedisPool.h"

namespace portico::auth {

class RedisKeyStore : public VirtualKeyStore
{
public:
    /// Sends nothing yet: each call reaches Redis, or throws RedisUnavailable naming the server.
    explicit RedisKeyStore(std::shared_ptr<RedisPool> pool) : pool_(std::move(pool)) {}

    void insert(const VirtualKey& key, const KeyStore::Digest& digest) override;
    bool update(const VirtualKey& key) override;
    bool revoke(const std::string& id, std::int64_t when) override;
    std::optional<VirtualKey> find(const std::string& id) override;
    std::vector<VirtualKey> list() override;
    std::vector<std::pair<KeyStore::Digest, VirtualKey>> loadAll() override;
    std::int64_t revision() override;

    /// One script for all the entries.
    void recordSpend(const std::vector<SpendEntry>& entries) override;
    std::unordered_map<std::string, std::int64_t> spendSince(const std::string& firstDay) override;
    std::vector<SpendRow> spendRows(const SpendFilter& filter) override;

    std::string describe() const override { return "Redis " + pool_->settings().address(); }

private:
    std::shared_ptr<RedisPool> pool_;
};

} // namespace portico::auth
