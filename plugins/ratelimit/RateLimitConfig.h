#pragma once
// The ratelimit plugin's immutable configuration, parsed and validated once per load or reload,
// and the lookup that turns (route, principal) into the limits that apply.
//
// Overrides are named blocks so that INI and XML spell them the same way (an XML element name
// cannot hold a route's slashes):
//   override.<name>.route = /v1/chat/completions      (a route pattern, or "unmatched")
//   override.<name>.principal = alice
//   override.<name>.requests_per_second / .burst / .tokens_per_minute
// A block with a route and a principal applies to that pair only. Each value is resolved on
// its own: pair, then principal, then route, then the section's default.

#include "MemoryBucketStore.h"
#include "TokenBucket.h"
#include "portico/PluginConfig.h"
#include "portico/RedisPool.h"
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

namespace portico::ratelimit {

/// What a request bucket is keyed by.
enum class Keying
{
    RoutePrincipal, ///< one bucket per principal and route (default)
    Principal,      ///< one bucket per principal, shared by all routes
    Route,          ///< one bucket per route, shared by all principals
    Ip              ///< one bucket per client IP address, shared by all routes
};

/// Who a request without attr::Principal (no auth plugin, or an exempt path) is.
enum class Anonymous
{
    ClientAddress, ///< "ip:<address>": each client address is its own principal (default)
    Shared         ///< "anonymous": all of them share one principal
};

/// Values an override block may set; unset ones fall through to the next level.
struct LimitOverride
{
    std::optional<double> requestsPerSecond;
    std::optional<double> burst;
    std::optional<double> tokensPerMinute;
};

/// The limits for one request.
struct Policy
{
    BucketLimit requests;
    /// Absent when no token limit applies (tokens_per_minute = 0).
    std::optional<BucketLimit> tokens;
};

struct RateLimitConfig
{
    double requestsPerSecond = 20;
    double burst = 40;
    double tokensPerMinute = 0;
    Keying keying = Keying::RoutePrincipal;
    Anonymous anonymous = Anonymous::ClientAddress;
    std::set<std::string> exemptRoutes{"/healthz", "/readyz", "/metrics"};
    bool ietfHeaders = false;
    /// "memory" or "redis" (buckets shared through [redis], see RedisBucketStore).
    std::string store = "memory";
    /// store = redis: what a request gets while Redis is unavailable.
    RedisFailurePolicy redisFailure = RedisFailurePolicy::FailOpen;
    EvictionPolicy eviction;
    bool gauges = true;
    long long gaugeSampleEvery = 1;
    long long maxPrincipalLabels = 1000;

    std::unordered_map<std::string, LimitOverride> byRoute;
    std::unordered_map<std::string, LimitOverride> byPrincipal;
    /// Keyed by route + '\n' + principal.
    std::unordered_map<std::string, LimitOverride> byPair;

    /// Reads and validates every key; throws ConfigError naming the key.
    static RateLimitConfig from(const PluginConfig& config);

    bool exempt(const std::string& route) const { return exemptRoutes.count(route) != 0; }
    Policy policyFor(const std::string& route, const std::string& principal) const;
    /// True when some request can get a token limit (tokens_per_minute > 0 in the section or
    /// in a principal or pair override); when false, no request ever reserves tokens.
    bool anyTokenLimit() const;
};

const char* keyingName(Keying keying);

} // namespace portico::ratelimit
