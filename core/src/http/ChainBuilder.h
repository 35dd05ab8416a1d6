#pragma once
// Builds a Chain from a loaded config: create all plugins (each parses and validates its own
// section), check for unknown keys, register routes, then start all in order.

#include "config/ConfigLoader.h"
#include "config/ServerSettings.h"
#include "http/Chain.h"
#include <memory>

namespace prometheus {
class Registry;
}

namespace portico {

class ServerState;

class UpstreamService;

struct ChainServices
{
    prometheus::Registry* metrics = nullptr;
    /// PluginContext::upstream(); null: plugins of this chain cannot make upstream calls.
    UpstreamService* upstreams = nullptr;
    /// The server's state, for /readyz (503 while draining); null: never draining.
    const ServerState* server = nullptr;
    bool reloading = false;
};

class ChainBuilder
{
public:
    /// Throws ConfigError (naming file, plugin and key) on any problem; nothing is half-built.
    static std::shared_ptr<Chain> build(const LoadedConfig& config, const ServerSettings& settings,
                                        const ChainServices& services);
};

} // namespace portico
