// Router built from a RoutingConfig over a real UpstreamProxy (TestPluginContext; the
// upstreams' addresses are never connected to): names and aliases, implicit groups for
// fallbacks, each deployment's client, and pick() for every strategy, with tried, cooling,
// capped and half-open deployments.

#include "RoutingTestCatalog.h"
#include "TestPluginContext.h"
#include "routing/Router.h"
#include "routing/RoutingConfig.h"
#include "upstream/UpstreamConfig.h"
#include "upstream/UpstreamProxy.h"
#include <cppunit/extensions/HelperMacros.h>
#include <map>
#include <memory>
#include <stdexcept>

using namespace portico::openai;
using namespace portico::openai::test;
using portico::test::TestPluginContext;
using Clock = Router::Clock;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

/// Takes `d` out of rotation at `now` (3 failures: the default allowed_fails).
void cool(Deployment& d, Clock::time_point now)
{
    for (int i = 0; i < 3; ++i)
        d.state.failed(now);
}

} // namespace

class RouterTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(RouterTest);
    CPPUNIT_TEST(testNamesAndAliases);
    CPPUNIT_TEST(testEmptyCatalog);
    CPPUNIT_TEST(testDeploymentClients);
    CPPUNIT_TEST(testImplicitGroupsForFallbacks);
    CPPUNIT_TEST(testImplicitGroupsOfEveryGroup);
    CPPUNIT_TEST(testFallbackToAnAlias);
    CPPUNIT_TEST(testWeightedSplit);
    CPPUNIT_TEST(testEqualWeightsSplitEvenly);
    CPPUNIT_TEST(testWeightZeroOnlyWhenOthersAreUnavailable);
    CPPUNIT_TEST(testLeastBusy);
    CPPUNIT_TEST(testLatency);
    CPPUNIT_TEST(testTriedAreSkipped);
    CPPUNIT_TEST(testCoolingAreSkipped);
    CPPUNIT_TEST(testCappedAreSkipped);
    CPPUNIT_TEST(testHalfOpenProbeIsPickedOnce);
    CPPUNIT_TEST(testLargeGroup);
    CPPUNIT_TEST(testSharedDeploymentSharesState);
    CPPUNIT_TEST(testPatternsMatchTheLongestPrefix);
    CPPUNIT_TEST_SUITE_END();

public:
    void testNamesAndAliases()
    {
        Catalog catalog(Upstreams + "models.chat.name = acme/chat-1.5\n"
                                    "models.chat.deployments = a:m1, b:m2\n"
                                    "models.fast.alias_of = latest\n"
                                    "models.latest.alias_of = acme/chat-1.5\n"
                                    "models.direct.alias_of = gpt-4o\n"
                                    "default_model = fast\n");
        const Router& router = *catalog.router;
        CPPUNIT_ASSERT(!router.empty());
        const ModelGroup* chat = router.find("acme/chat-1.5");
        CPPUNIT_ASSERT(chat != nullptr);
        CPPUNIT_ASSERT(!chat->implicit);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), chat->deployments.size());
        CPPUNIT_ASSERT_EQUAL(std::string("a:m1"), chat->deployments[0]->config.name);
        CPPUNIT_ASSERT_EQUAL(std::string("b:m2"), chat->deployments[1]->config.name);
        CPPUNIT_ASSERT(router.find("fast") == chat);
        CPPUNIT_ASSERT(router.find("latest") == chat);
        CPPUNIT_ASSERT(router.find("chat") == nullptr); // the id is no public name
        CPPUNIT_ASSERT(router.find("gpt-4o") == nullptr);
        CPPUNIT_ASSERT(router.find("unknown") == nullptr);
        // An alias of a name served without the catalog: a one-deployment implicit group.
        const ModelGroup* direct = router.find("direct");
        CPPUNIT_ASSERT(direct != nullptr);
        CPPUNIT_ASSERT(direct->implicit);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), direct->deployments.size());
        CPPUNIT_ASSERT_EQUAL(std::string("default"), direct->deployments[0]->config.upstream);
        CPPUNIT_ASSERT_EQUAL(std::string("gpt-4o"), direct->deployments[0]->config.model);
        CPPUNIT_ASSERT_EQUAL(std::string("default:gpt-4o"), direct->deployments[0]->config.name);
        CPPUNIT_ASSERT((router.publicNames() == std::vector<std::string>{"acme/chat-1.5", "direct", "fast", "latest"}));
        CPPUNIT_ASSERT_EQUAL(std::string("fast"), router.defaultModel());
        CPPUNIT_ASSERT_EQUAL(3, router.cooldown().allowedFails);
    }

    void testEmptyCatalog()
    {
        Catalog catalog(Upstreams);
        CPPUNIT_ASSERT(catalog.router->empty());
        CPPUNIT_ASSERT(catalog.router->find("gpt-4o") == nullptr);
        CPPUNIT_ASSERT(catalog.router->deployments().empty());
        CPPUNIT_ASSERT(catalog.router->publicNames().empty());
    }

    void testDeploymentClients()
    {
        Catalog catalog(Upstreams + "upstreams.a.retries = 4\n"
                                    "upstreams.a.connect_timeout_ms = 700\n"
                                    "models.chat.deployments = a:m1, slow, local:portico-echo\n"
                                    "deployments.slow.upstream = a\n"
                                    "deployments.slow.model = m2\n"
                                    "deployments.slow.connect_timeout_ms = 123\n"
                                    "deployments.slow.read_timeout_ms = 4567\n");
        const Deployment& inline_ = catalog.deployment("a:m1");
        CPPUNIT_ASSERT(inline_.target != nullptr);
        CPPUNIT_ASSERT_EQUAL(std::string("a"), inline_.target->config.name);
        CPPUNIT_ASSERT(inline_.client != nullptr);
        // No retries of the client's own (the router retries), the upstream's timeouts.
        CPPUNIT_ASSERT_EQUAL(0, inline_.client->endpoint().retries);
        CPPUNIT_ASSERT_EQUAL(700LL, static_cast<long long>(inline_.client->endpoint().connectTimeout.count()));
        CPPUNIT_ASSERT_EQUAL(600000LL, static_cast<long long>(inline_.client->endpoint().readTimeout.count()));
        // The proxy's own client for the upstream keeps its retries.
        CPPUNIT_ASSERT_EQUAL(4, inline_.target->client->endpoint().retries);

        const Deployment& slow = catalog.deployment("slow");
        CPPUNIT_ASSERT(slow.target == inline_.target);
        CPPUNIT_ASSERT_EQUAL(0, slow.client->endpoint().retries);
        CPPUNIT_ASSERT_EQUAL(123LL, static_cast<long long>(slow.client->endpoint().connectTimeout.count()));
        CPPUNIT_ASSERT_EQUAL(4567LL, static_cast<long long>(slow.client->endpoint().readTimeout.count()));

        const Deployment& local = catalog.deployment("local:portico-echo");
        CPPUNIT_ASSERT(local.target == nullptr);
        CPPUNIT_ASSERT(local.client == nullptr);
    }

    void testImplicitGroupsForFallbacks()
    {
        Catalog catalog(Upstreams + "models.chat.deployments = a:m1\n"
                                    "models.chat.fallbacks = gpt-4o, portico-echo, big\n"
                                    "models.chat.context_fallbacks = portico-embed\n"
                                    "models.big.deployments = b:m9\n");
        const Router& router = *catalog.router;
        const ModelGroup* upstream = router.fallback("gpt-4o");
        CPPUNIT_ASSERT(upstream != nullptr);
        CPPUNIT_ASSERT(upstream->implicit);
        CPPUNIT_ASSERT_EQUAL(std::string("default:gpt-4o"), upstream->deployments.at(0)->config.name);
        CPPUNIT_ASSERT(upstream->deployments.at(0)->client != nullptr);
        const ModelGroup* echo = router.fallback("portico-echo");
        CPPUNIT_ASSERT(echo != nullptr);
        CPPUNIT_ASSERT(echo->implicit);
        CPPUNIT_ASSERT(echo->deployments.at(0)->config.local());
        CPPUNIT_ASSERT_EQUAL(std::string("local:portico-echo"), echo->deployments.at(0)->config.name);
        CPPUNIT_ASSERT(router.fallback("portico-embed") != nullptr);
        // A catalog name is its own group, not an implicit one.
        CPPUNIT_ASSERT(router.fallback("big") == router.find("big"));
        CPPUNIT_ASSERT(!router.fallback("big")->implicit);
        // Implicit groups are not public names.
        CPPUNIT_ASSERT(router.find("gpt-4o") == nullptr);
        CPPUNIT_ASSERT(router.fallback("unknown") == nullptr);
        CPPUNIT_ASSERT((router.publicNames() == std::vector<std::string>{"big", "chat"}));
    }

    void testImplicitGroupsOfEveryGroup()
    {
        // Several groups with fallbacks served without the catalog: making the implicit groups
        // must not disturb the walk over the configured ones (their list grows meanwhile).
        Catalog catalog(Upstreams + "models.a.deployments = a:m\n"
                                    "models.a.fallbacks = gpt-4o\n"
                                    "models.b.deployments = b:m\n"
                                    "models.b.fallbacks = portico-echo\n"
                                    "models.c.deployments = c:m\n"
                                    "models.c.context_fallbacks = portico-embed\n"
                                    "models.d.deployments = a:m\n"
                                    "models.d.fallbacks = a-direct, b-direct, c-direct\n");
        const Router& router = *catalog.router;
        for (const char* name : {"gpt-4o", "portico-echo", "portico-embed", "a-direct", "b-direct", "c-direct"})
        {
            const ModelGroup* group = router.fallback(name);
            CPPUNIT_ASSERT_MESSAGE(std::string("no implicit group for ") + name, group != nullptr);
            CPPUNIT_ASSERT(group->implicit);
            CPPUNIT_ASSERT_EQUAL(std::string(name), group->deployments.at(0)->config.model);
        }
        CPPUNIT_ASSERT_EQUAL(std::string("a"), router.fallback("a-direct")->deployments.at(0)->config.upstream);
        // 3 configured deployments (a:m shared) and one per implicit group.
        CPPUNIT_ASSERT_EQUAL(std::size_t(9), router.deployments().size());
    }

    void testFallbackToAnAlias()
    {
        // readRoutingConfig accepts an alias as a fallback; the Router must resolve it to the
        // alias's group (not to an implicit group for the alias's name).
        const std::string catalogKeys = "models.chat.deployments = a:m1\n"
                                        "models.chat.fallbacks = smart\n"
                                        "models.chat.context_fallbacks = smart\n"
                                        "models.other.deployments = b:m2\n"
                                        "models.smart.alias_of = other\n";
        try
        {
            Catalog catalog(Upstreams + catalogKeys);
            CPPUNIT_ASSERT(catalog.router->fallback("smart") == catalog.router->find("other"));
        }
        catch (const std::logic_error& e)
        {
            CPPUNIT_FAIL(std::string("Router refused a fallback to an alias: ") + e.what());
        }
        // With a "*" upstream the alias's name must not go there as a model name either.
        Catalog wildcard("upstream.url = http://127.0.0.1:9/v1\n"
                         "upstreams.a.url = http://127.0.0.1:9/a\n"
                         "upstreams.b.url = http://127.0.0.1:9/b\n" +
                         catalogKeys);
        CPPUNIT_ASSERT(wildcard.proxy.targetFor("smart") != nullptr); // the "*" upstream takes any name
        const ModelGroup* fallback = wildcard.router->fallback("smart");
        CPPUNIT_ASSERT(fallback == wildcard.router->find("other"));
        for (const auto& d : wildcard.router->deployments())
            CPPUNIT_ASSERT_MESSAGE("a deployment sends the alias's name: " + d->config.name, d->config.model != "smart");
    }

    void testWeightedSplit()
    {
        Catalog catalog(Upstreams + "models.chat.deployments = heavy, light\n"
                                    "deployments.heavy.upstream = a\n"
                                    "deployments.heavy.model = m\n"
                                    "deployments.heavy.weight = 3\n"
                                    "deployments.light.upstream = b\n"
                                    "deployments.light.model = m\n"
                                    "deployments.light.weight = 1\n");
        std::map<std::string, int> counts;
        const int picks = 20000;
        for (int i = 0; i < picks; ++i)
            ++counts[catalog.pickName("chat")];
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), counts.size()); // never "" (none)
        const double heavy = counts["heavy"] / static_cast<double>(picks);
        CPPUNIT_ASSERT_MESSAGE("heavy got " + std::to_string(heavy), heavy > 0.72 && heavy < 0.78);
        CPPUNIT_ASSERT_EQUAL(picks, counts["heavy"] + counts["light"]);
        CPPUNIT_ASSERT_EQUAL(0, catalog.deployment("heavy").state.inFlight());
    }

    void testEqualWeightsSplitEvenly()
    {
        Catalog catalog(Upstreams + "models.chat.deployments = a:m, b:m, c:m\n");
        std::map<std::string, int> counts;
        const int picks = 20000;
        for (int i = 0; i < picks; ++i)
            ++counts[catalog.pickName("chat")];
        for (const char* name : {"a:m", "b:m", "c:m"})
        {
            const double share = counts[name] / static_cast<double>(picks);
            CPPUNIT_ASSERT_MESSAGE(std::string(name) + " got " + std::to_string(share),
                                   share > 1.0 / 3 - 0.03 && share < 1.0 / 3 + 0.03);
        }
    }

    void testWeightZeroOnlyWhenOthersAreUnavailable()
    {
        Catalog catalog(Upstreams + "models.chat.deployments = spare1, main, spare2\n"
                                    "deployments.main.upstream = a\n"
                                    "deployments.main.model = m\n"
                                    "deployments.spare1.upstream = b\n"
                                    "deployments.spare1.model = m\n"
                                    "deployments.spare1.weight = 0\n"
                                    "deployments.spare2.upstream = c\n"
                                    "deployments.spare2.model = m\n"
                                    "deployments.spare2.weight = 0\n");
        for (int i = 0; i < 5000; ++i)
            CPPUNIT_ASSERT_EQUAL(std::string("main"), catalog.pickName("chat"));
        // main tried: a spare serves, each of them sometimes.
        std::map<std::string, int> counts;
        const std::vector<const Deployment*> tried{&catalog.deployment("main")};
        for (int i = 0; i < 2000; ++i)
            ++counts[catalog.pickName("chat", tried)];
        CPPUNIT_ASSERT_EQUAL(0, counts["main"]);
        CPPUNIT_ASSERT_EQUAL(0, counts[""]);
        CPPUNIT_ASSERT(counts["spare1"] > 700 && counts["spare2"] > 700);
        // main cooling: the same.
        const auto now = Clock::now();
        cool(catalog.deployment("main"), now);
        for (int i = 0; i < 200; ++i)
            CPPUNIT_ASSERT(catalog.pickName("chat", {}, now) != "main");
        CPPUNIT_ASSERT(!catalog.pickName("chat", {}, now).empty());
    }

    void testLeastBusy()
    {
        Catalog catalog(Upstreams + "models.chat.deployments = p, q, r\n"
                                    "models.chat.strategy = least_busy\n"
                                    "deployments.p.upstream = a\n"
                                    "deployments.p.model = m\n"
                                    "deployments.q.upstream = b\n"
                                    "deployments.q.model = m\n"
                                    "deployments.q.weight = 2\n"
                                    "deployments.r.upstream = c\n"
                                    "deployments.r.model = m\n");
        const ModelGroup& chat = catalog.group("chat");
        const auto now = Clock::now();
        // Claims stay in flight: each pick sees the ones before it.
        const auto pick = [&] {
            Deployment* d = catalog.router->pick(chat, {}, now);
            CPPUNIT_ASSERT(d != nullptr);
            return d->config.name;
        };
        CPPUNIT_ASSERT_EQUAL(std::string("q"), pick()); // all idle: the heaviest
        CPPUNIT_ASSERT_EQUAL(std::string("p"), pick()); // q busy; p and r tie: the first listed
        CPPUNIT_ASSERT_EQUAL(std::string("r"), pick());
        CPPUNIT_ASSERT_EQUAL(std::string("q"), pick()); // one each: the heaviest again
        CPPUNIT_ASSERT_EQUAL(2, catalog.deployment("q").state.inFlight());
        // p finishes twice as fast as the others: it is the least busy.
        catalog.deployment("p").state.finished(0);
        CPPUNIT_ASSERT_EQUAL(std::string("p"), pick());
        catalog.deployment("p").state.finished(0);
        catalog.deployment("q").state.finished(0);
        catalog.deployment("q").state.finished(0);
        // p 0, q 0, r 1: q (heavier among the idle).
        CPPUNIT_ASSERT_EQUAL(std::string("q"), pick());
        CPPUNIT_ASSERT_EQUAL(std::string("p"), pick());
        // All at one: q.
        CPPUNIT_ASSERT_EQUAL(std::string("q"), pick());
        // The least busy but tried: the next one.
        catalog.deployment("r").state.finished(0); // r 0, p 1, q 2
        CPPUNIT_ASSERT_EQUAL(std::string("p"),
                             catalog.router->pick(chat, {&catalog.deployment("r")}, now)->config.name);
    }

    void testLatency()
    {
        Catalog catalog(Upstreams + "models.chat.deployments = a:x, b:y, c:z\n"
                                    "models.chat.strategy = latency\n");
        const std::string x = "a:x", y = "b:y", z = "c:z";
        // Nothing measured: the first listed.
        CPPUNIT_ASSERT_EQUAL(x, catalog.pickName("chat"));
        CPPUNIT_ASSERT_EQUAL(x, catalog.pickName("chat"));
        catalog.deployment(x).state.succeeded(microseconds(500));
        // An unmeasured one goes before any measured one.
        CPPUNIT_ASSERT_EQUAL(y, catalog.pickName("chat"));
        catalog.deployment(y).state.succeeded(microseconds(200));
        CPPUNIT_ASSERT_EQUAL(z, catalog.pickName("chat"));
        catalog.deployment(z).state.succeeded(microseconds(900));
        // All measured: the lowest average, every time.
        for (int i = 0; i < 100; ++i)
            CPPUNIT_ASSERT_EQUAL(y, catalog.pickName("chat"));
        // y slows down (moving average above x's 500): x.
        for (int i = 0; i < 40; ++i)
            catalog.deployment(y).state.succeeded(microseconds(3000));
        CPPUNIT_ASSERT(catalog.deployment(y).state.latencyMicros() > 500);
        CPPUNIT_ASSERT_EQUAL(x, catalog.pickName("chat"));
        // The fastest tried: the next fastest.
        CPPUNIT_ASSERT_EQUAL(z, catalog.pickName("chat", {&catalog.deployment(x)}));
    }

    void testTriedAreSkipped()
    {
        Catalog catalog(Upstreams + "models.chat.deployments = a:m, b:m\n");
        const std::vector<const Deployment*> triedA{&catalog.deployment("a:m")};
        for (int i = 0; i < 200; ++i)
            CPPUNIT_ASSERT_EQUAL(std::string("b:m"), catalog.pickName("chat", triedA));
        const std::vector<const Deployment*> both{&catalog.deployment("a:m"), &catalog.deployment("b:m")};
        CPPUNIT_ASSERT(catalog.router->pick(catalog.group("chat"), both, Clock::now()) == nullptr);
        CPPUNIT_ASSERT_EQUAL(0, catalog.deployment("a:m").state.inFlight());
        CPPUNIT_ASSERT_EQUAL(0, catalog.deployment("b:m").state.inFlight());
    }

    void testCoolingAreSkipped()
    {
        Catalog catalog(Upstreams + "models.chat.deployments = a:m, b:m\n"
                                    "models.chat.strategy = least_busy\n");
        const auto now = Clock::now();
        cool(catalog.deployment("a:m"), now);
        CPPUNIT_ASSERT(!catalog.deployment("a:m").state.available(now));
        for (int i = 0; i < 50; ++i)
            CPPUNIT_ASSERT_EQUAL(std::string("b:m"), catalog.pickName("chat", {}, now));
        cool(catalog.deployment("b:m"), now);
        CPPUNIT_ASSERT(catalog.router->pick(catalog.group("chat"), {}, now) == nullptr);
        CPPUNIT_ASSERT_EQUAL(0, catalog.deployment("a:m").state.inFlight());
    }

    void testCappedAreSkipped()
    {
        Catalog catalog(Upstreams + "models.chat.deployments = capped, b:m\n"
                                    "deployments.capped.upstream = a\n"
                                    "deployments.capped.model = m\n"
                                    "deployments.capped.weight = 1000\n"
                                    "deployments.capped.rpm = 2\n");
        const ModelGroup& chat = catalog.group("chat");
        const auto now = Clock::now();
        // Nearly always capped (weight 1000:1), until its two requests of the minute are used.
        // The claims stay: rpm counts requests begun.
        int capped = 0;
        for (int i = 0; i < 60; ++i)
        {
            Deployment* d = catalog.router->pick(chat, {}, now);
            CPPUNIT_ASSERT(d != nullptr);
            if (d->config.name == "capped")
                ++capped;
        }
        CPPUNIT_ASSERT_EQUAL(2, capped);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), catalog.deployment("capped").state.requestsLastMinute(now));
        CPPUNIT_ASSERT_EQUAL(58, catalog.deployment("b:m").state.inFlight());
        // b out of rotation as well (cooling): nothing.
        cool(catalog.deployment("b:m"), now);
        CPPUNIT_ASSERT(catalog.router->pick(chat, {}, now) == nullptr);
        // A minute later the capped one serves again (b, half-open by then, tried).
        const std::vector<const Deployment*> triedB{&catalog.deployment("b:m")};
        Deployment* again = catalog.router->pick(chat, triedB, now + seconds(61));
        CPPUNIT_ASSERT(again != nullptr);
        CPPUNIT_ASSERT_EQUAL(std::string("capped"), again->config.name);
    }

    void testHalfOpenProbeIsPickedOnce()
    {
        Catalog catalog(Upstreams + "models.solo.deployments = a:m\n"
                                    "routing.cooldown_ms = 1000\n");
        const ModelGroup& solo = catalog.group("solo");
        Deployment& d = catalog.deployment("a:m");
        const auto now = Clock::now();
        cool(d, now);
        CPPUNIT_ASSERT(catalog.router->pick(solo, {}, now + milliseconds(999)) == nullptr);
        const auto open = now + milliseconds(1000);
        bool isProbe = false;
        Deployment* probe = catalog.router->pick(solo, {}, open, &isProbe);
        CPPUNIT_ASSERT(probe == &d);
        CPPUNIT_ASSERT(isProbe);
        CPPUNIT_ASSERT(catalog.router->pick(solo, {}, open) == nullptr); // one probe at a time
        probe->state.succeeded(microseconds(100), isProbe);
        probe->state.finished(0);
        CPPUNIT_ASSERT(catalog.router->pick(solo, {}, open) == &d);
        CPPUNIT_ASSERT(catalog.router->pick(solo, {}, open) == &d); // healthy: no limit
    }

    void testLargeGroup()
    {
        // More deployments than pick() keeps on its stack.
        std::string items;
        for (int i = 0; i < 20; ++i)
            items += (i ? ", " : "") + std::string("a:m") + std::to_string(i);
        Catalog catalog(Upstreams + "models.big.deployments = " + items + "\n");
        const ModelGroup& big = catalog.group("big");
        CPPUNIT_ASSERT_EQUAL(std::size_t(20), big.deployments.size());
        std::vector<const Deployment*> tried(big.deployments.begin(), big.deployments.begin() + 19);
        for (int i = 0; i < 20; ++i)
            CPPUNIT_ASSERT_EQUAL(std::string("a:m19"), catalog.pickName("big", tried));
        tried.push_back(big.deployments[19]);
        CPPUNIT_ASSERT(catalog.router->pick(big, tried, Clock::now()) == nullptr);
        std::map<std::string, int> counts;
        for (int i = 0; i < 4000; ++i)
            ++counts[catalog.pickName("big")];
        CPPUNIT_ASSERT_EQUAL(std::size_t(20), counts.size());
    }

    void testSharedDeploymentSharesState()
    {
        // One deployment in two groups: cooling it in one takes it out of the other.
        Catalog catalog(Upstreams + "models.one.deployments = a:m, b:m\n"
                                    "models.two.deployments = a:m\n");
        CPPUNIT_ASSERT(catalog.group("one").deployments[0] == catalog.group("two").deployments[0]);
        const auto now = Clock::now();
        cool(*catalog.group("one").deployments[0], now);
        CPPUNIT_ASSERT(catalog.router->pick(catalog.group("two"), {}, now) == nullptr);
        CPPUNIT_ASSERT_EQUAL(std::string("b:m"), catalog.pickName("one", {}, now));
    }

    void testPatternsMatchTheLongestPrefix()
    {
        Catalog catalog(Upstreams + "models.all.name = *\nmodels.all.deployments = c:*\n"
                                    "models.oa.name = openai/*\nmodels.oa.deployments = a:*\n"
                                    "models.mini.name = openai/gpt-4o-mini*\nmodels.mini.deployments = b:mini*\n"
                                    "models.exact.name = openai/exact\nmodels.exact.deployments = b:x\n");
        CPPUNIT_ASSERT(catalog.router->find("openai/gpt-4o") == &catalog.group("openai/x"));
        CPPUNIT_ASSERT(catalog.router->find("openai/gpt-4o-mini-2024") != catalog.router->find("openai/gpt-4o"));
        CPPUNIT_ASSERT_EQUAL(std::string("b:mini*"),
                             catalog.router->find("openai/gpt-4o-mini-2024")->deployments[0]->config.name);
        CPPUNIT_ASSERT_EQUAL(std::string("b:x"), catalog.router->find("openai/exact")->deployments[0]->config.name);
        CPPUNIT_ASSERT_EQUAL(std::string("c:*"), catalog.router->find("anything")->deployments[0]->config.name);
        // The prefix alone matches nothing but the catch-all: the '*' must match something.
        CPPUNIT_ASSERT_EQUAL(std::string("c:*"), catalog.router->find("openai/")->deployments[0]->config.name);
        // Patterns are no model names for /v1/models.
        const auto& names = catalog.router->publicNames();
        CPPUNIT_ASSERT(std::find(names.begin(), names.end(), "openai/*") == names.end());
        CPPUNIT_ASSERT(std::find(names.begin(), names.end(), "openai/exact") != names.end());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RouterTest);
