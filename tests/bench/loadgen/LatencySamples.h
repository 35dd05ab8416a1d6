#pragma once
/// Every latency of a run, kept exactly (a few hundred thousand at most: 8 bytes each), so the
/// percentiles are exact nearest-rank values rather than a histogram's buckets.

#include <chrono>
#include <cstdint>
#include <vector>

namespace portico::loadgen {

class LatencySamples
{
public:
    void add(std::chrono::nanoseconds latency) { samples_.push_back(latency.count()); }
    void merge(const LatencySamples& other);
    std::size_t count() const { return samples_.size(); }

    /// Sorts; call once after the last add/merge, before percentileMs/maxMs.
    void finish();
    /// The nearest-rank percentile (q in 0..1) in milliseconds; 0 with no samples.
    double percentileMs(double q) const;
    double maxMs() const { return percentileMs(1.0); }

private:
    std::vector<std::int64_t> samples_;
};

} // namespace portico::loadgen
