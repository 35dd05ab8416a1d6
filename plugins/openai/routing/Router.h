#pragma once
/// The live model catalog: public names (groups and aliases) with their deployments, each
/// deployment's state, and the choice of a deployment for one attempt.
///
/// Built once per chain from RoutingConfig; its structure is immutable, the deployments' state
/// (DeploymentState) is shared by every event loop. Names the catalog does not know are routed
/// as before (an upstream that lists them, a "*" upstream, the local models).

#include "DeploymentState.h"
#include "RoutingConfig.h"
#include "RoutingMetrics.h"
#include "upstream/UpstreamProxy.h"
#include "upstream/WarningThrottle.h"
#include "portico/PluginContext.h"
#include "portico/Upstream.h"
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace portico::openai {

struct Deployment
{
    /// `shared`: the state, which a reload hands on to the new chain's deployment when nothing
    /// that matters to it changed (Router); the other form makes a fresh one.
    Deployment(DeploymentConfig settings, std::shared_ptr<DeploymentState> shared)
        : config(std::move(settings)), stateOwner(std::move(shared)), state(*stateOwner)
    {
    }
    Deployment(DeploymentConfig settings, const CooldownConfig& cooldown)
        : Deployment(settings, std::make_shared<DeploymentState>(cooldown, settings.rpm, settings.tpm))
    {
    }

    /// Sets the state gauge to the state as of `now`.
    void publishState(DeploymentState::Clock::time_point now) const
    {
        if (metrics.state)
            metrics.state->Set(static_cast<double>(static_cast<int>(state.health(now))));
    }

    DeploymentConfig config;
    /// The upstream it sends to; nullptr for a local deployment.
    const ProxyTarget* target = nullptr;
    /// The client for the upstream with this deployment's timeouts and no retries of its own:
    /// the router retries, on the next deployment when there is one.
    std::shared_ptr<UpstreamClient> client;
    std::shared_ptr<DeploymentState> stateOwner;
    DeploymentState& state;
    RoutingMetrics::Deployment metrics;

    /// At most one failover warning a second per deployment (a dead deployment that is never
    /// rested would otherwise log every request): true when this one may be logged, with
    /// `suppressed` set to how many were left out since the last.
    bool mayWarn(DeploymentState::Clock::time_point now, long& suppressed) { return warnings_.mayWarn(now, suppressed); }

private:
    WarningThrottle warnings_;
};

struct ModelGroup
{
    GroupConfig config;
    std::vector<Deployment*> deployments;
    /// Made for a name the catalog refers to (an alias's target, a fallback) that is served
    /// without it: one deployment, the name's own upstream or local model.
    bool implicit = false;
    prometheus::Counter* failovers = nullptr;
};

class Router
{
public:
    using Clock = DeploymentState::Clock;

    /// `isLocal` tells whether a name is a local model served here (not shadowed by an
    /// upstream); `proxy` resolves the other names to their upstream.
    Router(const RoutingConfig& config, const UpstreamProxy& proxy, PluginContext& context,
           const std::function<bool(const std::string&)>& isLocal);
    Router(const Router&) = delete;
    Router& operator=(const Router&) = delete;

    bool empty() const { return byName_.empty(); }
    /// The group a request for public name `model` goes to (aliases followed; a pattern group
    /// when no name matches exactly: the one with the longest prefix), or nullptr when the
    /// catalog does not have the name.
    const ModelGroup* find(const std::string& model) const;
    /// The group for a fallback name (a catalog name, or an implicit group).
    const ModelGroup* fallback(const std::string& name) const;
    /// An available deployment of `group` that is not in `tried`, claimed (DeploymentState::
    /// claim) for one request; nullptr when there is none. `probe` (when given) is set to
    /// whether the request is the deployment's half-open probe.
    Deployment* pick(const ModelGroup& group, const std::vector<const Deployment*>& tried, Clock::time_point now,
                     bool* probe = nullptr) const;
    /// The model a request without one gets; empty: none.
    const std::string& defaultModel() const { return defaultModel_; }
    /// The public names of the catalog (groups, then aliases), for /v1/models.
    const std::vector<std::string>& publicNames() const { return publicNames_; }
    const std::vector<std::unique_ptr<Deployment>>& deployments() const { return deployments_; }
    const CooldownConfig& cooldown() const { return cooldown_; }
    /// The routing table and every deployment's live state, as JSON (GET /routing).
    std::string view(Clock::time_point now) const;

private:
    /// The implicit group for `name`, made on first use at construction.
    const ModelGroup* implicitGroup(const std::string& name, const UpstreamProxy& proxy, PluginContext& context,
                                    const std::function<bool(const std::string&)>& isLocal);
    Deployment* addDeployment(DeploymentConfig config, const UpstreamProxy& proxy, PluginContext& context);

    CooldownConfig cooldown_;
    std::unique_ptr<RoutingMetrics> metrics_;
    std::vector<std::unique_ptr<Deployment>> deployments_;
    std::vector<std::unique_ptr<ModelGroup>> groups_;
    std::unordered_map<std::string, const ModelGroup*> byName_;
    /// Pattern groups by their prefix (the name without its '*'), longest first.
    std::vector<std::pair<std::string, const ModelGroup*>> patterns_;
    std::unordered_map<std::string, const ModelGroup*> implicit_;
    std::string defaultModel_;
    std::vector<std::string> publicNames_;
    /// Alias name -> the name it stands for (for the view).
    std::vector<std::pair<std::string, std::string>> aliases_;
};

} // namespace portico::openai
