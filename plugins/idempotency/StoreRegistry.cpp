#include "StoreRegistry.h"
#include "MemoryStore.h"
#include "RedisStore.h"
#include "SqliteStore.h"
#include "Poco/Path.h"
#include <map>
#include <mutex>

namespace portico::idempotency {

namespace {

struct Registry
{
    std::mutex mutex;
    std::map<std::string, std::shared_ptr<IdempotencyStore>> stores;
};

Registry& registry()
{
    // Never destroyed: stores must outlive any plugin object still running at exit.
    static Registry* instance = new Registry;
    return *instance;
}

} // namespace

std::shared_ptr<IdempotencyStore> openStore(const IdempotencyConfig& config, const PluginConfig& section)
{
    // The redis store keeps nothing in the process (its state is in Redis; the pool is the
    // core's, shared per [redis] settings), so it is not registered: each plugin gets its own.
    if (config.store == StoreKind::Redis)
        return std::make_shared<RedisStore>(redisPool(section), "portico:" + section.section() + ":");
    Registry& reg = registry();
    std::lock_guard<std::mutex> lock(reg.mutex);
    if (config.store == StoreKind::Memory)
    {
        auto& slot = reg.stores["memory"];
        if (!slot)
            slot = std::make_shared<MemoryStore>(config.maxEntries, config.maxBytes);
        else
            static_cast<MemoryStore&>(*slot).setLimits(config.maxEntries, config.maxBytes);
        return slot;
    }
    const std::string path = Poco::Path(config.sqlitePath).absolute().toString();
    const std::string name = "sqlite:" + path;
    try
    {
        const auto found = reg.stores.find(name);
        if (found != reg.stores.end())
        {
            static_cast<SqliteStore&>(*found->second).setSynchronous(config.sqliteSynchronousFull);
            return found->second;
        }
        auto store = std::make_shared<SqliteStore>(path, config.sqliteSynchronousFull);
        reg.stores.emplace(name, store);
        return store;
    }
    catch (const std::exception& e)
    {
        throw section.error("sqlite_path", "cannot use the SQLite database " + path + ": " + describeException(e));
    }
}

} // namespace portico::idempotency
