#pragma once
/// What the host gives a plugin while it is being created: its configuration, a place to
/// register routes, a logger and the shared metrics registry.

#include "portico/PluginConfig.h"
#include "portico/Route.h"
#include "Poco/Logger.h"

namespace prometheus {
class Registry;
}

namespace portico {

class PluginContext
{
public:
    virtual ~PluginContext() = default;

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
};

} // namespace portico
