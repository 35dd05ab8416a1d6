#pragma once
// CatalogRouter from the text of an [openai] section, with CppUnit lookups of its groups and
// deployments. Shared by the routing tests.

#include "CatalogRouter.h"
#include <cppunit/extensions/HelperMacros.h>
#include <memory>
#include <string>
#include <vector>

namespace portico::openai::test {

using portico::test::TestPluginContext;
using Clock = Router::Clock;

struct Catalog : CatalogRouter
{
    explicit Catalog(const std::string& openai) : CatalogRouter("[openai]\n" + openai) {}

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
