#pragma once
// The Prometheus text exposition (format 0.0.4) of a registry.

#include <string>

namespace prometheus {
class Registry;
}

namespace portico::metrics {

/// The Content-Type of the text exposition format.
inline constexpr const char* ExpositionContentType = "text/plain; version=0.0.4";

/// Every family of `registry`, serialised by prometheus-cpp's TextSerializer.
std::string renderExposition(const prometheus::Registry& registry);

} // namespace portico::metrics
