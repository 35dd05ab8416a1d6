#include "VirtualKeyStore.h"
#include "AdminConfig.h"
#include "RedisKeyStore.h"
#include "SqliteKeyStore.h"

namespace portico::auth {

std::unique_ptr<VirtualKeyStore> openVirtualKeyStore(const AdminConfig& config)
{
    if (config.redisStore)
        return std::make_unique<RedisKeyStore>(config.redis);
    return std::make_unique<SqliteKeyStore>(config.store);
}

} // namespace portico::auth
