#include "Router.h"
#include "Poco/JSON/Array.h"
#include "Poco/JSON/Object.h"
#include <algorithm>
#include <map>
#include <mutex>
#include <random>
#include <sstream>

namespace portico::openai {

namespace {

/// A fast generator per thread (xorshift64*): picking must not contend on shared state.
double uniform()
{
    thread_local std::uint64_t state = [] {
        std::random_device device;
        const std::uint64_t seed = (static_cast<std::uint64_t>(device()) << 32) ^ device();
        return seed == 0 ? 0x9e3779b97f4a7c15ULL : seed;
    }();
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return static_cast<double>((state * 0x2545F4914F6CDD1DULL) >> 11) * (1.0 / 9007199254740992.0);
}

/// Deployment states by what they depend on, so that a reload's new chain takes over the state of
/// a deployment that did not change (its cooldown, its per-minute counts): the old chain holds
/// them until it is retired, and the new one is built while it still does.
std::shared_ptr<DeploymentState> sharedState(const std::string& key, const CooldownConfig& cooldown,
                                             const DeploymentConfig& config)
{
    static std::mutex lock;
    static std::map<std::string, std::weak_ptr<DeploymentState>> states;
    std::lock_guard<std::mutex> guard(lock);
    for (auto it = states.begin(); it != states.end();)
        it = it->second.expired() ? states.erase(it) : std::next(it);
    std::weak_ptr<DeploymentState>& slot = states[key];
    if (auto state = slot.lock())
        return state;
    auto state = std::make_shared<DeploymentState>(cooldown, config.rpm, config.tpm);
    slot = state;
    return state;
}

bool tried(const std::vector<const Deployment*>& list, const Deployment* deployment)
{
    for (const Deployment* entry : list)
        if (entry == deployment)
            return true;
    return false;
}

} // namespace

Router::Router(const RoutingConfig& config, const UpstreamProxy& proxy, PluginContext& context,
               const std::function<bool(const std::string&)>& isLocal)
    : cooldown_(config.cooldown),
      metrics_(std::make_unique<RoutingMetrics>(context.metrics())),
      defaultModel_(config.defaultModel)
{
    std::vector<Deployment*> configured;
    configured.reserve(config.deployments.size());
    for (const DeploymentConfig& deployment : config.deployments)
        configured.push_back(addDeployment(deployment, proxy, context));
    for (const GroupConfig& groupConfig : config.groups)
    {
        auto group = std::make_unique<ModelGroup>();
        group->config = groupConfig;
        for (const std::size_t index : groupConfig.deployments)
            group->deployments.push_back(configured[index]);
        group->failovers = &metrics_->failovers(groupConfig.name);
        if (groupConfig.pattern)
            patterns_.emplace_back(groupConfig.name.substr(0, groupConfig.name.size() - 1), group.get());
        else
        {
            byName_[groupConfig.name] = group.get();
            publicNames_.push_back(groupConfig.name); // a pattern is no model /v1/models could list
        }
        groups_.push_back(std::move(group));
    }
    std::stable_sort(patterns_.begin(), patterns_.end(),
                     [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
    for (const AliasConfig& alias : config.aliases)
    {
        const auto target = byName_.find(alias.target);
        byName_[alias.name] =
            target != byName_.end() ? target->second : implicitGroup(alias.target, proxy, context, isLocal);
        publicNames_.push_back(alias.name);
        aliases_.emplace_back(alias.name, alias.target);
    }
    // Names the catalog refers to but serves without it get one-deployment groups. After the
    // aliases, since a fallback may name one (then it is the alias's group, not a model name to
    // send on). By index over the configured groups only: implicitGroup() appends to groups_.
    for (std::size_t i = 0; i < config.groups.size(); ++i)
    {
        const GroupConfig& group = groups_[i]->config;
        for (const auto* list : {&group.fallbacks, &group.contextFallbacks})
            for (const std::string& name : *list)
                if (!byName_.count(name))
                    implicitGroup(name, proxy, context, isLocal);
    }
}

Deployment* Router::addDeployment(DeploymentConfig config, const UpstreamProxy& proxy, PluginContext& context)
{
    const ProxyTarget* target = nullptr;
    for (const ProxyTarget& candidate : proxy.targets())
        if (!config.local() && candidate.config.name == config.upstream)
            target = &candidate;
    if (!config.local() && !target)
        throw std::logic_error("deployment '" + config.name + "' names an upstream that is gone");
    // What the state depends on: where it sends, what, its caps and the breaker's settings.
    std::ostringstream key;
    key << config.name << '|' << (target ? target->config.endpoint.identity() : std::string("local")) << '|'
        << config.model << '|' << config.rpm << '|' << config.tpm << '|' << cooldown_.allowedFails << '|'
        << cooldown_.failureWindow.count() << '|' << cooldown_.cooldown.count();
    auto state = sharedState(key.str(), cooldown_, config);
    auto deployment = std::make_unique<Deployment>(std::move(config), std::move(state));
    deployment->metrics = metrics_->deployment(deployment->config.name);
    deployment->publishState(Clock::now());
    deployment->target = target;
    if (target)
    {
        UpstreamEndpoint endpoint = target->config.endpoint;
        endpoint.retries = 0;
        if (deployment->config.connectTimeout)
            endpoint.connectTimeout = *deployment->config.connectTimeout;
        if (deployment->config.readTimeout)
            endpoint.readTimeout = *deployment->config.readTimeout;
        deployment->client = context.upstream(endpoint);
    }
    deployments_.push_back(std::move(deployment));
    return deployments_.back().get();
}

const ModelGroup* Router::implicitGroup(const std::string& name, const UpstreamProxy& proxy, PluginContext& context,
                                        const std::function<bool(const std::string&)>& isLocal)
{
    if (const auto found = implicit_.find(name); found != implicit_.end())
        return found->second;
    DeploymentConfig deployment;
    deployment.key = "(" + name + ")";
    deployment.model = name;
    if (const ProxyTarget* target = proxy.targetFor(name))
    {
        deployment.upstream = target->config.name;
        deployment.name = target->config.name + ":" + name;
    }
    else if (isLocal(name))
        deployment.name = "local:" + name;
    else
        throw std::logic_error("the catalog refers to '" + name + "', which nothing serves");
    auto group = std::make_unique<ModelGroup>();
    group->config.id = name;
    group->config.name = name;
    group->implicit = true;
    group->deployments.push_back(addDeployment(std::move(deployment), proxy, context));
    implicit_[name] = group.get();
    groups_.push_back(std::move(group));
    return groups_.back().get();
}

const ModelGroup* Router::find(const std::string& model) const
{
    const auto found = byName_.find(model);
    if (found != byName_.end())
        return found->second;
    for (const auto& [prefix, group] : patterns_)
        if (model.size() > prefix.size() && model.compare(0, prefix.size(), prefix) == 0)
            return group;
    return nullptr;
}

const ModelGroup* Router::fallback(const std::string& name) const
{
    if (const ModelGroup* group = find(name))
        return group;
    const auto found = implicit_.find(name);
    return found == implicit_.end() ? nullptr : found->second;
}

Deployment* Router::pick(const ModelGroup& group, const std::vector<const Deployment*>& triedAlready,
                         Clock::time_point now, bool* probe) const
{
    // Candidates on the stack: groups are small (a claim that loses a race drops one and picks
    // again, so this runs at most once per candidate).
    constexpr std::size_t Inline = 16;
    Deployment* inlineCandidates[Inline];
    std::vector<Deployment*> heap;
    Deployment** candidates = inlineCandidates;
    if (group.deployments.size() > Inline)
    {
        heap.resize(group.deployments.size());
        candidates = heap.data();
    }
    std::size_t count = 0;
    for (Deployment* deployment : group.deployments)
        if (!tried(triedAlready, deployment) && deployment->state.available(now))
            candidates[count++] = deployment;

    while (count > 0)
    {
        std::size_t chosen = 0;
        switch (group.config.strategy)
        {
        case Strategy::Weighted: {
            double total = 0;
            for (std::size_t i = 0; i < count; ++i)
                total += candidates[i]->config.weight;
            if (total <= 0)
            {
                // Only weight-0 deployments are left: they serve when nothing else can.
                chosen = std::min(count - 1, static_cast<std::size_t>(uniform() * static_cast<double>(count)));
                break;
            }
            double point = uniform() * total;
            chosen = count - 1;
            for (std::size_t i = 0; i < count; ++i)
            {
                point -= candidates[i]->config.weight;
                if (point < 0 && candidates[i]->config.weight > 0)
                {
                    chosen = i;
                    break;
                }
            }
            break;
        }
        case Strategy::LeastBusy: {
            // Fewest in flight; among equals the heavier weight, then the first listed.
            for (std::size_t i = 1; i < count; ++i)
            {
                const int busy = candidates[i]->state.inFlight();
                const int best = candidates[chosen]->state.inFlight();
                if (busy < best || (busy == best && candidates[i]->config.weight > candidates[chosen]->config.weight))
                    chosen = i;
            }
            break;
        }
        case Strategy::Latency: {
            // The lowest moving average of time to first byte; one never measured goes first
            // (so each gets measured), then the first listed.
            for (std::size_t i = 1; i < count; ++i)
            {
                const std::int64_t latency = candidates[i]->state.latencyMicros();
                const std::int64_t best = candidates[chosen]->state.latencyMicros();
                if (best != 0 && (latency == 0 || latency < best))
                    chosen = i;
            }
            break;
        }
        }
        Deployment* deployment = candidates[chosen];
        if (const Claim claim = deployment->state.claim(now))
        {
            if (probe)
                *probe = claim.probe;
            return deployment;
        }
        candidates[chosen] = candidates[--count]; // lost a race for it: pick among the rest
    }
    return nullptr;
}

std::string Router::view(Clock::time_point now) const
{
    using Poco::JSON::Array;
    using Poco::JSON::Object;
    Object::Ptr root = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    Array::Ptr models = new Array;
    for (const auto& group : groups_)
    {
        if (group->implicit)
            continue;
        Object::Ptr entry = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        const GroupConfig& config = group->config;
        entry->set("name", config.name);
        entry->set("strategy", config.strategy == Strategy::Weighted    ? "weighted"
                               : config.strategy == Strategy::LeastBusy ? "least_busy"
                                                                        : "latency");
        Array::Ptr deployments = new Array;
        for (const Deployment* deployment : group->deployments)
            deployments->add(deployment->config.name);
        entry->set("deployments", deployments);
        Array::Ptr fallbacks = new Array;
        for (const std::string& name : config.fallbacks)
            fallbacks->add(name);
        entry->set("fallbacks", fallbacks);
        Array::Ptr contextFallbacks = new Array;
        for (const std::string& name : config.contextFallbacks)
            contextFallbacks->add(name);
        entry->set("context_fallbacks", contextFallbacks);
        Array::Ptr fallbackOn = new Array;
        for (const int status : config.fallbackOn)
            fallbackOn->add(status);
        entry->set("fallback_on", fallbackOn);
        entry->set("max_attempts", config.maxAttempts);
        entry->set("deadline_ms", static_cast<Poco::Int64>(config.deadline.count()));
        models->add(entry);
    }
    root->set("models", models);
    Array::Ptr aliases = new Array;
    for (const auto& [name, target] : aliases_)
    {
        Object::Ptr entry = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        entry->set("name", name);
        entry->set("alias_of", target);
        aliases->add(entry);
    }
    root->set("aliases", aliases);
    Array::Ptr deployments = new Array;
    for (const auto& deployment : deployments_)
    {
        const DeploymentConfig& config = deployment->config;
        const DeploymentState& state = deployment->state;
        Object::Ptr entry = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        entry->set("name", config.name);
        entry->set("upstream", config.local() ? std::string("local") : config.upstream);
        if (deployment->target)
            entry->set("url", deployment->target->config.url);
        entry->set("model", config.model);
        entry->set("weight", config.weight);
        entry->set("rpm", static_cast<Poco::Int64>(config.rpm));
        entry->set("tpm", static_cast<Poco::Int64>(config.tpm));
        const Health health = state.health(now);
        entry->set("state", healthName(health));
        long long coolingMs = 0;
        if (health == Health::Cooling)
            coolingMs = std::chrono::duration_cast<std::chrono::milliseconds>(state.coolingUntil() - now).count();
        entry->set("cooling_ms", static_cast<Poco::Int64>(coolingMs));
        entry->set("in_flight", state.inFlight());
        entry->set("first_byte_ms", static_cast<double>(state.latencyMicros()) / 1000.0);
        // Counted only against a cap (the counts cost a lock per request).
        if (config.rpm > 0)
            entry->set("requests_last_minute", static_cast<Poco::Int64>(state.requestsLastMinute(now)));
        if (config.tpm > 0)
            entry->set("tokens_last_minute", static_cast<Poco::Int64>(state.tokensLastMinute(now)));
        deployments->add(entry);
    }
    root->set("deployments", deployments);
    root->set("cooldown", [this] {
        Object::Ptr cooldown = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        cooldown->set("allowed_fails", cooldown_.allowedFails);
        cooldown->set("failure_window_ms", static_cast<Poco::Int64>(cooldown_.failureWindow.count()));
        cooldown->set("cooldown_ms", static_cast<Poco::Int64>(cooldown_.cooldown.count()));
        return cooldown;
    }());
    root->set("default_model", defaultModel_.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(defaultModel_));
    std::ostringstream out;
    root->stringify(out);
    return out.str();
}

} // namespace portico::openai
