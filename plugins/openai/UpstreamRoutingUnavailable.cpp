// The UpstreamRouting of a build without the upstream proxy: no upstream is ever configured,
// and any upstream.* / upstreams.* key is a start-up error that says why.
#include "UpstreamRouting.h"

namespace portico::openai {

struct UpstreamRouting::Impl
{
};

UpstreamRouting::UpstreamRouting(const PluginConfig& config, Poco::Logger&, prometheus::Registry&)
{
    for (const char* prefix : {"upstream", "upstreams"})
    {
        const auto keys = config.keysBelow(prefix);
        if (!keys.empty())
            throw config.error(keys.front(), "this build of the openai plugin has no upstream proxy");
    }
}

UpstreamRouting::~UpstreamRouting() = default;

bool UpstreamRouting::configured() const
{
    return false;
}

bool UpstreamRouting::routes(const std::string&) const
{
    return false;
}

void UpstreamRouting::forward(Exchange& exchange, const std::string& model, const std::string&, bool)
{
    exchange.respondError(502, "No upstream serves the model '" + model + "'.", "server_error", "upstream_error");
}

std::vector<UpstreamModel> UpstreamRouting::models()
{
    return {};
}

std::optional<UpstreamModel> UpstreamRouting::find(const std::string&)
{
    return std::nullopt;
}

} // namespace portico::openai
