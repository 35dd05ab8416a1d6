#include "IdempotencyConfig.h"
#include "Poco/String.h"

namespace portico::idempotency {

namespace {

std::set<std::string> parseRoutes(const PluginConfig& config, const std::set<std::string>& defaults)
{
    const std::vector<std::string> fallback(defaults.begin(), defaults.end());
    std::set<std::string> routes;
    for (const auto& item : config.getList("routes", fallback))
    {
        const auto space = item.find_first_of(" \t");
        const std::string method = Poco::toUpper(item.substr(0, space));
        const std::string pattern = space == std::string::npos ? "" : Poco::trim(item.substr(space));
        if (method.empty() || pattern.empty() || pattern.front() != '/' ||
            pattern.find_first_of(" \t") != std::string::npos)
            throw config.error("routes", "expected entries like 'POST /v1/embeddings', got '" + item + "'");
        for (char c : method)
            if (c < 'A' || c > 'Z')
                throw config.error("routes", "'" + method + "' in '" + item + "' is not an HTTP method");
        routes.insert(method + " " + pattern);
    }
    return routes;
}

} // namespace

IdempotencyConfig IdempotencyConfig::from(const PluginConfig& config)
{
    IdempotencyConfig result;
    result.routes = parseRoutes(config, result.routes);
    result.ttl = std::chrono::seconds(config.getInt("ttl_seconds", result.ttl.count(), 1, 365LL * 86400));
    result.inFlightTtl =
        std::chrono::seconds(config.getInt("in_flight_ttl_seconds", result.inFlightTtl.count(), 1, 86400));
    result.maxStreamBytes = static_cast<std::uint64_t>(
        config.getInt("max_stream_bytes", static_cast<long long>(result.maxStreamBytes), 0, 1LL << 32));
    result.requireKey = config.getBool("require_key", result.requireKey);
    result.purgeInterval =
        std::chrono::seconds(config.getInt("purge_interval_seconds", result.purgeInterval.count(), 1, 86400));

    const std::string store = Poco::toLower(config.getString("store", "memory"));
    if (store == "memory")
        result.store = StoreKind::Memory;
    else if (store == "sqlite")
        result.store = StoreKind::Sqlite;
    else if (store == "redis")
        result.store = StoreKind::Redis;
    else
        throw config.error("store", "unknown store '" + store + "' (expected memory, sqlite or redis)");

    // Every key is read whatever the store, so that none is reported as unknown.
    result.maxEntries = static_cast<std::size_t>(
        config.getInt("max_entries", static_cast<long long>(result.maxEntries), 1, 100000000));
    result.maxBytes = static_cast<std::uint64_t>(
        config.getInt("max_bytes", static_cast<long long>(result.maxBytes), 4096, 1LL << 40));
    result.sqlitePath = config.getString("sqlite_path", result.sqlitePath);
    if (result.store == StoreKind::Sqlite && result.sqlitePath.empty())
        throw config.error("sqlite_path", "must name the database file when store = sqlite");
    const std::string synchronous = Poco::toLower(config.getString("sqlite_synchronous", "normal"));
    if (synchronous != "normal" && synchronous != "full")
        throw config.error("sqlite_synchronous", "expected normal or full, got '" + synchronous + "'");
    result.sqliteSynchronousFull = synchronous == "full";
    result.redisFailure = readRedisFailurePolicy(config, "redis_failure", result.redisFailure);
    return result;
}

bool IdempotencyConfig::covers(const std::string& method, const std::string& route) const
{
    if (route.empty())
        return false;
    // Most requests (every GET, as shipped) use a method no covered route has: answer that
    // without building the "<method> <route>" key.
    if (!coversMethod(method))
        return false;
    return routes.count(method + " " + route) > 0;
}

bool IdempotencyConfig::coversMethod(const std::string& method) const
{
    for (const auto& entry : routes)
        if (entry.size() > method.size() && entry[method.size()] == ' ' && entry.compare(0, method.size(), method) == 0)
            return true;
    return false;
}

} // namespace portico::idempotency
