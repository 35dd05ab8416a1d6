#include "SecurityPlugin.h"

namespace portico::security {

SecurityPlugin::SecurityPlugin(PluginContext& context) : config_(SecurityConfig::from(context.config())) {}

void SecurityPlugin::onResponseHead(Exchange& exchange)
{
    auto& headers = exchange.response().headers;
    for (const auto& header : config_.headers)
        if (!headers.has(header.name))
            headers.set(header.name, header.value);
}

} // namespace portico::security

