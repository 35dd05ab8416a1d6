#include "UpstreamProxy.h"
#include "ProxyCall.h"

namespace portico::openai {

UpstreamProxy::UpstreamProxy(std::vector<UpstreamConfig> upstreams, PluginContext& context)
    : metrics_(context.metrics()), logger_(&context.logger())
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

const ProxyTarget* UpstreamProxy::targetNamed(const std::string& name) const
{
    for (const auto& target : targets_)
        if (target.config.name == name)
            return &target;
    return nullptr;
}

void UpstreamProxy::forward(Exchange& exchange, const ProxyTarget& target, const std::string& apiPath, bool stream,
                            const std::string* body) const
{
    if (!body)
        return exchange.defer(std::make_unique<ProxyCall>(target, apiPath, stream));
    AttemptSettings settings;
    settings.client = target.client.get();
    settings.body = *body;
    exchange.defer(std::make_unique<ProxyCall>(target, apiPath, stream, std::move(settings)));
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
