#pragma once
// A Router built as UpstreamRouting builds it, from the text of a config with an [openai]
// section, over a real UpstreamProxy (TestPluginContext; the upstreams' addresses are never
// connected to): the upstreams, then the catalog, then the Router. No test framework, so the
// routing tests (RoutingTestCatalog.h) and routing_pick_bench share it.

#include "TestPluginContext.h"
#include "routing/Router.h"
#include "routing/RoutingConfig.h"
#include "upstream/UpstreamConfig.h"
#include "upstream/UpstreamProxy.h"
#include <memory>
#include <string>

namespace portico::openai::test {

inline bool isLocalModel(const std::string& name)
{
    return name == "portico-echo" || name == "portico-embed";
}

struct CatalogRouter
{
    /// `configText`: the whole config file's text ("[openai]\n...").
    explicit CatalogRouter(const std::string& configText)
        : context(configText, "openai"),
          proxy(readUpstreamConfigs(context.config(), upstreamsNamedByCatalog(context.config())), context)
    {
        const auto isLocal = [this](const std::string& name) { return isLocalModel(name) && !proxy.targetFor(name); };
        RoutingContext routing;
        for (const auto& target : proxy.targets())
            routing.upstreams.push_back(target.config.name);
        routing.localModels = {"portico-echo", "portico-embed"};
        routing.servedDirectly = [this, isLocal](const std::string& name) {
            return proxy.targetFor(name) != nullptr || isLocal(name);
        };
        config = readRoutingConfig(context.config(), routing);
        router = std::make_unique<Router>(config, proxy, context, isLocal);
    }

    portico::test::TestPluginContext context;
    UpstreamProxy proxy;
    RoutingConfig config;
    std::unique_ptr<Router> router;
};

} // namespace portico::openai::test
