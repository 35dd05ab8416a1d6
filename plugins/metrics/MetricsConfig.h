#pragma once
// The metrics plugin's immutable configuration.

#include "portico/PluginConfig.h"
#include <string>
#include <vector>

namespace portico::metrics {

struct MetricsConfig
{
    /// Where the exposition is served (GET; HEAD too).
    std::string path = "/metrics";
    /// Upper bounds (seconds) of portico_http_request_duration_seconds. LLM calls run long, so
    /// the default goes past Prometheus' usual 10 s.
    std::vector<double> durationBuckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};

    /// Reads and validates every key; throws ConfigError naming the key.
    static MetricsConfig from(const PluginConfig& config);
};

} // namespace portico::metrics
