#include "MetricsConfig.h"
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace portico::metrics {

namespace {

std::string joinBuckets(const std::vector<double>& buckets)
{
    std::string out;
    for (double bucket : buckets)
    {
        char text[32];
        std::snprintf(text, sizeof text, "%g", bucket);
        out += (out.empty() ? "" : ", ") + std::string(text);
    }
    return out;
}

} // namespace

MetricsConfig MetricsConfig::from(const PluginConfig& config)
{
    MetricsConfig result;
    result.path = config.getString("path", result.path);
    if (result.path.size() < 2 || result.path.front() != '/' || result.path.find_first_of("?#{} ") != std::string::npos)
        throw config.error("path", "expected a literal path such as /metrics, got '" + result.path + "'");

    const auto items = config.getList("duration_buckets", {});
    if (config.has("duration_buckets"))
    {
        result.durationBuckets.clear();
        for (const auto& item : items)
        {
            char* end = nullptr;
            const double bound = std::strtod(item.c_str(), &end);
            if (end != item.c_str() + item.size() || !std::isfinite(bound) || bound <= 0)
                throw config.error("duration_buckets", "'" + item + "' is not a positive number of seconds");
            if (!result.durationBuckets.empty() && bound <= result.durationBuckets.back())
                throw config.error("duration_buckets", "bounds must increase (" + joinBuckets(result.durationBuckets) +
                                                           ", then " + item + ")");
            result.durationBuckets.push_back(bound);
        }
        if (result.durationBuckets.empty())
            throw config.error("duration_buckets", "needs at least one bound");
    }
    return result;
}

} // namespace portico::metrics
