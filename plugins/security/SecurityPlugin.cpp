#include "SecurityPlugin.h"

namespace portico::security {

namespace {

HeaderList collect(const SecurityConfig& config)
{
    HeaderList headers;
    headers.reserve(config.headers.size());
    for (const auto& header : config.headers)
        headers.add(header.name, header.value);
    return headers;
}

} // namespace

SecurityPlugin::SecurityPlugin(PluginContext& context)
    : config_(SecurityConfig::from(context.config())), prebuilt_(collect(config_))
{
}

void SecurityPlugin::onResponseHead(Exchange& exchange)
{
    auto& headers = exchange.response().headers;
    if (headers.empty())
    {
        headers = prebuilt_;
        return;
    }
    // add(), not set(): the header is known to be absent, and set() would search for it again.
    for (const auto& header : config_.headers)
        if (!headers.has(header.name))
            headers.add(header.name, header.value);
}

} // namespace portico::security
