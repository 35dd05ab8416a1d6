#pragma once
/// The openai plugin's only door to the upstream proxy (upstream/): which models go upstream,
/// forwarding a request there, and the upstream models for /v1/models. Everything else in the
/// plugin talks to this class, never to upstream/ directly.
///
/// Nothing here waits for an upstream: forward() and, when the "*" upstreams' model lists are
/// not cached, models() and find() defer the exchange's answer (Exchange::defer) to a task that
/// runs on the event loop and answers when the upstream has.

#include "passthrough/PassThroughConfig.h"
#include "upstream/WarningThrottle.h"
#include "portico/Exchange.h"
#include "portico/PluginContext.h"
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace portico::openai {

class LocalAnswers;

/// A model an upstream serves, as /v1/models shows it.
struct UpstreamModel
{
    std::string id;
    std::string ownedBy; ///< the upstream's name
};

class UpstreamRouting
{
public:
    /// Reads the upstream.* and upstreams.<name>.* keys of `context`'s section and the model
    /// catalog's (models.*, deployments.*, routing.*, default_model; routing/README.md), throws
    /// ConfigError on a bad one, and gets a client for each upstream from `context`.
    /// `localEnabled`: the local models are served (local.enabled); `maxJsonDepth`: the
    /// plugin's max_json_depth (the router rewrites request bodies).
    UpstreamRouting(PluginContext& context, bool localEnabled, std::size_t maxJsonDepth);
    ~UpstreamRouting();
    UpstreamRouting(const UpstreamRouting&) = delete;
    UpstreamRouting& operator=(const UpstreamRouting&) = delete;

    /// True when at least one upstream is configured.
    bool configured() const;

    // --- the model catalog (routing/) --------------------------------------------------------
    /// True when the catalog has the public name `model`: the request goes through route().
    bool inCatalog(const std::string& model) const;
    /// The catalog's public names (groups, then aliases), for /v1/models.
    std::vector<std::string> catalogNames() const;
    /// The routing table and the deployments' live state as JSON (Router::view), for GET /routing.
    std::string routingView() const;
    /// The models the upstreams name in their `models` keys (not what a "*" upstream lists).
    std::vector<std::string> listedModels() const;
    /// The local model every deployment of catalog name `model` goes to, when they all go to the
    /// same local model (an alias of portico-echo, say); nothing otherwise or when the catalog
    /// does not have the name.
    std::optional<std::string> localTarget(const std::string& model) const;
    /// The model a request that names none gets (default_model); empty: none.
    const std::string& defaultModel() const { return defaultModel_; }
    /// Answers through the deployments of `model`'s group, with failover (routing/RoutedCall):
    /// the answer is deferred. `body` is the request as the client sent it (with the default
    /// model added); `local` answers for the local deployments. Only when inCatalog(model).
    void route(Exchange& exchange, const std::string& model, const std::string& apiPath, bool stream,
               std::string body, LocalAnswers& local);
    /// True when an upstream serves `model` (it is listed there, or an upstream takes "*").
    bool routes(const std::string& model) const;
    /// True when the upstream serving `model` speaks Anthropic's Messages API (type = anthropic):
    /// /v1/messages requests for it are passed on unchanged.
    bool routesToAnthropic(const std::string& model) const;
    /// Sends the exchange's request body unchanged to the upstream serving `model`, at
    /// `apiPath` below its URL ("/chat/completions"), and answers the exchange with what comes
    /// back (a stream relayed event by event): the answer is deferred. Only call it when
    /// routes(model) is true.
    /// `body`, when given, is sent instead of the exchange's (the default model added to it).
    void forward(Exchange& exchange, const std::string& model, const std::string& apiPath, bool stream,
                 const std::string* body = nullptr);

    // --- pass-through routes (passthrough/) -------------------------------------------------
    /// The configured passthrough.<id>.* routes; the plugin registers their patterns.
    const std::vector<PassThroughRoute>& passThroughRoutes() const { return passThrough_; }
    /// Forwards the exchange as it is to `route`'s upstream and relays the answer
    /// (passthrough/PassThroughCall.h): the answer is deferred.
    void passThrough(Exchange& exchange, const PassThroughRoute& route);

    using ModelsAnswer = std::function<void(Exchange&, std::vector<UpstreamModel>)>;
    using ModelAnswer = std::function<void(Exchange&, std::optional<UpstreamModel>)>;
    /// Calls `answer` with every model the upstreams serve: the listed ones, and what "*"
    /// upstreams list at GET <url>/models (ModelListCache: cached 10 s; an upstream that fails
    /// or does not answer within its models_timeout_ms lists its configured names, cached 5 s;
    /// requests on one loop share one fetch). At once when that is known; otherwise the
    /// exchange's answer is deferred and `answer` runs on its loop once the lists are in.
    void models(Exchange& exchange, ModelsAnswer answer);
    /// The upstreams' models when they cannot change while the plugin lives (no "*" upstream,
    /// whose list is fetched): what models() gives at once; nothing when a "*" upstream exists.
    std::optional<std::vector<UpstreamModel>> staticModels() const;
    /// Calls `answer` with the upstream model `id`, if an upstream serves it (as models()).
    void find(Exchange& exchange, const std::string& id, ModelAnswer answer);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::vector<PassThroughRoute> passThrough_;
    /// One per route of passThrough_, in its order.
    std::vector<std::unique_ptr<WarningThrottle>> passThroughWarnings_;
    std::string defaultModel_;
    std::size_t maxJsonDepth_ = 64;
};

} // namespace portico::openai
