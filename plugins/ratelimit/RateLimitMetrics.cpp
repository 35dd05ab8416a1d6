#include "RateLimitMetrics.h"
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace portico::ratelimit {

RateLimitMetrics::RateLimitMetrics(prometheus::Registry& registry, std::shared_ptr<PrincipalLabels> labels,
                                   MetricsSettings settings)
    : labels_(std::move(labels)), settings_(settings),
      exceeded_(prometheus::BuildCounter()
                    .Name("portico_ratelimit_exceeded_total")
                    .Help("Requests refused with 429 by the rate limiter, by route, principal hash and limit type.")
                    .Register(registry)),
      limit_(prometheus::BuildGauge()
                 .Name("portico_ratelimit_limit_requests")
                 .Help("Capacity (burst) of a request bucket, as of its last sampled decision.")
                 .Register(registry)),
      remaining_(prometheus::BuildGauge()
                     .Name("portico_ratelimit_remaining_requests")
                     .Help("Requests left in a bucket after its last sampled decision.")
                     .Register(registry)),
      reset_(prometheus::BuildGauge()
                 .Name("portico_ratelimit_reset_requests_seconds")
                 .Help("Seconds until a request bucket is full again, as of its last sampled decision.")
                 .Register(registry))
{
}

void RateLimitMetrics::exceeded(const std::string& route, const std::string& principal, LimitKind kind)
{
    exceeded_
        .Add({{"route", route},
              {"principal", labels_->labelFor(principal)},
              {"type", kind == LimitKind::Tokens ? "tokens" : "requests"}})
        .Increment();
}

RateLimitMetrics::Gauges& RateLimitMetrics::gaugesFor(const std::string& route, const std::string& principalLabel)
{
    std::lock_guard<std::mutex> lock(gaugesMutex_);
    auto [it, inserted] = gauges_.try_emplace(route + '\n' + principalLabel);
    if (inserted)
    {
        const prometheus::Labels labels{{"route", route}, {"principal", principalLabel}};
        it->second = {&limit_.Add(labels), &remaining_.Add(labels), &reset_.Add(labels)};
    }
    return it->second;
}

void RateLimitMetrics::sample(const std::string& bucketKey, const std::string& route, const std::string& principal,
                              const BucketView& requests)
{
    if (!settings_.gauges)
        return;
    const auto n = decisions_.fetch_add(1, std::memory_order_relaxed);
    if (n % static_cast<unsigned long long>(settings_.sampleEvery) != 0)
        return;
    Gauges gauges{};
    bool known = false;
    {
        std::lock_guard<std::mutex> lock(gaugesMutex_);
        if (const auto it = byBucket_.find(bucketKey); it != byBucket_.end())
        {
            gauges = it->second;
            known = true;
        }
    }
    if (!known)
    {
        const std::string principalLabel = principal.empty() ? "all" : labels_->labelFor(principal);
        gauges = gaugesFor(route.empty() ? "all" : route, principalLabel);
        if (principalLabel != "other")
        {
            std::lock_guard<std::mutex> lock(gaugesMutex_);
            byBucket_.emplace(bucketKey, gauges);
        }
    }
    gauges.limit->Set(requests.limit);
    gauges.remaining->Set(requests.remaining);
    gauges.reset->Set(requests.resetSeconds);
}

} // namespace portico::ratelimit
