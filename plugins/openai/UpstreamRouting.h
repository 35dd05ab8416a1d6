#pragma once
/// The openai plugin's only door to the upstream proxy (upstream/): which models go upstream,
/// forwarding a request there, and the upstream models for /v1/models. Everything else in the
/// plugin talks to this class, never to upstream/ directly.

#include "portico/Exchange.h"
#include "portico/PluginConfig.h"
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace Poco {
class Logger;
}
namespace prometheus {
class Registry;
}

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
    /// Reads the upstream.* and upstreams.<name>.* keys (throws ConfigError on a bad one).
    UpstreamRouting(const PluginConfig& config, Poco::Logger& logger, prometheus::Registry& metrics);
    ~UpstreamRouting();
    UpstreamRouting(const UpstreamRouting&) = delete;
    UpstreamRouting& operator=(const UpstreamRouting&) = delete;

    /// True when at least one upstream is configured.
    bool configured() const;
    /// True when an upstream serves `model` (it is listed there, or an upstream takes "*").
    bool routes(const std::string& model) const;
    /// Sends the exchange's request body unchanged to the upstream serving `model`, at
    /// `apiPath` below its URL ("/chat/completions"), and answers the exchange with what comes
    /// back (a stream relayed event by event). Only call it when routes(model) is true.
    void forward(Exchange& exchange, const std::string& model, const std::string& apiPath, bool stream);
    /// Every model the upstreams serve: the listed ones, and what "*" upstreams list at
    /// GET <url>/models (cached for a few seconds; an upstream that fails lists nothing).
    std::vector<UpstreamModel> models();
    /// The upstream model `id`, if an upstream serves it.
    std::optional<UpstreamModel> find(const std::string& id);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace portico::openai
