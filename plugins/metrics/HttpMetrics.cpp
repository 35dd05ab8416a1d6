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

prometheus::Counter& HttpMetrics::counterFor(const std::string& route, const std::string& method, int status)
{
    const std::string statusText = std::to_string(status);
    std::string key = route;
    key += '\n';
    key += method;
    key += '\n';
    key += statusText;
    {
        std::shared_lock<std::shared_mutex> lock(cacheMutex_);
        const auto it = counters_.find(key);
        if (it != counters_.end())
            return *it->second;
    }
    std::unique_lock<std::shared_mutex> lock(cacheMutex_);
    auto& counter = counters_[key];
    if (!counter)
        counter = &requests_.Add({{"route", route}, {"method", method}, {"status", statusText}});
    return *counter;
}

prometheus::Histogram& HttpMetrics::histogramFor(const std::string& route)
{
    {
        std::shared_lock<std::shared_mutex> lock(cacheMutex_);
        const auto it = histograms_.find(route);
        if (it != histograms_.end())
            return *it->second;
    }
    std::unique_lock<std::shared_mutex> lock(cacheMutex_);
    auto& histogram = histograms_[route];
    if (!histogram)
        histogram = &duration_.Add({{"route", route}}, buckets_);
    return *histogram;
}

void HttpMetrics::finished(const std::string& route, const std::string& method, int status, double seconds)
{
    counterFor(route, methodLabel(method), status).Increment();
    histogramFor(route).Observe(seconds);
    inFlight_.Decrement();
}

} // namespace portico::metrics
