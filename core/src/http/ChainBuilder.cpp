#include "http/ChainBuilder.h"
#include "http/CoreRoutes.h"
#include "plugin/PluginLibrary.h"
#include "upstream/UpstreamService.h"
#include "portico/Errors.h"
#include "portico/PluginContext.h"
#include "Poco/Exception.h"
#include "Poco/Logger.h"
#include <set>

namespace portico {

namespace {

/// Sections the core or several plugins read; not tied to one plugin.
const std::set<std::string> sharedSections = {"server", "plugins", "redis", "log", "admin"};

class Context : public PluginContext
{
public:
    Context(PluginConfig config, const std::string& name, const ChainServices& services, Chain& chain)
        : config_(std::move(config)), logger_(Poco::Logger::get("portico." + name)), services_(services), chain_(chain)
    {
    }

    const PluginConfig& config() const override { return config_; }
    void addRoute(Route route) override { routes_.push_back(std::move(route)); }
    Poco::Logger& logger() const override { return logger_; }
    prometheus::Registry& metrics() const override { return *services_.metrics; }
    bool reloading() const override { return services_.reloading; }
    void addLogFilter(std::shared_ptr<const LogFilter> filter) override
    {
        if (filter)
            chain_.logFilters().push_back(std::move(filter));
    }
    std::shared_ptr<UpstreamClient> upstream(const UpstreamEndpoint& endpoint) override
    {
        if (!services_.upstreams)
            throw Poco::IllegalStateException("no upstream client in this process");
        return services_.upstreams->client(endpoint);
    }

    std::vector<Route>& routes() { return routes_; }

protected:
    std::uint32_t allocateStateSlot() override
    {
        const std::uint32_t slot = chain_.stateSlots();
        chain_.setStateSlots(slot + 1);
        return slot;
    }

private:
    PluginConfig config_;
    Poco::Logger& logger_;
    const ChainServices& services_;
    Chain& chain_;
    std::vector<Route> routes_;
};

} // namespace

std::shared_ptr<Chain> ChainBuilder::build(const LoadedConfig& config, const ServerSettings& settings,
                                           const ChainServices& services)
{
    Poco::AutoPtr<Poco::Util::AbstractConfiguration> values(config.values);
    auto chain = std::make_shared<Chain>();
    registerCoreRoutes(*chain, settings.openapi, services.server);

    std::set<std::string> listed(settings.order.begin(), settings.order.end());
    for (const auto& name : settings.order)
    {
        PluginConfig section(values, name, config.file, config.origins);
        if (!section.getBool("enabled", true))
            continue;
        const std::string file = PluginLibrary::fileFor(settings.pluginPath, name);
        const PluginDescriptor& descriptor = PluginLibrary::open(file, name);

        Context context(section, name, services, *chain);
        std::string error;
        Plugin* plugin = descriptor.create(context, error);
        if (!plugin)
            throw ConfigError("plugin " + name + " (" + file + "): " + (error.empty() ? "factory failed" : error));
        ChainLink link{name, descriptor.version ? descriptor.version : "", file, std::unique_ptr<Plugin>(plugin)};
        link.abiMinor = descriptor.abiMinor;
        try
        {
            link.blocking = link.plugin->blocking();
        }
        catch (const std::exception& e)
        {
            throw ConfigError("plugin " + name + " (" + file + "): blocking() threw: " + e.what());
        }
        if (link.blocking == Blocking::May)
            chain->setMayBlock(true);
        const auto unread = context.config().unreadKeys();
        if (!unread.empty())
            throw context.config().error(unread.front(), "unknown key for plugin " + name);
        for (auto& route : context.routes())
        {
            RouteTable& table = route.listener == Listener::Admin ? chain->adminRoutes() : chain->routes();
            table.add(std::move(route), "plugin " + name);
        }
        chain->links().push_back(std::move(link));
    }

    // A section for a plugin that is not in the order is allowed (it may be loaded in another
    // environment) but worth a warning: it is most often a typo.
    Poco::Util::AbstractConfiguration::Keys sections;
    values->keys(sections);
    for (const auto& section : sections)
        if (!sharedSections.count(section) && !listed.count(section))
            Poco::Logger::get("portico.core")
                .warning(config.file + ": section [" + section + "] configures no plugin in plugins.order");

    chain->start();
    return chain;
}

} // namespace portico
