#include "RateLimitConfig.h"
#include <map>

namespace portico::ratelimit {

namespace {

constexpr double MinRate = 1e-9;
constexpr double MaxCount = 1e12;

const std::map<std::string, Keying> keyings = {{"route_principal", Keying::RoutePrincipal},
                                                {"principal", Keying::Principal},
                                                {"route", Keying::Route},
                                                {"ip", Keying::Ip}};

bool keyHasRoute(Keying keying)
{
    return keying == Keying::RoutePrincipal || keying == Keying::Route;
}

bool keyHasPrincipal(Keying keying)
{
    return keying == Keying::RoutePrincipal || keying == Keying::Principal;
}

struct OverrideBlock
{
    std::string route;
    std::string principal;
    LimitOverride limits;
};

/// Reads every override.<name>.<field> key into blocks, by name.
std::map<std::string, OverrideBlock> readOverrides(const PluginConfig& config)
{
    std::map<std::string, OverrideBlock> blocks;
    for (const auto& key : config.keysBelow("override"))
    {
        const std::string rest = key.substr(std::string("override.").size());
        const auto dot = rest.find('.');
        if (dot == std::string::npos || dot == 0)
            throw config.error(key, "expected override.<name>.<route|principal|requests_per_second|burst|"
                                    "tokens_per_minute>");
        const std::string field = rest.substr(dot + 1);
        OverrideBlock& block = blocks[rest.substr(0, dot)];
        if (field == "route")
        {
            block.route = config.getString(key, "");
            if (block.route != "unmatched" && (block.route.empty() || block.route.front() != '/'))
                throw config.error(key, "expected a route pattern starting with '/' (or \"unmatched\"), got '" +
                                            block.route + "'");
        }
        else if (field == "principal")
        {
            block.principal = config.getString(key, "");
            if (block.principal.empty())
                throw config.error(key, "must not be empty");
        }
        else if (field == "requests_per_second")
            block.limits.requestsPerSecond = config.getDouble(key, 1, MinRate, MaxCount);
        else if (field == "burst")
            block.limits.burst = static_cast<double>(config.getInt(key, 1, 1, 1'000'000'000));
        else if (field == "tokens_per_minute")
            block.limits.tokensPerMinute = static_cast<double>(config.getInt(key, 0, 0, 1'000'000'000'000));
        else
            throw config.error(key, "unknown override field '" + field +
                                        "' (use route, principal, requests_per_second, burst, tokens_per_minute)");
    }
    return blocks;
}

void placeOverride(RateLimitConfig& result, const PluginConfig& config, const std::string& name,
                   const OverrideBlock& block)
{
    const std::string where = "override." + name;
    const bool setsRequests = block.limits.requestsPerSecond || block.limits.burst;
    if (block.route.empty() && block.principal.empty())
        throw config.error(where, "names neither a route nor a principal (set " + where + ".route and/or " +
                                      where + ".principal)");
    if (!setsRequests && !block.limits.tokensPerMinute)
        throw config.error(where, "sets no limit (requests_per_second, burst or tokens_per_minute)");
    if (!block.route.empty() && block.limits.tokensPerMinute)
        throw config.error(where + ".tokens_per_minute", "token limits are per principal; drop " + where +
                                                            ".route or move the token limit to its own block");
    if (setsRequests && !block.route.empty() && !keyHasRoute(result.keying))
        throw config.error(where + ".route", std::string("keying = ") + keyingName(result.keying) +
                                                 " shares one request bucket across routes; a per-route "
                                                 "request limit needs keying = route_principal or route");
    if (setsRequests && !block.principal.empty() && !keyHasPrincipal(result.keying))
        throw config.error(where + ".principal", std::string("keying = ") + keyingName(result.keying) +
                                                     " does not key request buckets by principal; a "
                                                     "per-principal request limit needs keying = "
                                                     "route_principal or principal");
    auto& target = !block.route.empty() && !block.principal.empty() ? result.byPair[block.route + '\n' + block.principal]
                   : !block.route.empty()                           ? result.byRoute[block.route]
                                                                    : result.byPrincipal[block.principal];
    if (target.requestsPerSecond || target.burst || target.tokensPerMinute)
        throw config.error(where, "another override block already names the same route/principal");
    target = block.limits;
}

template <typename T>
T pick(const LimitOverride* pair, const LimitOverride* principal, const LimitOverride* route,
       std::optional<T> LimitOverride::*field, T fallback)
{
    for (const LimitOverride* level : {pair, principal, route})
        if (level && (level->*field))
            return *(level->*field);
    return fallback;
}

const LimitOverride* find(const std::unordered_map<std::string, LimitOverride>& map, const std::string& key)
{
    if (map.empty())
        return nullptr;
    const auto it = map.find(key);
    return it == map.end() ? nullptr : &it->second;
}

} // namespace

const char* keyingName(Keying keying)
{
    for (const auto& [name, value] : keyings)
        if (value == keying)
            return name.c_str();
    return "?";
}

RateLimitConfig RateLimitConfig::from(const PluginConfig& config)
{
    RateLimitConfig result;
    result.requestsPerSecond = config.getDouble("requests_per_second", result.requestsPerSecond, MinRate, MaxCount);
    result.burst = static_cast<double>(config.getInt("burst", 40, 1, 1'000'000'000));
    result.tokensPerMinute = static_cast<double>(config.getInt("tokens_per_minute", 0, 0, 1'000'000'000'000));

    const std::string keying = config.getString("keying", "route_principal");
    const auto keyingIt = keyings.find(keying);
    if (keyingIt == keyings.end())
        throw config.error("keying", "unknown value '" + keying + "' (use route_principal, principal, route or ip)");
    result.keying = keyingIt->second;

    const std::string anonymous = config.getString("anonymous", "ip");
    if (anonymous == "ip")
        result.anonymous = Anonymous::ClientAddress;
    else if (anonymous == "shared")
        result.anonymous = Anonymous::Shared;
    else
        throw config.error("anonymous", "unknown value '" + anonymous + "' (use ip or shared)");

    const auto exempt = config.getList("exempt_routes", {result.exemptRoutes.begin(), result.exemptRoutes.end()});
    result.exemptRoutes = {exempt.begin(), exempt.end()};
    result.ietfHeaders = config.getBool("ietf_headers", result.ietfHeaders);

    result.store = config.getString("store", result.store);
    if (result.store != "memory" && result.store != "redis")
        throw config.error("store", "unknown store '" + result.store + "' (supported: memory, redis)");
    result.redisFailure = readRedisFailurePolicy(config, "redis_failure", result.redisFailure);
    result.eviction.idleNanos = config.getInt("idle_seconds", 3600, 0, 365LL * 86400) * NanosPerSecond;
    result.eviction.maxBuckets = static_cast<std::size_t>(config.getInt("max_buckets", 1'000'000, 64, 1LL << 32));
    result.eviction.sweepIntervalNanos = config.getInt("sweep_interval_seconds", 10, 1, 86400) * NanosPerSecond;

    result.gauges = config.getBool("metrics.gauges", result.gauges);
    result.gaugeSampleEvery = config.getInt("metrics.gauge_sample_every", result.gaugeSampleEvery, 1, 1'000'000);
    result.maxPrincipalLabels = config.getInt("metrics.max_principals", result.maxPrincipalLabels, 1, 1'000'000);

    for (const auto& [name, block] : readOverrides(config))
        placeOverride(result, config, name, block);
    return result;
}

Policy RateLimitConfig::policyFor(const std::string& route, const std::string& principal) const
{
    const LimitOverride* pair = byPair.empty() ? nullptr : find(byPair, route + '\n' + principal);
    const LimitOverride* forPrincipal = find(byPrincipal, principal);
    const LimitOverride* forRoute = find(byRoute, route);

    Policy policy;
    const double rate = pick(pair, forPrincipal, forRoute, &LimitOverride::requestsPerSecond, requestsPerSecond);
    policy.requests = {pick(pair, forPrincipal, forRoute, &LimitOverride::burst, burst), rate};
    const double tpm = pick(pair, forPrincipal, static_cast<const LimitOverride*>(nullptr),
                            &LimitOverride::tokensPerMinute, tokensPerMinute);
    if (tpm > 0)
        policy.tokens = BucketLimit{tpm, tpm / 60.0};
    return policy;
}

bool RateLimitConfig::anyTokenLimit() const
{
    if (tokensPerMinute > 0)
        return true;
    for (const auto* overrides : {&byPrincipal, &byPair})
        for (const auto& [name, limits] : *overrides)
            if (limits.tokensPerMinute && *limits.tokensPerMinute > 0)
                return true;
    return false;
}

} // namespace portico::ratelimit
