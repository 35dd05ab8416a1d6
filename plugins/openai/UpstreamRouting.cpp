// UpstreamRouting on top of the upstream proxy (upstream/UpstreamConfig.h, UpstreamProxy.h).
#include "UpstreamRouting.h"
#include "upstream/UpstreamConfig.h"
#include "upstream/UpstreamProxy.h"
#include <algorithm>
#include <chrono>
#include <mutex>

namespace portico::openai {

namespace {

/// How long the model list of a "*" upstream is reused before it is fetched again.
constexpr std::chrono::seconds listCacheTtl{10};

} // namespace

struct UpstreamRouting::Impl
{
    Impl(std::vector<UpstreamConfig> configs, Poco::Logger& logger, prometheus::Registry& metrics)
        : upstreams(configs), proxy(std::move(configs), logger, metrics)
    {
    }

    const std::vector<UpstreamConfig> upstreams;
    UpstreamProxy proxy;

    std::mutex cacheMutex;
    std::vector<UpstreamModel> cached;
    std::chrono::steady_clock::time_point cachedAt;
    bool cacheValid = false;
};

UpstreamRouting::UpstreamRouting(const PluginConfig& config, Poco::Logger& logger, prometheus::Registry& metrics)
{
    auto configs = readUpstreamConfigs(config);
    if (!configs.empty())
        impl_ = std::make_unique<Impl>(std::move(configs), logger, metrics);
}

UpstreamRouting::~UpstreamRouting() = default;

bool UpstreamRouting::configured() const
{
    return impl_ != nullptr;
}

bool UpstreamRouting::routes(const std::string& model) const
{
    return impl_ && impl_->proxy.upstreamFor(model) != nullptr;
}

void UpstreamRouting::forward(Exchange& exchange, const std::string& model, const std::string& apiPath, bool stream)
{
    const UpstreamConfig* upstream = impl_ ? impl_->proxy.upstreamFor(model) : nullptr;
    if (!upstream)
    {
        exchange.respondError(502, "No upstream serves the model '" + model + "'.", "server_error", "upstream_error");
        return;
    }
    impl_->proxy.forward(exchange, *upstream, "POST", apiPath, stream);
}

std::vector<UpstreamModel> UpstreamRouting::models()
{
    if (!impl_)
        return {};
    {
        std::lock_guard<std::mutex> lock(impl_->cacheMutex);
        if (impl_->cacheValid && std::chrono::steady_clock::now() - impl_->cachedAt < listCacheTtl)
            return impl_->cached;
    }
    std::vector<UpstreamModel> result;
    bool complete = true;
    auto add = [&result](const std::string& id, const std::string& owner) {
        const bool seen = std::any_of(result.begin(), result.end(), [&id](const UpstreamModel& m) { return m.id == id; });
        if (!seen)
            result.push_back({id, owner});
    };
    for (const auto& upstream : impl_->upstreams)
    {
        for (const auto& model : upstream.models)
            add(model, upstream.name);
        if (!upstream.servesAll)
            continue;
        // Outside the lock: a slow upstream must not hold up other requests.
        const auto listed = impl_->proxy.listModels(upstream);
        if (listed.empty())
            complete = false;
        for (const auto& model : listed)
            add(model, upstream.name);
    }
    if (complete)
    {
        std::lock_guard<std::mutex> lock(impl_->cacheMutex);
        impl_->cached = result;
        impl_->cachedAt = std::chrono::steady_clock::now();
        impl_->cacheValid = true;
    }
    return result;
}

std::optional<UpstreamModel> UpstreamRouting::find(const std::string& id)
{
    if (!impl_)
        return std::nullopt;
    const UpstreamConfig* upstream = impl_->proxy.upstreamFor(id);
    if (!upstream)
        return std::nullopt;
    if (upstream->lists(id))
        return UpstreamModel{id, upstream->name};
    // A "*" upstream takes every name; it serves `id` only when it lists it.
    for (const auto& model : models())
        if (model.id == id)
            return model;
    return std::nullopt;
}

} // namespace portico::openai
