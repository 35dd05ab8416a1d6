#pragma once
/// The model catalog as configured: public model names (what clients send and /v1/models
/// lists) and the deployments that serve them, read once at load or reload into plain values.
/// routing/README.md has every key with its default; Router turns this into the live table.
///
///   models.<id>.name, .alias_of, .deployments, .strategy, .fallbacks, .context_fallbacks,
///   .fallback_on, .max_attempts, .deadline_ms
///   deployments.<id>.upstream, .model, .weight, .rpm, .tpm, .connect_timeout_ms, .read_timeout_ms
///   routing.allowed_fails, routing.failure_window_ms, routing.cooldown_ms
///   default_model

#include "portico/PluginConfig.h"
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace portico::openai {

/// How a group picks among its deployments that can serve.
enum class Strategy
{
    Weighted,  ///< weighted random (the default): spreads by weight, no shared state to contend on
    LeastBusy, ///< fewest requests in flight; ties by weight
    Latency    ///< lowest moving average of time to first byte; untried ones first
};

/// Where a deployment sends a request: an upstream of the [openai] section, or the local models.
struct DeploymentConfig
{
    /// "deployments.<id>" for a named block, "models.<id>.deployments" for an inline one: for
    /// messages and as the metric label's source.
    std::string key;
    /// The deployment's name in metrics, headers and the routing view: the block's id, or
    /// "<upstream>:<model>" for an inline one.
    std::string name;
    /// An upstream's name ("default" for upstream.*), or empty for the local models.
    std::string upstream;
    /// The model sent in the body (the request's `model` is rewritten to it).
    std::string model;
    double weight = 1.0;
    /// Requests / tokens per minute it may take; 0: no cap.
    std::int64_t rpm = 0;
    std::int64_t tpm = 0;
    /// Overrides of the upstream's connect_timeout_ms / read_timeout_ms for this deployment.
    std::optional<std::chrono::milliseconds> connectTimeout;
    std::optional<std::chrono::milliseconds> readTimeout;

    bool local() const { return upstream.empty(); }
};

struct GroupConfig
{
    /// The config id (models.<id>): names the group in messages.
    std::string id;
    /// The public name clients send (models.<id>.name, default the id). A pattern when it ends
    /// in '*' ("openai/*"): it takes every name that begins with the rest, and a '*' in its
    /// deployments' models is replaced by what the '*' matched ("openai:*" sends "gpt-4o" for
    /// "openai/gpt-4o").
    std::string name;
    bool pattern = false;
    /// Indices into RoutingConfig::deployments.
    std::vector<std::size_t> deployments;
    Strategy strategy = Strategy::Weighted;
    /// Public names tried in order when every deployment of this group failed; each resolved
    /// by the same rules as a request's model.
    std::vector<std::string> fallbacks;
    /// The same, for an upstream's 400 context_length_exceeded.
    std::vector<std::string> contextFallbacks;
    /// Upstream statuses that move on to the next deployment (connect failures and timeouts
    /// always do).
    std::vector<int> fallbackOn{429, 500, 502, 503, 504};
    /// Attempts in all, over this group's deployments and its fallbacks.
    int maxAttempts = 3;
    /// The longest time from the request's arrival to the answer's first byte over all attempts;
    /// 0: none (each attempt has its own timeouts).
    std::chrono::milliseconds deadline{0};
};

/// A public name that routes exactly like another one (models.<id>.alias_of).
struct AliasConfig
{
    std::string id;
    std::string name;
    /// The public name it stands for, after following alias chains (no cycles: checked).
    std::string target;
};

/// When a deployment is taken out of rotation (circuit breaking), for every deployment.
struct CooldownConfig
{
    /// Failures within failureWindow that cool a deployment down; 0: never.
    int allowedFails = 3;
    std::chrono::milliseconds failureWindow{60000};
    std::chrono::milliseconds cooldown{30000};
};

struct RoutingConfig
{
    std::vector<DeploymentConfig> deployments;
    std::vector<GroupConfig> groups;
    std::vector<AliasConfig> aliases;
    CooldownConfig cooldown;
    /// The model used for a request that names none; empty: such a request is a 400, as OpenAI
    /// answers.
    std::string defaultModel;

    bool empty() const { return groups.empty() && aliases.empty(); }
};

/// What the reader needs to know about the rest of the [openai] section to check references.
struct RoutingContext
{
    /// The configured upstreams' names ("default" for upstream.*).
    std::vector<std::string> upstreams;
    /// The local models' names (empty when local.enabled is false).
    std::vector<std::string> localModels;
    /// True when `model` is served without the catalog (a local model, or a model an upstream
    /// lists by name or takes with "*").
    std::function<bool(const std::string&)> servedDirectly;
};

/// Reads the catalog keys of `config` (the [openai] section). Throws ConfigError naming the key
/// for: an unknown key below models., deployments. or routing.; a deployment naming an unknown
/// upstream, or without a model; a weight below zero, or a group whose weights are all zero;
/// an alias cycle, or an alias of a name that is not served; a fallback to an unknown name; a
/// public name given twice; a default_model that is not served.
RoutingConfig readRoutingConfig(const PluginConfig& config, const RoutingContext& context);

/// The upstream names the catalog's deployments use (read before the upstreams are, since an
/// upstream the catalog uses takes no models by name unless told: readUpstreamConfigs).
std::set<std::string> upstreamsNamedByCatalog(const PluginConfig& config);

} // namespace portico::openai
