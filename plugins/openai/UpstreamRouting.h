#pragma once
/// The openai plugin's only door to the upstream proxy (upstream/): which models go upstream,
/// forwarding a request there, and the upstream models for /v1/models. Everything else in the
/// plugin talks to this class, never to upstream/ directly.
///
/// Nothing here waits for an upstream: forward() and, when the "*" upstreams' model lists are
/// not cached, models() and find() defer the exchange's answer (Exchange::defer) to a task that
/// runs on the event loop and answers when the upstream has.

#include "portico/Exchange.h"
#include "portico/PluginContext.h"
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace portico::openai {

/// A model an upstream serves, as /v1/models shows it.
struct UpstreamModel
{
    std::string id;
    std::string ownedBy; ///< the upstream's name
};

class UpstreamRouting
{
public:
    /// Reads the upstream.* and upstreams.<name>.* keys of `context`'s section (throws
    /// ConfigError on a bad one) and gets a client for each upstream from `context`.
    explicit UpstreamRouting(PluginContext& context);
    ~UpstreamRouting();
    UpstreamRouting(const UpstreamRouting&) = delete;
    UpstreamRouting& operator=(const UpstreamRouting&) = delete;

    /// True when at least one upstream is configured.
    bool configured() const;
    /// True when an upstream serves `model` (it is listed there, or an upstream takes "*").
    bool routes(const std::string& model) const;
    /// Sends the exchange's request body unchanged to the upstream serving `model`, at
    /// `apiPath` below its URL ("/chat/completions"), and answers the exchange with what comes
    /// back (a stream relayed event by event): the answer is deferred. Only call it when
    /// routes(model) is true.
    void forward(Exchange& exchange, const std::string& model, const std::string& apiPath, bool stream);

    using ModelsAnswer = std::function<void(Exchange&, std::vector<UpstreamModel>)>;
    using ModelAnswer = std::function<void(Exchange&, std::optional<UpstreamModel>)>;
    /// Calls `answer` with every model the upstreams serve: the listed ones, and what "*"
    /// upstreams list at GET <url>/models (ModelListCache: cached 10 s; an upstream that fails
    /// or does not answer within its models_timeout_ms lists its configured names, cached 5 s;
    /// requests on one loop share one fetch). At once when that is known; otherwise the
    /// exchange's answer is deferred and `answer` runs on its loop once the lists are in.
    void models(Exchange& exchange, ModelsAnswer answer);
    /// Calls `answer` with the upstream model `id`, if an upstream serves it (as models()).
    void find(Exchange& exchange, const std::string& id, ModelAnswer answer);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace portico::openai
