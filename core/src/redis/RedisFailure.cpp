// What a plugin does while Redis is unavailable: the policy key and the failure reporter
// (portico_redis_failures_total{plugin} and one log line per outage).

#include "portico/RedisPool.h"
#include "Poco/Logger.h"
#include "Poco/String.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"
#include <chrono>

namespace portico {

namespace {

/// Failures outside an outage (a refused command, a busy pool) are logged at most this often.
constexpr std::chrono::seconds TransientLogInterval{60};

prometheus::Counter& failureCounter(prometheus::Registry& registry, const std::string& plugin)
{
    return prometheus::BuildCounter()
        .Name("portico_redis_failures_total")
        .Help("Redis operations a plugin could not complete (fail_open: served without Redis; fail_closed: "
              "answered 503)")
        .Register(registry)
        .Add({{"plugin", plugin}});
}

std::int64_t steadyMillis()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

} // namespace

RedisFailurePolicy readRedisFailurePolicy(const PluginConfig& config, const std::string& key,
                                          RedisFailurePolicy fallback)
{
    const std::string value = Poco::toLower(config.getString(key, redisFailurePolicyName(fallback)));
    if (value == "fail_open")
        return RedisFailurePolicy::FailOpen;
    if (value == "fail_closed")
        return RedisFailurePolicy::FailClosed;
    throw config.error(key, "expected fail_open or fail_closed, got '" + value + "'");
}

const char* redisFailurePolicyName(RedisFailurePolicy policy)
{
    return policy == RedisFailurePolicy::FailOpen ? "fail_open" : "fail_closed";
}

RedisFailureReporter::RedisFailureReporter(prometheus::Registry& registry, Poco::Logger& logger,
                                           const std::string& plugin, RedisFailurePolicy policy)
    : failures_(failureCounter(registry, plugin)), logger_(logger), plugin_(plugin), policy_(policy)
{
}

void RedisFailureReporter::report(const RedisUnavailable& error, const std::string& consequence)
{
    failures_.Increment();
    bool log = false;
    if (error.outage() != 0)
        log = loggedOutage_.exchange(error.outage()) != error.outage();
    else
    {
        const std::int64_t now = steadyMillis();
        std::int64_t last = loggedTransientAt_.load();
        const std::int64_t interval = std::chrono::milliseconds(TransientLogInterval).count();
        log = (last == 0 || now - last >= interval) && loggedTransientAt_.compare_exchange_strong(last, now);
    }
    if (log)
        logger_.warning(plugin_ + ": " + error.what() + "; " + redisFailurePolicyName(policy_) + ": " + consequence +
                        " (counted in portico_redis_failures_total{plugin=\"" + plugin_ +
                        "\"}; logged once per outage)");
}

} // namespace portico
