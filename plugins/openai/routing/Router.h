#pragma once
/// The live model catalog: public names (groups and aliases) with their deployments, each
/// deployment's state, and the choice of a deployment for one attempt.
///
/// Built once per chain from RoutingConfig; its structure is immutable, the deployments' state
/// (DeploymentState) is shared by every event loop. Names the catalog does not know are routed
/// as before (an upstream that lists them, a "*" upstream, the local models).

#include "DeploymentState.h"
#include "RoutingConfig.h"
#include "upstream/UpstreamProxy.h"
#include "portico/PluginContext.h"
#include "portico/Upstream.h"
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace portico::openai {

struct Deployment
{
    Deployment(DeploymentConfig settings, const CooldownConfig& cooldown)
        : config(std::move(settings)), state(cooldown, config.rpm, config.tpm)
    {
    }

    DeploymentConfig config;
    /// The upstream it sends to; nullptr for a local deployment.
    const ProxyTarget* target = nullptr;
    /// The client for the upstream with this deployment's timeouts and no retries of its own:
    /// the router retries, on the next deployment when there is one.
    std::shared_ptr<UpstreamClient> client;
    DeploymentState state;
};

struct ModelGroup
{
    GroupConfig config;
    std::vector<Deployment*> deployments;
    /// Made for a name the catalog refers to (an alias's target, a fallback) that is served
    /// without it: one deployment, the name's own upstream or local model.
    bool implicit = false;
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
    /// The group a request for public name `model` goes to (aliases followed), or nullptr when
    /// the catalog does not have the name.
    const ModelGroup* find(const std::string& model) const;
    /// The group for a fallback name (a catalog name, or an implicit group).
    const ModelGroup* fallback(const std::string& name) const;
    /// An available deployment of `group` that is not in `tried`, claimed (DeploymentState::
    /// claim) for one request; nullptr when there is none.
    Deployment* pick(const ModelGroup& group, const std::vector<const Deployment*>& tried, Clock::time_point now) const;
    /// The model a request without one gets; empty: none.
    const std::string& defaultModel() const { return defaultModel_; }
    /// The public names of the catalog (groups, then aliases), for /v1/models.
    const std::vector<std::string>& publicNames() const { return publicNames_; }
    const std::vector<std::unique_ptr<Deployment>>& deployments() const { return deployments_; }
    const CooldownConfig& cooldown() const { return cooldown_; }

private:
    /// The implicit group for `name`, made on first use at construction.
    const ModelGroup* implicitGroup(const std::string& name, const UpstreamProxy& proxy, PluginContext& context,
                                    const std::function<bool(const std::string&)>& isLocal);
    Deployment* addDeployment(DeploymentConfig config, const UpstreamProxy& proxy, PluginContext& context);

    CooldownConfig cooldown_;
    std::vector<std::unique_ptr<Deployment>> deployments_;
    std::vector<std::unique_ptr<ModelGroup>> groups_;
    std::unordered_map<std::string, const ModelGroup*> byName_;
    std::unordered_map<std::string, const ModelGroup*> implicit_;
    std::string defaultModel_;
    std::vector<std::string> publicNames_;
};

} // namespace portico::openai
