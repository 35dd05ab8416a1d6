#include "UpstreamProxy.h"
#include "ProxyCall.h"

namespace portico::openai {

UpstreamProxy::UpstreamProxy(std::vector<UpstreamConfig> upstreams, PluginContext& context)
    : metrics_(context.metrics())
{
    targets_.reserve(upstreams.size());
    for (auto& upstream : upstreams)
    {
        ProxyTarget target;
        target.client = context.upstream(upstream.endpoint);
        target.config = std::move(upstream);
        target.metrics = &metrics_;
        target.logger = &context.logger();
        targets_.push_back(std::move(target));
    }
}

const ProxyTarget* UpstreamProxy::targetFor(const std::string& model) const
{
    for (const auto& target : targets_)
        if (target.config.lists(model))
            return &target;
    for (const auto& target : targets_)
        if (target.config.servesAll)
            return &target;
    return nullptr;
}

void UpstreamProxy::forward(Exchange& exchange, const ProxyTarget& target, const std::string& apiPath,
                            bool stream) const
{
    exchange.defer(std::make_unique<ProxyCall>(target, apiPath, stream));
}

std::vector<const ProxyTarget*> UpstreamProxy::wildcards() const
{
    std::vector<const ProxyTarget*> wildcards;
    for (const auto& target : targets_)
        if (target.config.servesAll)
            wildcards.push_back(&target);
    return wildcards;
}

} // namespace portico::openai
