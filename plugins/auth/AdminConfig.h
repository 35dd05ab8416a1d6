#pragma once
// The [admin] section: the admin API's listener (read by the core, which opens it), the admin
// key and the virtual-key store. Read by auth, which serves the admin API and checks virtual
// keys; every other key in [admin] is a config error naming the file and key.

#include "KeyStore.h"
#include "PriceTable.h"
#include "portico/PluginConfig.h"
#include "portico/RedisPool.h"
#include <memory>
#include <string>

namespace portico::auth {

struct AdminConfig
{
    /// [admin] has any key: virtual keys are checked (from `store`).
    bool enabled = false;
    /// [admin] listen is set: this instance also serves the admin API (behind the admin key).
    /// Instances that share a store may leave it out and only check the keys.
    bool servesApi = false;
    /// The admin key: the key itself on one line, or "sha256:<64 lowercase hex>" of it.
    std::string keyFile = "/etc/portico/admin.key";
    /// The SQLite file of the virtual keys (created when missing; its directory must exist),
    /// or "redis": the keys and the ledger in the [redis] server (redisStore).
    std::string store = "/var/lib/portico/keys.db";
    bool redisStore = false;
    /// How often the store is asked whether another process changed it (a revoked key is
    /// refused on every instance within this, plus the time to reload the keys).
    int refreshMs = 250;
    /// counters = redis: rpm buckets and budget spend counted in Redis ([redis]), shared by
    /// every instance on it; local: each instance counts its own. The default: redis with
    /// store = redis (instances on several hosts), else local.
    bool redisCounters = false;
    /// The [redis] pool, when the store or the counters are there.
    std::shared_ptr<RedisPool> redis;
    /// prices.<model>.input / .cached_input / .output: what virtual keys' spend is counted at.
    PriceTable prices;

    /// Reads [admin] from the whole configuration `auth` belongs to.
    static AdminConfig from(const PluginConfig& auth);
};

/// The admin key's digest from `file`: one line holding the key (at least 32 characters) or
/// "sha256:<64 lowercase hex>" of it; surrounding whitespace is dropped. Throws
/// std::runtime_error naming the file and why (never repeating its content).
KeyStore::Digest readAdminKeyDigest(const std::string& file);

} // namespace portico::auth
