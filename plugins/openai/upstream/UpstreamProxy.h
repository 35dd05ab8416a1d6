#pragma once
/// The configured upstreams, each with the core's client for it (PluginContext::upstream: one
/// pool of keep-alive connections per upstream and event loop, retries, TLS), and the calls
/// that go there: a client's request forwarded (ProxyCall, a deferred answer: no thread waits
/// for an upstream). The "*" upstreams' model lists are ModelListCache's (on wildcards()).
///
/// Immutable after construction; one proxy serves all requests of a chain, from every loop.

#include "ProxyTarget.h"
#include "UpstreamConfig.h"
#include "UpstreamMetrics.h"
#include "portico/Exchange.h"
#include "portico/PluginContext.h"
#include <memory>
#include <string>
#include <vector>

namespace portico::openai {

class UpstreamProxy
{
public:
    /// Asks `context` for a client per upstream; the histogram goes to its registry and the
    /// warnings to its logger.
    UpstreamProxy(std::vector<UpstreamConfig> upstreams, PluginContext& context);
    UpstreamProxy(const UpstreamProxy&) = delete;
    UpstreamProxy& operator=(const UpstreamProxy&) = delete;

    const std::vector<ProxyTarget>& targets() const { return targets_; }

    /// The upstream that serves `model`: the one listing it by name, else the one with "*";
    /// nullptr when the model stays local.
    const ProxyTarget* targetFor(const std::string& model) const;
    /// The upstream called `name` ("default" or <name>), or nullptr.
    const ProxyTarget* targetNamed(const std::string& name) const;

    /// Defers `exchange`'s answer to a ProxyCall: its body POSTed to `apiPath` below the
    /// upstream's URL ("/chat/completions"); `stream`: the client asked for stream: true.
    /// `body`, when given, is sent instead of the exchange's.
    void forward(Exchange& exchange, const ProxyTarget& target, const std::string& apiPath, bool stream,
                 const std::string* body = nullptr) const;
    /// The plugin's logger (for the model router's warnings).
    Poco::Logger* logger() const { return logger_; }

    /// The upstreams that take every model (servesAll), in the order of targets().
    std::vector<const ProxyTarget*> wildcards() const;

private:
    UpstreamMetrics metrics_;
    Poco::Logger* logger_ = nullptr;
    /// Built once; calls refer to its elements, so it never grows.
    std::vector<ProxyTarget> targets_;
};

} // namespace portico::openai
