#pragma once
/// What the host gives a plugin while it is being created: its configuration, a place to
/// register routes, per-request state slots, a logger, log filters and the shared metrics
/// registry. The context itself exists only while the plugin's factory and constructor run:
/// keep what it hands out (the logger, the registry, slots, upstream clients), never the
/// context.

#include "portico/Api.h"
#include "portico/Exchange.h"
#include "portico/LogFilter.h"
#include "portico/PluginConfig.h"
#include "portico/Route.h"
#include "portico/Upstream.h"
#include "Poco/Logger.h"
#include <cstdint>
#include <memory>

namespace prometheus {
class Registry;
}

namespace portico {

class PORTICO_API PluginContext
{
public:
    virtual ~PluginContext();

    /// The plugin's own section. Read every key you support in the constructor.
    virtual const PluginConfig& config() const = 0;
    /// Registers a route. Two plugins registering the same method and pattern is a start-up error.
    virtual void addRoute(Route route) = 0;
    /// The logger "portico.<plugin name>".
    virtual Poco::Logger& logger() const = 0;
    /// The process-wide Prometheus registry. It lives as long as the process, across reloads;
    /// registering a family that already exists returns the existing one.
    virtual prometheus::Registry& metrics() const = 0;
    /// The process-wide "is it a reload?" flag: false on the first start.
    virtual bool reloading() const = 0;
    /// Every log line goes through `filter` while this plugin's chain is the running one.
    virtual void addLogFilter(std::shared_ptr<const LogFilter> filter) = 0;
    /// The core's HTTP client for `endpoint` (Upstream.h). Endpoints with the same identity()
    /// share their pools of keep-alive connections, also across reloads.
    virtual std::shared_ptr<UpstreamClient> upstream(const UpstreamEndpoint& endpoint) = 0;

    /// A slot for this plugin's per-request state of type T (see Exchange::state()). Ask in the
    /// constructor, once per kind of state.
    template <typename T>
    StateSlot<T> stateSlot()
    {
        return StateSlot<T>(allocateStateSlot());
    }

protected:
    /// A slot index no other plugin of the chain has.
    virtual std::uint32_t allocateStateSlot() = 0;
};

} // namespace portico
