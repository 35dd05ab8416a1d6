#pragma once
/// The otel plugin's immutable configuration: where and how spans are exported, the batch
/// processor's bounds, the sampler and the resource.
///
/// Every key falls back to the standard OpenTelemetry environment variable when the config
/// does not set it (the README has the table), as the OpenTelemetry SDKs do; a key in the
/// config always wins. A bad value, from either, is a start-up error naming the key (and the
/// variable when it came from one).

#include "OtlpBatch.h"
#include "Sampler.h"
#include "portico/PluginConfig.h"
#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace portico::otel {

/// Looks an environment variable up: nothing when unset (or empty, as the SDKs treat it).
using Environment = std::function<std::optional<std::string>(const std::string&)>;

/// The process environment (getenv).
Environment processEnvironment();

struct OtelConfig
{
    enum class Protocol
    {
        Protobuf, ///< http/protobuf
        Json      ///< http/json
    };

    /// Where batches are POSTed: <endpoint>/v1/traces, or traces_endpoint as given.
    std::string url;
    Protocol protocol = Protocol::Protobuf;
    /// Extra request headers (auth), in order.
    std::vector<std::pair<std::string, std::string>> headers;
    bool gzip = false;
    /// Connect, send and receive timeouts of one export, each.
    std::chrono::milliseconds exportTimeout{10000};
    std::size_t maxQueueSize = 2048;
    std::chrono::milliseconds scheduleDelay{5000};
    std::size_t maxExportBatchSize = 512;
    Sampler sampler = *Sampler::fromName("parentbased_always_on", 1.0);
    /// Request paths that get no span (probes and scrapes would drown the traces).
    std::vector<std::string> excludePaths{"/healthz", "/readyz", "/metrics"};
    /// service.name first, then the rest of resource_attributes, then telemetry.sdk.*.
    ExportResource resource;

    bool excluded(const std::string& path) const
    {
        return std::find(excludePaths.begin(), excludePaths.end(), path) != excludePaths.end();
    }

    /// Reads and checks every key; `env` answers for the keys the config does not set.
    static OtelConfig from(const PluginConfig& config, const Environment& env = processEnvironment());
};

} // namespace portico::otel
