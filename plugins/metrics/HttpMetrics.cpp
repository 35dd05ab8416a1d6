#include "HttpMetrics.h"
#include <array>
#include <mutex>

namespace portico::metrics {

HttpMetrics::HttpMetrics(prometheus::Registry& registry, std::vector<double> durationBuckets,
                         const std::string& version)
    : requests_(prometheus::BuildCounter()
                    .Name("portico_http_requests_total")
                    .Help("HTTP requests answered, by route pattern, method and status.")
                    .Register(registry)),
      duration_(prometheus::BuildHistogram()
                    .Name("portico_http_request_duration_seconds")
                    .Help("Time from the request's arrival in the chain to the end of its answer, by route pattern.")
                    .Register(registry)),
      inFlight_(prometheus::BuildGauge()
                    .Name("portico_http_in_flight")
                    .Help("Requests inside the plugin chain right now.")
                    .Register(registry)
                    .Add({})),
      buckets_(std::move(durationBuckets))
{
    prometheus::BuildGauge()
        .Name("portico_build_info")
        .Help("Build information; the value is always 1.")
        .Register(registry)
        .Add({{"version", version}})
        .Set(1);
}

const std::string& HttpMetrics::methodLabel(const std::string& method)
{
    static const std::array<std::string, 9> known{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS",
                                                  "CONNECT", "TRACE"};
    static const std::string other = "other";
    for (const auto& name : known)
        if (name == method)
            return name;
    return other;
}

std::pair<prometheus::Counter*, prometheus::Histogram*> HttpMetrics::metricsFor(const std::string& route,
                                                                               const std::string& method, int status)
{
    // `method` is one of methodLabel()'s strings, so its address identifies it.
    auto lookup = [&](const RouteMetrics& metrics) -> prometheus::Counter* {
        for (const auto& count : metrics.counts)
            if (count.method == &method && count.status == status)
                return count.counter;
        return nullptr;
    };
    {
        std::shared_lock<std::shared_mutex> lock(cacheMutex_);
        const auto it = routes_.find(route);
        if (it != routes_.end())
            if (prometheus::Counter* counter = lookup(*it->second))
                return {counter, it->second->duration};
    }
    std::unique_lock<std::shared_mutex> lock(cacheMutex_);
    auto& metrics = routes_[route];
    if (!metrics)
    {
        metrics = std::make_unique<RouteMetrics>();
        metrics->duration = &duration_.Add({{"route", route}}, buckets_);
    }
    prometheus::Counter* counter = lookup(*metrics);
    if (!counter)
    {
        counter = &requests_.Add({{"route", route}, {"method", method}, {"status", std::to_string(status)}});
        metrics->counts.push_back({&method, status, counter});
    }
    return {counter, metrics->duration};
}

void HttpMetrics::finished(const std::string& route, const std::string& method, int status, double seconds,
                           bool wasStarted)
{
    const auto [counter, duration] = metricsFor(route, methodLabel(method), status);
    counter->Increment();
    duration->Observe(seconds);
    if (wasStarted)
        inFlight_.Decrement();
}

} // namespace portico::metrics
