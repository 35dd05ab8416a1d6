#include "LatencySamples.h"
#include <algorithm>
#include <cmath>

namespace portico::loadgen {

void LatencySamples::merge(const LatencySamples& other)
{
    samples_.insert(samples_.end(), other.samples_.begin(), other.samples_.end());
}

void LatencySamples::finish()
{
    std::sort(samples_.begin(), samples_.end());
}

double LatencySamples::percentileMs(double q) const
{
    if (samples_.empty())
        return 0;
    // Nearest rank: the smallest sample with at least q of all samples at or below it.
    const double rank = std::ceil(q * static_cast<double>(samples_.size()));
    const std::size_t index = rank < 1 ? 0 : std::min(samples_.size(), static_cast<std::size_t>(rank)) - 1;
    return static_cast<double>(samples_[index]) / 1e6;
}

} // namespace portico::loadgen
