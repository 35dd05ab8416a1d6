#pragma once
// The Prometheus text exposition (format 0.0.4) of a registry.

#include <string>
#include <vector>

namespace prometheus {
class Collectable;
class Registry;
} // namespace prometheus

namespace portico::metrics {

/// The Content-Type of the text exposition format.
inline constexpr const char* ExpositionContentType = "text/plain; version=0.0.4";

/// Every family of `registry`, then those of `more` (collectables that read their figures when
/// collected, such as ProcessMetrics: prometheus-cpp 1.0's Registry holds only its own
/// families), serialised by prometheus-cpp's TextSerializer.
std::string renderExposition(const prometheus::Registry& registry,
                             const std::vector<const prometheus::Collectable*>& more = {});

} // namespace portico::metrics
