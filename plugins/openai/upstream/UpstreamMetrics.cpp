#include "UpstreamMetrics.h"
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace portico::openai {

namespace {

const prometheus::Histogram::BucketBoundaries& durationBuckets()
{
    static const prometheus::Histogram::BucketBoundaries buckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                                 2.5,   5,    10,    30,   60,  120, 300};
    return buckets;
}

} // namespace

UpstreamMetrics::UpstreamMetrics(prometheus::Registry& registry)
    : duration_(prometheus::BuildHistogram()
                    .Name("portico_upstream_request_duration_seconds")
                    .Help("Time from the start of an upstream call (resolving, connecting, TLS and retries "
                          "included) to the end of its answer (or stream), or its failure.")
                    .Register(registry))
{
}

void UpstreamMetrics::observe(const std::string& upstream, const std::string& status, double seconds)
{
    prometheus::Histogram* histogram = nullptr;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto& slot = series_[{upstream, status}];
        if (!slot)
            slot = &duration_.Add({{"upstream", upstream}, {"status", status}}, durationBuckets());
        histogram = slot;
    }
    histogram->Observe(seconds);
}

} // namespace portico::openai
