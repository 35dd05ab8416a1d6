#pragma once
// A Router built as UpstreamRouting builds it, from the text of an [openai] section, over a real
// UpstreamProxy (TestPluginContext; the upstreams' addresses are never connected to). Shared by
// the routing tests.

#include "TestPluginContext.h"
#include "routing/Router.h"
#include "routing/RoutingConfig.h"
#include "upstream/UpstreamConfig.h"
#include "upstream/UpstreamProxy.h"
#include <cppunit/extensions/HelperMacros.h>
#include <memory>
#include <string>
#include <vector>

namespace portico::openai::test {

using portico::test::TestPluginContext;
using Clock = Router::Clock;

inline bool isLocalModel(const std::string& name)
{
    return name == "portico-echo" || name == "portico-embed";
}

/// An [openai] section (the text after the header) read as UpstreamRouting reads it: the
/// upstreams, then the catalog, then the Router.
struct Catalog
{
    explicit Catalog(const std::string& openai)
        : context("[openai]\n" + openai, "openai"),
          proxy(readUpstreamConfigs(context.config(), upstreamsNamedByCatalog(context.config())), context)
    {
        const auto isLocal = [this](const std::string& name) {
            return isLocalModel(name) && !proxy.targetFor(name);
        };
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

    const ModelGroup& group(const std::string& name) const
    {
        const ModelGroup* found = router->find(name);
        CPPUNIT_ASSERT_MESSAGE("no group for " + name, found != nullptr);
        return *found;
    }

    Deployment& deployment(const std::string& name) const
    {
        for (const auto& d : router->deployments())
            if (d->config.name == name)
                return *d;
        CPPUNIT_FAIL("no deployment " + name);
        throw 0;
    }

    /// Picks once from `group` at `now` and releases the claim again; the deployment's name, or
    /// "" when pick() found none.
    std::string pickName(const std::string& group, const std::vector<const Deployment*>& tried = {},
                         Clock::time_point now = Clock::now()) const
    {
        Deployment* d = router->pick(this->group(group), tried, now);
        if (!d)
            return "";
        d->state.finished(0);
        return d->config.name;
    }

    TestPluginContext context;
    UpstreamProxy proxy;
    RoutingConfig config;
    std::unique_ptr<Router> router;
};

/// Four upstreams, none taking "*" (an upstream the catalog does not use would take "*" by
/// default, and then every name, portico-echo included).
inline const std::string Upstreams = "upstream.url = http://127.0.0.1:9/v1\n"
                              "upstream.models = gpt-4o\n"
                              "upstreams.a.url = http://127.0.0.1:9/a\n"
                              "upstreams.a.models = a-direct\n"
                              "upstreams.b.url = http://127.0.0.1:9/b\n"
                              "upstreams.b.models = b-direct\n"
                              "upstreams.c.url = http://127.0.0.1:9/c\n"
                              "upstreams.c.models = c-direct\n";

} // namespace portico::openai::test
