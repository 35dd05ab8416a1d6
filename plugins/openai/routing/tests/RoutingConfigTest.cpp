// readRoutingConfig and upstreamsNamedByCatalog: groups with inline "<upstream>:<model>" items
// and named deployments.<id> blocks, aliases followed through chains, public names with dots
// and slashes, the defaults, and every bad config a ConfigError whose message names the key.

#include "TestPluginContext.h"
#include "routing/RoutingConfig.h"
#include "Poco/Util/MapConfiguration.h"
#include <cppunit/extensions/HelperMacros.h>
#include <algorithm>
#include <map>

using portico::ConfigError;
using portico::PluginConfig;
using namespace portico::openai;

namespace {

using Keys = std::map<std::string, std::string>;

PluginConfig section(const Keys& keys)
{
    Poco::AutoPtr<Poco::Util::MapConfiguration> map = new Poco::Util::MapConfiguration;
    for (const auto& [key, value] : keys)
        map->setString("openai." + key, value);
    return PluginConfig(map, "openai", "/etc/portico/portico.ini");
}

/// The rest of the [openai] section as the reader sees it: upstreams default (listing gpt-4o),
/// openai, azure and ollama; the two local models.
RoutingContext context(bool localEnabled = true)
{
    RoutingContext c;
    c.upstreams = {"default", "openai", "azure", "ollama"};
    if (localEnabled)
        c.localModels = {"portico-echo", "portico-embed"};
    c.servedDirectly = [localEnabled](const std::string& name) {
        return name == "gpt-4o" || (localEnabled && (name == "portico-echo" || name == "portico-embed"));
    };
    return c;
}

RoutingConfig read(const Keys& keys)
{
    const PluginConfig config = section(keys);
    return readRoutingConfig(config, context());
}

/// The message of the ConfigError that reading `keys` throws ("" when none).
std::string errorOf(const Keys& keys, const RoutingContext& routing = context())
{
    try
    {
        readRoutingConfig(section(keys), routing);
    }
    catch (const ConfigError& e)
    {
        return e.what();
    }
    return "";
}

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

/// Asserts that reading `keys` fails with a message naming `key` (as "[openai] <key>: ") and
/// holding `why`.
void assertError(const Keys& keys, const std::string& key, const std::string& why,
                 const RoutingContext& routing = context())
{
    const std::string message = errorOf(keys, routing);
    CPPUNIT_ASSERT_MESSAGE("no ConfigError; expected one naming " + key, !message.empty());
    CPPUNIT_ASSERT_MESSAGE("'" + message + "' does not name " + key,
                           contains(message, "/etc/portico/portico.ini: [openai] " + key + ": "));
    CPPUNIT_ASSERT_MESSAGE("'" + message + "' does not say '" + why + "'", contains(message, why));
}

const GroupConfig& group(const RoutingConfig& config, const std::string& name)
{
    for (const GroupConfig& g : config.groups)
        if (g.name == name)
            return g;
    CPPUNIT_FAIL("no group named " + name);
    throw 0;
}

const AliasConfig& alias(const RoutingConfig& config, const std::string& name)
{
    for (const AliasConfig& a : config.aliases)
        if (a.name == name)
            return a;
    CPPUNIT_FAIL("no alias named " + name);
    throw 0;
}

const DeploymentConfig& deployment(const RoutingConfig& config, const GroupConfig& g, std::size_t i)
{
    CPPUNIT_ASSERT(i < g.deployments.size());
    CPPUNIT_ASSERT(g.deployments[i] < config.deployments.size());
    return config.deployments[g.deployments[i]];
}

} // namespace

class RoutingConfigTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(RoutingConfigTest);
    CPPUNIT_TEST(testNoCatalog);
    CPPUNIT_TEST(testDefaults);
    CPPUNIT_TEST(testInlineAndNamedDeployments);
    CPPUNIT_TEST(testEveryGroupKey);
    CPPUNIT_TEST(testRoutingKeys);
    CPPUNIT_TEST(testSharedDeployments);
    CPPUNIT_TEST(testUnusedDeploymentBlockIsCheckedAndIgnored);
    CPPUNIT_TEST(testAliasesFollowChains);
    CPPUNIT_TEST(testPublicNamesWithDotsAndSlashes);
    CPPUNIT_TEST(testFromIniText);
    CPPUNIT_TEST(testUpstreamsNamedByCatalog);
    CPPUNIT_TEST(testAliasCycle);
    CPPUNIT_TEST(testAliasOfUnservedName);
    CPPUNIT_TEST(testFallbackErrors);
    CPPUNIT_TEST(testWeightErrors);
    CPPUNIT_TEST(testUnknownUpstream);
    CPPUNIT_TEST(testAliasAndDeploymentsTogether);
    CPPUNIT_TEST(testUnknownKeys);
    CPPUNIT_TEST(testBadIds);
    CPPUNIT_TEST(testPublicNameTwice);
    CPPUNIT_TEST(testLocalDeploymentErrors);
    CPPUNIT_TEST(testDefaultModel);
    CPPUNIT_TEST(testDeploymentErrors);
    CPPUNIT_TEST(testGroupValueErrors);
    CPPUNIT_TEST(testModelNameErrors);
    CPPUNIT_TEST(testPatterns);
    CPPUNIT_TEST_SUITE_END();

public:
    void testNoCatalog()
    {
        const auto config = read({{"upstream.url", "http://127.0.0.1:9000/v1"}});
        CPPUNIT_ASSERT(config.empty());
        CPPUNIT_ASSERT(config.deployments.empty());
        CPPUNIT_ASSERT(config.defaultModel.empty());
        CPPUNIT_ASSERT_EQUAL(3, config.cooldown.allowedFails);
    }

    void testDefaults()
    {
        const PluginConfig config = section({{"models.chat.deployments", "openai:gpt-4o-2024-08-06"}});
        const auto routing = readRoutingConfig(config, context());
        CPPUNIT_ASSERT(!routing.empty());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), routing.groups.size());
        CPPUNIT_ASSERT(routing.aliases.empty());
        const GroupConfig& g = routing.groups[0];
        CPPUNIT_ASSERT_EQUAL(std::string("chat"), g.id);
        CPPUNIT_ASSERT_EQUAL(std::string("chat"), g.name); // the id when no name is given
        CPPUNIT_ASSERT(g.strategy == Strategy::Weighted);
        CPPUNIT_ASSERT_EQUAL(3, g.maxAttempts);
        CPPUNIT_ASSERT((g.fallbackOn == std::vector<int>{429, 500, 502, 503, 504}));
        CPPUNIT_ASSERT(g.fallbacks.empty());
        CPPUNIT_ASSERT(g.contextFallbacks.empty());
        CPPUNIT_ASSERT_EQUAL(0LL, static_cast<long long>(g.deadline.count()));
        CPPUNIT_ASSERT_EQUAL(3, routing.cooldown.allowedFails);
        CPPUNIT_ASSERT_EQUAL(60000LL, static_cast<long long>(routing.cooldown.failureWindow.count()));
        CPPUNIT_ASSERT_EQUAL(30000LL, static_cast<long long>(routing.cooldown.cooldown.count()));
        CPPUNIT_ASSERT(routing.defaultModel.empty());

        CPPUNIT_ASSERT_EQUAL(std::size_t(1), routing.deployments.size());
        const DeploymentConfig& d = deployment(routing, g, 0);
        CPPUNIT_ASSERT_EQUAL(std::string("models.chat.deployments"), d.key);
        CPPUNIT_ASSERT_EQUAL(std::string("openai:gpt-4o-2024-08-06"), d.name);
        CPPUNIT_ASSERT_EQUAL(std::string("openai"), d.upstream);
        CPPUNIT_ASSERT_EQUAL(std::string("gpt-4o-2024-08-06"), d.model);
        CPPUNIT_ASSERT_EQUAL(1.0, d.weight);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), d.rpm);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), d.tpm);
        CPPUNIT_ASSERT(!d.connectTimeout);
        CPPUNIT_ASSERT(!d.readTimeout);
        CPPUNIT_ASSERT(!d.local());
        // Every key of the catalog counts as read (the host fails on unread keys).
        CPPUNIT_ASSERT(config.unreadKeys().empty());
    }

    void testInlineAndNamedDeployments()
    {
        const PluginConfig config = section({
            {"models.chat.deployments", "openai:gpt-4o, east, local:portico-echo, ollama:llama3:8b"},
            {"deployments.east.upstream", "azure"},
            {"deployments.east.model", "gpt-4o-east"},
            {"deployments.east.weight", "2.5"},
            {"deployments.east.rpm", "600"},
            {"deployments.east.tpm", "150000"},
            {"deployments.east.connect_timeout_ms", "250"},
            {"deployments.east.read_timeout_ms", "9000"},
        });
        const auto routing = readRoutingConfig(config, context());
        const GroupConfig& g = group(routing, "chat");
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), g.deployments.size());

        const DeploymentConfig& openai = deployment(routing, g, 0);
        CPPUNIT_ASSERT_EQUAL(std::string("openai:gpt-4o"), openai.name);
        CPPUNIT_ASSERT_EQUAL(std::string("openai"), openai.upstream);
        CPPUNIT_ASSERT_EQUAL(std::string("gpt-4o"), openai.model);

        const DeploymentConfig& east = deployment(routing, g, 1);
        CPPUNIT_ASSERT_EQUAL(std::string("deployments.east"), east.key);
        CPPUNIT_ASSERT_EQUAL(std::string("east"), east.name);
        CPPUNIT_ASSERT_EQUAL(std::string("azure"), east.upstream);
        CPPUNIT_ASSERT_EQUAL(std::string("gpt-4o-east"), east.model);
        CPPUNIT_ASSERT_EQUAL(2.5, east.weight);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(600), east.rpm);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(150000), east.tpm);
        CPPUNIT_ASSERT(east.connectTimeout && east.connectTimeout->count() == 250);
        CPPUNIT_ASSERT(east.readTimeout && east.readTimeout->count() == 9000);

        const DeploymentConfig& local = deployment(routing, g, 2);
        CPPUNIT_ASSERT(local.local());
        CPPUNIT_ASSERT(local.upstream.empty());
        CPPUNIT_ASSERT_EQUAL(std::string("local:portico-echo"), local.name);
        CPPUNIT_ASSERT_EQUAL(std::string("portico-echo"), local.model);

        // The first ':' splits: the model keeps its own colons.
        const DeploymentConfig& ollama = deployment(routing, g, 3);
        CPPUNIT_ASSERT_EQUAL(std::string("ollama"), ollama.upstream);
        CPPUNIT_ASSERT_EQUAL(std::string("llama3:8b"), ollama.model);
        CPPUNIT_ASSERT(config.unreadKeys().empty());
    }

    void testEveryGroupKey()
    {
        const auto routing = read({
            {"models.big.deployments", "openai:gpt-4o, azure:gpt-4o"},
            {"models.big.strategy", "least_busy"},
            {"models.big.fallbacks", "small, gpt-4o"},
            {"models.big.context_fallbacks", "long"},
            {"models.big.fallback_on", " 429 , 503,500"},
            {"models.big.max_attempts", "7"},
            {"models.big.deadline_ms", "20000"},
            {"models.small.deployments", "openai:gpt-4o-mini"},
            {"models.small.strategy", "latency"},
            {"models.long.deployments", "openai:gpt-4.1"},
        });
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), routing.groups.size());
        const GroupConfig& big = group(routing, "big");
        CPPUNIT_ASSERT(big.strategy == Strategy::LeastBusy);
        CPPUNIT_ASSERT((big.fallbacks == std::vector<std::string>{"small", "gpt-4o"}));
        CPPUNIT_ASSERT((big.contextFallbacks == std::vector<std::string>{"long"}));
        CPPUNIT_ASSERT((big.fallbackOn == std::vector<int>{429, 503, 500}));
        CPPUNIT_ASSERT_EQUAL(7, big.maxAttempts);
        CPPUNIT_ASSERT_EQUAL(20000LL, static_cast<long long>(big.deadline.count()));
        CPPUNIT_ASSERT(group(routing, "small").strategy == Strategy::Latency);
        CPPUNIT_ASSERT(group(routing, "long").strategy == Strategy::Weighted);

        // An empty fallback_on: no status moves on.
        const auto none = read({{"models.a.deployments", "openai:x"}, {"models.a.fallback_on", ""}});
        CPPUNIT_ASSERT(group(none, "a").fallbackOn.empty());
    }

    void testRoutingKeys()
    {
        const auto routing = read({{"models.a.deployments", "openai:x"},
                                   {"routing.allowed_fails", "0"},
                                   {"routing.failure_window_ms", "1500"},
                                   {"routing.cooldown_ms", "250"}});
        CPPUNIT_ASSERT_EQUAL(0, routing.cooldown.allowedFails);
        CPPUNIT_ASSERT_EQUAL(1500LL, static_cast<long long>(routing.cooldown.failureWindow.count()));
        CPPUNIT_ASSERT_EQUAL(250LL, static_cast<long long>(routing.cooldown.cooldown.count()));
        assertError({{"models.a.deployments", "openai:x"}, {"routing.cooldown_ms", "0"}}, "routing.cooldown_ms",
                    "between 1 and");
        assertError({{"models.a.deployments", "openai:x"}, {"routing.allowed_fails", "-1"}}, "routing.allowed_fails",
                    "between 0 and");
        assertError({{"models.a.deployments", "openai:x"}, {"routing.failure_window_ms", "x"}},
                    "routing.failure_window_ms", "expected an integer");
    }

    void testSharedDeployments()
    {
        // The same item in two groups is one deployment (one state: one breaker, one rpm count).
        const auto routing = read({{"models.a.deployments", "openai:gpt-4o, shared"},
                                   {"models.b.deployments", "shared, openai:gpt-4o"},
                                   {"deployments.shared.upstream", "azure"},
                                   {"deployments.shared.model", "gpt-4o"}});
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), routing.deployments.size());
        const GroupConfig& a = group(routing, "a");
        const GroupConfig& b = group(routing, "b");
        CPPUNIT_ASSERT_EQUAL(a.deployments[0], b.deployments[1]);
        CPPUNIT_ASSERT_EQUAL(a.deployments[1], b.deployments[0]);
        CPPUNIT_ASSERT(a.deployments[0] != a.deployments[1]);
    }

    void testUnusedDeploymentBlockIsCheckedAndIgnored()
    {
        const auto routing = read({{"models.a.deployments", "openai:x"},
                                   {"deployments.spare.upstream", "azure"},
                                   {"deployments.spare.model", "y"}});
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), routing.deployments.size());
        CPPUNIT_ASSERT_EQUAL(std::string("openai:x"), routing.deployments[0].name);
        // Checked all the same.
        assertError({{"models.a.deployments", "openai:x"},
                     {"deployments.spare.upstream", "nowhere"},
                     {"deployments.spare.model", "y"}},
                    "deployments.spare.upstream", "unknown upstream 'nowhere'");
    }

    void testAliasesFollowChains()
    {
        const auto routing = read({
            {"models.chat.deployments", "openai:gpt-4o"},
            {"models.a.alias_of", "b"},      // a -> b -> c -> chat
            {"models.b.alias_of", "c"},
            {"models.c.alias_of", "chat"},
            {"models.direct.alias_of", "gpt-4o"},  // served without the catalog (upstream lists it)
            {"models.echo.alias_of", "portico-echo"},
            {"models.named.alias_of", "a"},
            {"models.named.name", "team/latest"},
        });
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), routing.groups.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(6), routing.aliases.size());
        CPPUNIT_ASSERT_EQUAL(std::string("chat"), alias(routing, "a").target);
        CPPUNIT_ASSERT_EQUAL(std::string("chat"), alias(routing, "b").target);
        CPPUNIT_ASSERT_EQUAL(std::string("chat"), alias(routing, "c").target);
        CPPUNIT_ASSERT_EQUAL(std::string("gpt-4o"), alias(routing, "direct").target);
        CPPUNIT_ASSERT_EQUAL(std::string("portico-echo"), alias(routing, "echo").target);
        const AliasConfig& named = alias(routing, "team/latest");
        CPPUNIT_ASSERT_EQUAL(std::string("named"), named.id);
        CPPUNIT_ASSERT_EQUAL(std::string("chat"), named.target);
    }

    void testPublicNamesWithDotsAndSlashes()
    {
        const auto routing = read({
            {"models.gpt41.name", "openai/gpt-4.1"},
            {"models.gpt41.deployments", "openai:gpt-4.1, azure:gpt-4.1"},
            {"models.mini.name", "gpt-4.1-mini"},
            {"models.mini.deployments", "openai:gpt-4.1-mini"},
            {"models.mini.fallbacks", "openai/gpt-4.1"},
            {"models.latest.name", "latest.v2"},
            {"models.latest.alias_of", "openai/gpt-4.1"},
            {"default_model", "latest.v2"},
        });
        const GroupConfig& gpt41 = group(routing, "openai/gpt-4.1");
        CPPUNIT_ASSERT_EQUAL(std::string("gpt41"), gpt41.id);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), gpt41.deployments.size());
        CPPUNIT_ASSERT_EQUAL(std::string("gpt-4.1"), deployment(routing, gpt41, 1).model);
        const GroupConfig& mini = group(routing, "gpt-4.1-mini");
        CPPUNIT_ASSERT((mini.fallbacks == std::vector<std::string>{"openai/gpt-4.1"}));
        CPPUNIT_ASSERT_EQUAL(std::string("openai/gpt-4.1"), alias(routing, "latest.v2").target);
        CPPUNIT_ASSERT_EQUAL(std::string("latest.v2"), routing.defaultModel);
        // The public name replaces the id: the id is no name clients can send.
        assertError({{"models.gpt41.name", "openai/gpt-4.1"},
                     {"models.gpt41.deployments", "openai:gpt-4.1"},
                     {"models.x.alias_of", "gpt41"}},
                    "models.x.alias_of", "'gpt41' is not a model this gateway serves");
    }

    void testFromIniText()
    {
        portico::test::TestPluginContext plugin("[openai]\n"
                                                "models.chat.name = acme/chat-4.5\n"
                                                "models.chat.deployments = openai:gpt-4o, east\n"
                                                "models.chat.strategy = latency\n"
                                                "models.fast.alias_of = acme/chat-4.5\n"
                                                "deployments.east.upstream = azure\n"
                                                "deployments.east.model = gpt-4o\n"
                                                "deployments.east.weight = 0.5\n"
                                                "routing.cooldown_ms = 1000\n"
                                                "default_model = fast\n",
                                                "openai");
        const auto routing = readRoutingConfig(plugin.config(), context());
        const GroupConfig& chat = group(routing, "acme/chat-4.5");
        CPPUNIT_ASSERT(chat.strategy == Strategy::Latency);
        CPPUNIT_ASSERT_EQUAL(0.5, deployment(routing, chat, 1).weight);
        CPPUNIT_ASSERT_EQUAL(std::string("acme/chat-4.5"), alias(routing, "fast").target);
        CPPUNIT_ASSERT_EQUAL(1000LL, static_cast<long long>(routing.cooldown.cooldown.count()));
        CPPUNIT_ASSERT_EQUAL(std::string("fast"), routing.defaultModel);
        CPPUNIT_ASSERT(plugin.config().unreadKeys().empty());
    }

    void testUpstreamsNamedByCatalog()
    {
        const PluginConfig config = section({
            {"models.chat.deployments", "openai:gpt-4o, east, local:portico-echo, ollama:llama3:8b"},
            {"models.alias.alias_of", "chat"},
            {"deployments.east.upstream", "azure"},
            {"deployments.east.model", "gpt-4o"},
            {"deployments.here.upstream", "local"},
            {"deployments.here.model", "portico-echo"},
            {"upstream.url", "http://127.0.0.1:9/v1"},
        });
        CPPUNIT_ASSERT((upstreamsNamedByCatalog(config) == std::set<std::string>{"azure", "ollama", "openai"}));
        CPPUNIT_ASSERT(upstreamsNamedByCatalog(section({{"upstream.url", "http://127.0.0.1:9/v1"}})).empty());
    }

    void testAliasCycle()
    {
        assertError({{"models.a.alias_of", "b"}, {"models.b.alias_of", "a"}}, "models.b.alias_of",
                    "alias cycle: a -> b -> a");
        assertError({{"models.a.alias_of", "a"}}, "models.a.alias_of", "alias cycle: a -> a");
        // Through public names.
        assertError({{"models.a.name", "x/1"},
                     {"models.a.alias_of", "y/2"},
                     {"models.b.name", "y/2"},
                     {"models.b.alias_of", "x/1"}},
                    "models.b.alias_of", "alias cycle: x/1 -> y/2 -> x/1");
        // A cycle that the first alias only leads into.
        assertError({{"models.a.alias_of", "b"}, {"models.b.alias_of", "c"}, {"models.c.alias_of", "b"}},
                    "models.c.alias_of", "alias cycle: a -> b -> c -> b");
    }

    void testAliasOfUnservedName()
    {
        assertError({{"models.a.alias_of", "nobody-serves-this"}}, "models.a.alias_of",
                    "'nobody-serves-this' is not a model this gateway serves");
        assertError({{"models.a.alias_of", ""}}, "models.a.alias_of", "must not be empty");
    }

    void testFallbackErrors()
    {
        assertError({{"models.chat.deployments", "openai:gpt-4o"}, {"models.chat.fallbacks", "gpt-4o, nope"}},
                    "models.chat.fallbacks", "unknown model 'nope'");
        assertError({{"models.chat.deployments", "openai:gpt-4o"}, {"models.chat.context_fallbacks", "nope"}},
                    "models.chat.context_fallbacks", "unknown model 'nope'");
        assertError({{"models.chat.deployments", "openai:gpt-4o"}, {"models.chat.fallbacks", "chat"}},
                    "models.chat.fallbacks", "cannot fall back to itself");
    }

    void testWeightErrors()
    {
        assertError({{"models.chat.deployments", "d"},
                     {"deployments.d.upstream", "openai"},
                     {"deployments.d.model", "gpt-4o"},
                     {"deployments.d.weight", "-1"}},
                    "deployments.d.weight", "must be between 0");
        assertError({{"models.chat.deployments", "d"},
                     {"deployments.d.upstream", "openai"},
                     {"deployments.d.model", "gpt-4o"},
                     {"deployments.d.weight", "heavy"}},
                    "deployments.d.weight", "expected a number");
        assertError({{"models.chat.deployments", "d, e"},
                     {"deployments.d.upstream", "openai"},
                     {"deployments.d.model", "gpt-4o"},
                     {"deployments.d.weight", "0"},
                     {"deployments.e.upstream", "azure"},
                     {"deployments.e.model", "gpt-4o"},
                     {"deployments.e.weight", "0.0"}},
                    "models.chat.deployments", "every deployment has weight 0");
        // One weight 0 beside a positive one is fine.
        const auto routing = read({{"models.chat.deployments", "d, openai:gpt-4o"},
                                   {"deployments.d.upstream", "azure"},
                                   {"deployments.d.model", "gpt-4o"},
                                   {"deployments.d.weight", "0"}});
        CPPUNIT_ASSERT_EQUAL(0.0, deployment(routing, group(routing, "chat"), 0).weight);
    }

    void testUnknownUpstream()
    {
        assertError({{"models.chat.deployments", "d"},
                     {"deployments.d.upstream", "nowhere"},
                     {"deployments.d.model", "gpt-4o"}},
                    "deployments.d.upstream", "unknown upstream 'nowhere'");
        assertError({{"models.chat.deployments", "nowhere:gpt-4o"}}, "models.chat.deployments",
                    "unknown upstream 'nowhere'");
        // An upstream really called "local" clashes with the local models' name.
        RoutingContext clash = context();
        clash.upstreams.push_back("local");
        assertError({{"models.chat.deployments", "local:portico-echo"}}, "models.chat.deployments",
                    "an upstream is called 'local' too", clash);
    }

    void testAliasAndDeploymentsTogether()
    {
        assertError({{"models.x.alias_of", "gpt-4o"}, {"models.x.deployments", "openai:gpt-4o"}}, "models.x.alias_of",
                    "either alias_of or deployments, not both");
        assertError({{"models.x.strategy", "weighted"}}, "models.x.deployments", "a model needs deployments");
        assertError({{"models.x.deployments", ""}}, "models.x.deployments", "empty");
        assertError({{"models.x.deployments", " , "}}, "models.x.deployments", "empty");
    }

    void testUnknownKeys()
    {
        assertError({{"models.x.deployments", "openai:gpt-4o"}, {"models.x.typo", "1"}}, "models.x.typo",
                    "unknown key 'typo'");
        assertError({{"models.x.deployments", "d"},
                     {"deployments.d.upstream", "openai"},
                     {"deployments.d.model", "gpt-4o"},
                     {"deployments.d.weigth", "2"}},
                    "deployments.d.weigth", "unknown key 'weigth'");
        assertError({{"models.x.deployments", "openai:gpt-4o"}, {"routing.cooldown", "5"}}, "routing.cooldown",
                    "unknown key");
        assertError({{"models.x", "openai:gpt-4o"}}, "models.x", "expected models.<id>.<key>");
        assertError({{"models.x.deployments", "openai:gpt-4o"}, {"models.x.name.extra", "y"}},
                    "models.x.name.extra", "unknown key 'name.extra'");
    }

    void testBadIds()
    {
        assertError({{"models.a+b.deployments", "openai:gpt-4o"}}, "models.a+b.deployments",
                    "'a+b' is not an id");
        assertError({{"models.x.deployments", "d@1"},
                     {"deployments.d@1.upstream", "openai"},
                     {"deployments.d@1.model", "gpt-4o"}},
                    "deployments.d@1.model", "'d@1' is not an id"); // the block's first key
    }

    void testPublicNameTwice()
    {
        assertError({{"models.a.name", "gpt-x"},
                     {"models.a.deployments", "openai:gpt-4o"},
                     {"models.b.name", "gpt-x"},
                     {"models.b.deployments", "azure:gpt-4o"}},
                    "models.b.name", "the model name 'gpt-x' is given twice (models.a and models.b)");
        // A name equal to another block's id (its default name).
        assertError({{"models.a.deployments", "openai:gpt-4o"},
                     {"models.b.name", "a"},
                     {"models.b.alias_of", "gpt-4o"}},
                    "models.b.name", "given twice");
    }

    void testLocalDeploymentErrors()
    {
        assertError({{"models.x.deployments", "local:gpt-4o"}}, "models.x.deployments",
                    "'gpt-4o' is not a local model");
        assertError({{"models.x.deployments", "d"},
                     {"deployments.d.upstream", "local"},
                     {"deployments.d.model", "gpt-4o"}},
                    "deployments.d.model", "'gpt-4o' is not a local model");
        assertError({{"models.x.deployments", "local:portico-echo"}}, "models.x.deployments",
                    "the local models are off", context(false));
        assertError({{"models.x.deployments", "d"},
                     {"deployments.d.upstream", "local"},
                     {"deployments.d.model", "portico-echo"},
                     {"deployments.d.read_timeout_ms", "1000"}},
                    "deployments.d.read_timeout_ms", "a local deployment has no connection");
        assertError({{"models.x.deployments", "d"},
                     {"deployments.d.upstream", "local"},
                     {"deployments.d.model", "portico-echo"},
                     {"deployments.d.connect_timeout_ms", "1000"}},
                    "deployments.d.connect_timeout_ms", "a local deployment has no connection");
        // A local deployment of a local model is fine.
        const auto routing = read({{"models.x.deployments", "d"},
                                   {"deployments.d.upstream", "local"},
                                   {"deployments.d.model", "portico-embed"}});
        CPPUNIT_ASSERT(routing.deployments.at(0).local());
    }

    void testDefaultModel()
    {
        assertError({{"models.x.deployments", "openai:gpt-4o"}, {"default_model", "unknown-model"}}, "default_model",
                    "'unknown-model' is not a model this gateway serves");
        // A model served without the catalog may be the default, with or without a catalog.
        CPPUNIT_ASSERT_EQUAL(std::string("gpt-4o"), read({{"default_model", "gpt-4o"}}).defaultModel);
        CPPUNIT_ASSERT_EQUAL(std::string("x"),
                             read({{"models.x.deployments", "openai:gpt-4o"}, {"default_model", "x"}}).defaultModel);
    }

    void testDeploymentErrors()
    {
        assertError({{"models.x.deployments", "d"}, {"deployments.d.model", "gpt-4o"}}, "deployments.d.upstream",
                    "required");
        assertError({{"models.x.deployments", "d"}, {"deployments.d.upstream", "openai"}}, "deployments.d.model",
                    "must not be empty");
        assertError({{"models.x.deployments", "ghost"}}, "models.x.deployments",
                    "'ghost' is neither a deployment");
        assertError({{"models.x.deployments", "openai:gpt-4o, openai:gpt-4o"}}, "models.x.deployments",
                    "'openai:gpt-4o' is listed twice");
        assertError({{"models.x.deployments", "openai:"}}, "models.x.deployments", "must not be empty");
        assertError({{"models.x.deployments", "d"},
                     {"deployments.d.upstream", "openai"},
                     {"deployments.d.model", "gpt-4o"},
                     {"deployments.d.rpm", "-5"}},
                    "deployments.d.rpm", "must be between 0");
        assertError({{"models.x.deployments", "d"},
                     {"deployments.d.upstream", "openai"},
                     {"deployments.d.model", "gpt-4o"},
                     {"deployments.d.connect_timeout_ms", "0"}},
                    "deployments.d.connect_timeout_ms", "must be between 1");
    }

    void testGroupValueErrors()
    {
        assertError({{"models.x.deployments", "openai:gpt-4o"}, {"models.x.strategy", "random"}}, "models.x.strategy",
                    "'random' is not weighted, least_busy or latency");
        assertError({{"models.x.deployments", "openai:gpt-4o"}, {"models.x.fallback_on", "429, 200"}},
                    "models.x.fallback_on", "'200' is not a status from 400 to 599");
        assertError({{"models.x.deployments", "openai:gpt-4o"}, {"models.x.fallback_on", "5xx"}},
                    "models.x.fallback_on", "'5xx' is not a status");
        assertError({{"models.x.deployments", "openai:gpt-4o"}, {"models.x.fallback_on", "0429"}},
                    "models.x.fallback_on", "'0429' is not a status");
        assertError({{"models.x.deployments", "openai:gpt-4o"}, {"models.x.max_attempts", "0"}},
                    "models.x.max_attempts", "must be between 1 and 100");
        assertError({{"models.x.deployments", "openai:gpt-4o"}, {"models.x.deadline_ms", "-1"}},
                    "models.x.deadline_ms", "must be between 0");
    }

    void testModelNameErrors()
    {
        assertError({{"models.x.deployments", "openai:gpt-4o"}, {"models.x.name", "a\x01" "b"}}, "models.x.name",
                    "control character");
        assertError({{"models.x.deployments", "openai:gpt-4o"}, {"models.x.name", std::string(257, 'm')}},
                    "models.x.name", "at most 256 bytes");
        assertError({{"models.x.deployments", "d"},
                     {"deployments.d.upstream", "openai"},
                     {"deployments.d.model", "a,b"}},
                    "deployments.d.model", "comma");
    }

    void testPatterns()
    {
        const RoutingConfig config = read({{"models.oa.name", "openai/*"}, {"models.oa.deployments", "openai:*"},
                                           {"models.az.name", "azure/*"},
                                           {"models.az.deployments", "azure:deployed-*, openai:*"}});
        CPPUNIT_ASSERT(group(config, "openai/*").pattern);
        CPPUNIT_ASSERT_EQUAL(std::string("*"), config.deployments[group(config, "openai/*").deployments[0]].model);
        CPPUNIT_ASSERT(!group(read({{"models.chat.deployments", "openai:gpt-4o"}}), "chat").pattern);

        // A '*' only last in a pattern name, once in a deployment's model, and there only for a
        // pattern; never in an alias, a fallback or default_model.
        assertError({{"models.oa.name", "open*ai"}, {"models.oa.deployments", "openai:*"}}, "models.oa.name", "at the end");
        assertError({{"models.oa.name", "openai/**"}, {"models.oa.deployments", "openai:*"}}, "models.oa.name", "one '*'");
        assertError({{"models.chat.deployments", "openai:gpt-*"}}, "models.chat.deployments", "is no pattern");
        assertError({{"models.oa.name", "openai/*"}, {"models.oa.deployments", "openai:*-*"}}, "models.oa.deployments",
                    "one '*'");
        assertError({{"models.oa.name", "openai/*"}, {"models.oa.alias_of", "gpt-4o"}}, "models.oa.name",
                    "needs deployments");
        assertError({{"models.chat.deployments", "openai:gpt-4o"}, {"models.chat.fallbacks", "openai/*"}},
                    "models.chat.fallbacks", "belongs only in a pattern");
        assertError({{"models.oa.name", "openai/*"}, {"models.oa.deployments", "openai:*"}, {"default_model", "openai/*"}},
                    "default_model", "belongs only in a pattern");
        assertError({{"models.oa.name", "openai/*"}, {"models.oa.deployments", "local:*"}}, "models.oa.deployments",
                    "is not a local model");
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RoutingConfigTest);
