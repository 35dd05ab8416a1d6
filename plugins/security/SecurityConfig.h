#pragma once
// The security plugin's immutable configuration: which headers to add, with which values.

#include "portico/PluginConfig.h"
#include <string>
#include <vector>

namespace portico::security {

struct SecurityHeader
{
    std::string name;
    std::string value;
};

struct SecurityConfig
{
    /// The headers that are switched on, in a fixed order.
    std::vector<SecurityHeader> headers;

    /// Reads `<key>` (the value) and `<key>.enabled` for each header. An empty value is an
    /// error: switch a header off with `.enabled = false` instead.
    static SecurityConfig from(const PluginConfig& config);
};

} // namespace portico::security
