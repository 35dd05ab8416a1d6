#pragma once
// The HTTP metrics every request feeds, in the core's registry (shared across reloads:
// registering an existing family returns it, so a re-created plugin keeps counting):
//   portico_http_requests_total{route,method,status}
//   portico_http_request_duration_seconds{route}   histogram
//   portico_http_in_flight                          requests inside the chain right now
//   portico_build_info{version}                     always 1
// route is the matched route pattern (no ids, no query) or "unmatched"; method is one of the
// standard methods or "other". Both keep the label cardinality bounded whatever clients send.

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace portico::metrics {

class HttpMetrics
{
public:
    /// `durationBuckets` applies to routes first seen by this process; a reload cannot change
    /// the buckets of a histogram that already exists.
    HttpMetrics(prometheus::Registry& registry, std::vector<double> durationBuckets, const std::string& version);

    void started() { inFlight_.Increment(); }
    /// One finished request: counts it, records its duration, and leaves the in-flight gauge
    /// when started() was called for it (`wasStarted`).
    void finished(const std::string& route, const std::string& method, int status, double seconds,
                  bool wasStarted = true);

    /// The label for a method: the standard ones as they are, anything else "other".
    static const std::string& methodLabel(const std::string& method);

private:
    /// One route's metrics: its histogram, and its counters by method label and status (a
    /// route sees a handful of those, so a short list beats a map).
    struct RouteMetrics
    {
        prometheus::Histogram* duration = nullptr;
        struct Count
        {
            const std::string* method; ///< one of methodLabel()'s static strings
            int status;
            prometheus::Counter* counter;
        };
        std::vector<Count> counts;
    };

    /// The counter and histogram of (route, method, status), from the cache or registered.
    std::pair<prometheus::Counter*, prometheus::Histogram*> metricsFor(const std::string& route,
                                                                      const std::string& method, int status);

    prometheus::Family<prometheus::Counter>& requests_;
    prometheus::Family<prometheus::Histogram>& duration_;
    prometheus::Gauge& inFlight_;
    const prometheus::Histogram::BucketBoundaries buckets_;

    // Metric pointers by route; Family::Add would find them too, but it builds label maps and
    // takes one exclusive lock per family that every request thread would queue on. A request
    // costs one shared lock and one lookup keyed by the route it already has, no string built.
    std::shared_mutex cacheMutex_;
    std::unordered_map<std::string, std::unique_ptr<RouteMetrics>> routes_;
};

} // namespace portico::metrics
