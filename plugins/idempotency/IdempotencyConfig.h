#pragma once
/// The idempotency plugin's immutable configuration, parsed and validated once from its
/// [idempotency] section. README.md lists every key with its default.

#include "portico/PluginConfig.h"
#include "portico/RedisPool.h"
#include <chrono>
#include <cstdint>
#include <set>
#include <string>

namespace portico::idempotency {

enum class StoreKind
{
    Memory,
    Sqlite,
    Redis ///< shared by every porticod using the same [redis] (see RedisStore)
};

struct IdempotencyConfig
{
    /// "METHOD /route/pattern" entries the plugin applies to, matched against the exchange's
    /// method and route pattern (not the raw path).
    std::set<std::string> routes{"POST /v1/embeddings", "POST /v1/responses", "POST /v1/chat/completions"};
    /// How long a stored answer is replayed.
    std::chrono::seconds ttl{86400};
    /// How long an in-flight marker holds a key when its request never finishes (a crash).
    std::chrono::seconds inFlightTtl{600};
    /// A stream is recorded for replay up to this many bytes; a longer one is not stored.
    std::uint64_t maxStreamBytes = 4 * 1024 * 1024;
    /// A request on a listed route without the header gets a 400.
    bool requireKey = false;
    /// How often expired entries are removed.
    std::chrono::seconds purgeInterval{60};

    StoreKind store = StoreKind::Memory;
    /// Memory store bounds: stored answers and their bytes (LRU eviction beyond them).
    std::size_t maxEntries = 10000;
    std::uint64_t maxBytes = 64 * 1024 * 1024;
    /// SQLite store: the database file and its PRAGMA synchronous (NORMAL or FULL).
    std::string sqlitePath = "/var/lib/portico/idempotency.db";
    bool sqliteSynchronousFull = false;
    /// store = redis: what a covered request gets while Redis is unavailable.
    RedisFailurePolicy redisFailure = RedisFailurePolicy::FailClosed;

    /// Reads and validates every key; throws ConfigError naming the key.
    static IdempotencyConfig from(const PluginConfig& config);

    /// True when requests with this method and route pattern are covered.
    bool covers(const std::string& method, const std::string& route) const;
    /// True when some covered route has this method (cheap: no key is built). A request whose
    /// method is not covered has nothing for the plugin to do in any hook.
    bool coversMethod(const std::string& method) const;
};

} // namespace portico::idempotency
