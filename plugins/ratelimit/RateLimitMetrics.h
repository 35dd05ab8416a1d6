#pragma once
// The ratelimit plugin's Prometheus metrics, in the core's registry (which outlives reloads:
// registering a family that exists returns the existing one, so a re-created plugin keeps
// counting where the last one stopped):
//   portico_ratelimit_exceeded_total{route,principal,type}   refusals, type requests|tokens
//   portico_ratelimit_limit_requests{route,principal}        a request bucket's capacity
//   portico_ratelimit_remaining_requests{route,principal}    its level after the last sampled decision
//   portico_ratelimit_reset_requests_seconds{route,principal} until it is full again
// principal is PrincipalLabels' hash, never the name. For the gauges, a bucket shared by all
// routes (keying principal or ip) has route="all" and one shared by all principals (keying
// route) has principal="all".

#include "BucketStore.h"
#include "PrincipalLabels.h"
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace prometheus {
class Counter;
class Gauge;
class Registry;
template <typename T>
class Family;
} // namespace prometheus

namespace portico::ratelimit {

struct MetricsSettings
{
    bool gauges = true;
    /// Gauges are updated on every Nth decision of the process.
    long long sampleEvery = 1;
};

class RateLimitMetrics
{
public:
    RateLimitMetrics(prometheus::Registry& registry, std::shared_ptr<PrincipalLabels> labels,
                     MetricsSettings settings);

    /// Counts one refusal.
    void exceeded(const std::string& route, const std::string& principal, LimitKind kind);
    /// Updates the request gauges of one bucket, when this decision is sampled. `bucketKey` is
    /// the bucket's store key (one per route and principal); `route` or `principal` empty means
    /// the bucket is shared ("all").
    void sample(const std::string& bucketKey, const std::string& route, const std::string& principal,
                const BucketView& requests);

private:
    struct Gauges
    {
        prometheus::Gauge* limit;
        prometheus::Gauge* remaining;
        prometheus::Gauge* reset;
    };

    Gauges& gaugesFor(const std::string& route, const std::string& principalLabel);

    std::shared_ptr<PrincipalLabels> labels_;
    const MetricsSettings settings_;
    prometheus::Family<prometheus::Counter>& exceeded_;
    prometheus::Family<prometheus::Gauge>& limit_;
    prometheus::Family<prometheus::Gauge>& remaining_;
    prometheus::Family<prometheus::Gauge>& reset_;
    std::atomic<unsigned long long> decisions_{0};
    /// Gauge pointers by route + '\n' + label; bounded by routes x max principals.
    std::mutex gaugesMutex_;
    std::unordered_map<std::string, Gauges> gauges_;
    /// The same gauges by bucket key, so that a sampled decision costs one lookup and no label
    /// work. Only buckets whose principal has its own label go in (not "other"), so this is
    /// bounded like gauges_.
    std::unordered_map<std::string, Gauges> byBucket_;
};

} // namespace portico::ratelimit
