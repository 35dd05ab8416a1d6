// UpstreamRouting on top of the upstream proxy (upstream/UpstreamConfig.h, UpstreamProxy.h,
// ModelListCache.h).
#include "UpstreamRouting.h"
#include "EchoModel.h"
#include "HashingEmbedder.h"
#include "passthrough/PassThroughCall.h"
#include "routing/RoutedCall.h"
#include "routing/Router.h"
#include "routing/RoutingConfig.h"
#include "upstream/ModelListCache.h"
#include "upstream/UpstreamConfig.h"
#include "upstream/UpstreamProxy.h"
#include <algorithm>

namespace portico::openai {

namespace {

void add(std::vector<UpstreamModel>& models, const std::string& id, const std::string& owner)
{
    const bool seen =
        std::any_of(models.begin(), models.end(), [&id](const UpstreamModel& model) { return model.id == id; });
    if (!seen)
        models.push_back({id, owner});
}

} // namespace

struct UpstreamRouting::Impl
{
    Impl(std::vector<UpstreamConfig> configs, PluginContext& context)
        : proxy(std::move(configs), context), lists(proxy.wildcards())
    {
        for (const auto& target : proxy.targets())
            listsModels = listsModels || target.config.servesAll;
    }

    /// Every upstream's listed models, and `fetched` (one list per "*" upstream, in order).
    std::vector<UpstreamModel> compose(const std::vector<std::vector<std::string>>& fetched) const
    {
        std::vector<UpstreamModel> result;
        std::size_t next = 0;
        for (const auto& target : proxy.targets())
        {
            const UpstreamConfig& upstream = target.config;
            for (const auto& model : upstream.models)
                add(result, model, upstream.name);
            if (upstream.servesAll && next < fetched.size())
                for (const auto& model : fetched[next++])
                    add(result, model, upstream.name);
        }
        return result;
    }

    /// The models, when no upstream has to be asked.
    std::optional<std::vector<UpstreamModel>> known()
    {
        if (!listsModels)
            return compose({});
        if (auto fetched = lists.fresh())
            return compose(*fetched);
        return std::nullopt;
    }

    UpstreamProxy proxy;
    /// The model catalog (empty when the config has none).
    std::unique_ptr<Router> router;
    /// An upstream takes "*": its models are what it lists.
    bool listsModels = false;
    /// What the "*" upstreams list, shared by every exchange (on every loop).
    ModelListCache lists;
};

UpstreamRouting::UpstreamRouting(PluginContext& context, bool localEnabled, std::size_t maxJsonDepth)
    : maxJsonDepth_(maxJsonDepth)
{
    const PluginConfig& config = context.config();
    passThrough_ = readPassThroughRoutes(config);
    for (std::size_t i = 0; i < passThrough_.size(); ++i)
        passThroughWarnings_.push_back(std::make_unique<WarningThrottle>());
    // An upstream there only for the catalog or a pass-through routes no model by name.
    std::set<std::string> namedElsewhere = upstreamsNamedByCatalog(config);
    for (const auto& name : upstreamsNamedByPassThrough(passThrough_))
        namedElsewhere.insert(name);
    impl_ = std::make_unique<Impl>(readUpstreamConfigs(config, namedElsewhere), context);
    const UpstreamProxy& proxy = impl_->proxy;
    std::vector<std::string> upstreamNames;
    for (const auto& target : proxy.targets())
        upstreamNames.push_back(target.config.name);
    checkUpstreams(config, passThrough_, upstreamNames);
    // A local model serves its name unless an upstream takes that name (as ModelCatalog::local).
    const auto isLocal = [&proxy, localEnabled](const std::string& name) {
        return localEnabled && (name == EchoModel::id || name == HashingEmbedder::id) && !proxy.targetFor(name);
    };
    RoutingContext routing;
    for (const auto& target : proxy.targets())
        routing.upstreams.push_back(target.config.name);
    if (localEnabled)
        routing.localModels = {EchoModel::id, HashingEmbedder::id};
    routing.servedDirectly = [&proxy, &isLocal](const std::string& name) {
        return proxy.targetFor(name) != nullptr || isLocal(name);
    };
    const RoutingConfig catalog = readRoutingConfig(config, routing);
    defaultModel_ = catalog.defaultModel;
    // Always built, empty or not: GET /routing shows the (empty) table and the defaults.
    impl_->router = std::make_unique<Router>(catalog, proxy, context, isLocal);
}

UpstreamRouting::~UpstreamRouting() = default;

bool UpstreamRouting::configured() const
{
    return !impl_->proxy.targets().empty();
}

bool UpstreamRouting::inCatalog(const std::string& model) const
{
    return impl_->router->find(model) != nullptr;
}

std::optional<std::string> UpstreamRouting::localTarget(const std::string& model) const
{
    const ModelGroup* group = impl_->router->find(model);
    if (!group || group->deployments.empty())
        return std::nullopt;
    const std::string& target = group->deployments.front()->config.model;
    for (const Deployment* deployment : group->deployments)
        if (!deployment->config.local() || deployment->config.model != target)
            return std::nullopt;
    return target;
}

std::string UpstreamRouting::routingView() const
{
    return impl_->router->view(Router::Clock::now());
}

std::vector<std::string> UpstreamRouting::listedModels() const
{
    std::vector<std::string> names;
    for (const auto& model : impl_->compose({}))
        names.push_back(model.id);
    return names;
}

std::vector<std::string> UpstreamRouting::catalogNames() const
{
    return impl_->router->publicNames();
}

void UpstreamRouting::route(Exchange& exchange, const std::string& model, const std::string& apiPath, bool stream,
                            std::string body, LocalAnswers& local)
{
    const ModelGroup* group = impl_->router->find(model);
    if (!group)
    {
        exchange.respondError(502, "The model '" + model + "' is not in the catalog.", "server_error", "upstream_error");
        return;
    }
    RoutedRequest request;
    request.apiPath = apiPath;
    request.stream = stream;
    request.body = std::move(body);
    request.maxJsonDepth = maxJsonDepth_;
    request.model = model;
    exchange.defer(std::make_unique<RoutedCall>(*impl_->router, *group, std::move(request), local,
                                                *impl_->proxy.logger()));
}

bool UpstreamRouting::routes(const std::string& model) const
{
    return impl_->proxy.targetFor(model) != nullptr;
}

bool UpstreamRouting::routesToAnthropic(const std::string& model) const
{
    const ProxyTarget* target = impl_->proxy.targetFor(model);
    return target && target->config.anthropic();
}

void UpstreamRouting::forward(Exchange& exchange, const std::string& model, const std::string& apiPath, bool stream,
                              const std::string* body)
{
    const ProxyTarget* target = impl_->proxy.targetFor(model);
    if (!target)
    {
        exchange.respondError(502, "No upstream serves the model '" + model + "'.", "server_error", "upstream_error");
        return;
    }
    impl_->proxy.forward(exchange, *target, apiPath, stream, body);
}

void UpstreamRouting::passThrough(Exchange& exchange, const PassThroughRoute& route)
{
    const ProxyTarget* target = impl_->proxy.targetNamed(route.upstream);
    if (!target) // checked at start-up: unreachable unless the chain is inconsistent
        return exchange.respondError(502, "No upstream '" + route.upstream + "' for this route.", "server_error",
                                     "upstream_error");
    const auto index = static_cast<std::size_t>(&route - passThrough_.data());
    exchange.defer(std::make_unique<PassThroughCall>(*target, *passThroughWarnings_.at(index)));
}

void UpstreamRouting::models(Exchange& exchange, ModelsAnswer answer)
{
    if (auto known = impl_->known())
        return answer(exchange, std::move(*known));
    Impl* impl = impl_.get();
    exchange.defer(impl->lists.wait([impl, answer = std::move(answer)](Exchange& done, const ModelListCache::Lists& lists) {
        answer(done, impl->compose(lists));
    }));
}

std::optional<std::vector<UpstreamModel>> UpstreamRouting::staticModels() const
{
    if (impl_->listsModels)
        return std::nullopt;
    return impl_->compose({});
}

void UpstreamRouting::find(Exchange& exchange, const std::string& id, ModelAnswer answer)
{
    const ProxyTarget* target = impl_->proxy.targetFor(id);
    if (!target)
        return answer(exchange, std::nullopt);
    if (target->config.lists(id))
        return answer(exchange, UpstreamModel{id, target->config.name});
    // A "*" upstream takes every name; it serves `id` only when it lists it.
    models(exchange, [id, answer = std::move(answer)](Exchange& done, std::vector<UpstreamModel> all) {
        for (auto& model : all)
            if (model.id == id)
                return answer(done, std::move(model));
        answer(done, std::nullopt);
    });
}

} // namespace portico::openai
