// readPassThroughRoutes: defaults, normalised prefixes, methods, and every config error naming
// its key and file; checkUpstreams naming the unknown upstream.

#include "PassThroughConfig.h"
#include "Poco/Util/MapConfiguration.h"
#include <cppunit/extensions/HelperMacros.h>

using portico::ConfigError;
using portico::PluginConfig;
using namespace portico::openai;

namespace {

PluginConfig section(const std::map<std::string, std::string>& keys)
{
    Poco::AutoPtr<Poco::Util::MapConfiguration> map = new Poco::Util::MapConfiguration;
    for (const auto& [key, value] : keys)
        map->setString("openai." + key, value);
    return PluginConfig(map, "openai", "/etc/portico/portico.ini");
}

std::string errorOf(const std::map<std::string, std::string>& keys)
{
    try
    {
        readPassThroughRoutes(section(keys));
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

using Strings = std::vector<std::string>;

} // namespace

class PassThroughConfigTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(PassThroughConfigTest);
    CPPUNIT_TEST(testNone);
    CPPUNIT_TEST(testDefaults);
    CPPUNIT_TEST(testPrefixesAreNormalised);
    CPPUNIT_TEST(testMethods);
    CPPUNIT_TEST(testErrorsNameKeyAndFile);
    CPPUNIT_TEST(testBadPrefixes);
    CPPUNIT_TEST(testUnknownUpstream);
    CPPUNIT_TEST(testEveryKeyIsRead);
    CPPUNIT_TEST_SUITE_END();

public:
    void testNone() { CPPUNIT_ASSERT(readPassThroughRoutes(section({{"upstream.url", "http://x/v1"}})).empty()); }

    void testDefaults()
    {
        const auto routes = readPassThroughRoutes(section({{"passthrough.dreams.prefix", "/v1/dreams"},
                                                           {"passthrough.dreams.upstream", "svc"}}));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), routes.size());
        CPPUNIT_ASSERT_EQUAL(std::string("dreams"), routes[0].id);
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/dreams"), routes[0].prefix);
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/dreams/**"), routes[0].pattern());
        CPPUNIT_ASSERT_EQUAL(std::string("svc"), routes[0].upstream);
        CPPUNIT_ASSERT((Strings{"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) == routes[0].methods);
        CPPUNIT_ASSERT((std::set<std::string>{"svc"}) == upstreamsNamedByPassThrough(routes));
    }

    void testPrefixesAreNormalised()
    {
        const auto routes = readPassThroughRoutes(section({{"passthrough.a.prefix", "/v1/feedback/"},
                                                           {"passthrough.a.upstream", "default"},
                                                           {"passthrough.all.prefix", "/"},
                                                           {"passthrough.all.upstream", "default"}}));
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), routes.size());
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/feedback"), routes[0].prefix);
        CPPUNIT_ASSERT_EQUAL(std::string(""), routes[1].prefix);
        CPPUNIT_ASSERT_EQUAL(std::string("/**"), routes[1].pattern());
    }

    void testMethods()
    {
        const auto routes = readPassThroughRoutes(section({{"passthrough.a.prefix", "/a"},
                                                           {"passthrough.a.upstream", "default"},
                                                           {"passthrough.a.methods", "get, head, Post, GET, PROPFIND"}}));
        // HEAD comes with GET; duplicates once; extension methods are tokens like any other.
        CPPUNIT_ASSERT((Strings{"GET", "POST", "PROPFIND"}) == routes[0].methods);
        CPPUNIT_ASSERT(contains(errorOf({{"passthrough.a.prefix", "/a"},
                                         {"passthrough.a.upstream", "default"},
                                         {"passthrough.a.methods", "GET, BAD METHOD"}}),
                                "passthrough.a.methods"));
        CPPUNIT_ASSERT(contains(errorOf({{"passthrough.a.prefix", "/a"},
                                         {"passthrough.a.upstream", "default"},
                                         {"passthrough.a.methods", "CONNECT"}}),
                                "CONNECT"));
        CPPUNIT_ASSERT(contains(errorOf({{"passthrough.a.prefix", "/a"},
                                         {"passthrough.a.upstream", "default"},
                                         {"passthrough.a.methods", "HEAD"}}),
                                "list GET"));
    }

    void testErrorsNameKeyAndFile()
    {
        const std::string missingPrefix = errorOf({{"passthrough.a.upstream", "default"}});
        CPPUNIT_ASSERT(contains(missingPrefix, "/etc/portico/portico.ini"));
        CPPUNIT_ASSERT(contains(missingPrefix, "passthrough.a.prefix"));
        CPPUNIT_ASSERT(contains(errorOf({{"passthrough.a.prefix", "/a"}}), "passthrough.a.upstream"));
        CPPUNIT_ASSERT(contains(errorOf({{"passthrough.a.prefix", "/a"}, {"passthrough.a.upstream", "default"},
                                         {"passthrough.a.upstream_url", "x"}}),
                                "unknown key 'upstream_url'"));
        CPPUNIT_ASSERT(contains(errorOf({{"passthrough.prefix", "/a"}}), "passthrough.<id>.<key>"));
        CPPUNIT_ASSERT(contains(errorOf({{"passthrough.a b.prefix", "/a"}}), "not an id"));
        const std::string twice = errorOf({{"passthrough.a.prefix", "/x"},
                                           {"passthrough.a.upstream", "default"},
                                           {"passthrough.b.prefix", "/x/"},
                                           {"passthrough.b.upstream", "default"}});
        CPPUNIT_ASSERT(contains(twice, "passthrough.b.prefix"));
        CPPUNIT_ASSERT(contains(twice, "already passed through by passthrough.a"));
    }

    void testBadPrefixes()
    {
        for (const char* prefix : {"v1/dreams", "", "/v1/dreams?x=1", "/v1/%64reams", "/v1/*", "/v1/{id}", "/v1//x",
                                   "/v1/./x", "/v1/../admin", "/v1/dr eams", "/v1/\xc3\xa9", "/v1#x"})
        {
            const std::string error =
                errorOf({{"passthrough.a.prefix", prefix}, {"passthrough.a.upstream", "default"}});
            CPPUNIT_ASSERT_MESSAGE(prefix, contains(error, "passthrough.a.prefix"));
        }
    }

    void testUnknownUpstream()
    {
        const PluginConfig config = section({{"passthrough.a.prefix", "/a"}, {"passthrough.a.upstream", "svc"}});
        const auto routes = readPassThroughRoutes(config);
        checkUpstreams(config, routes, {"svc"});
        try
        {
            checkUpstreams(config, routes, {"default", "vllm"});
            CPPUNIT_FAIL("an unknown upstream was accepted");
        }
        catch (const ConfigError& e)
        {
            CPPUNIT_ASSERT(contains(e.what(), "passthrough.a.upstream"));
            CPPUNIT_ASSERT(contains(e.what(), "unknown upstream 'svc' (configured: default, vllm)"));
        }
        try
        {
            checkUpstreams(config, routes, {});
            CPPUNIT_FAIL("a pass-through without upstreams was accepted");
        }
        catch (const ConfigError& e)
        {
            CPPUNIT_ASSERT(contains(e.what(), "add upstream.url"));
        }
    }

    void testEveryKeyIsRead()
    {
        const PluginConfig config = section({{"passthrough.a.prefix", "/a"},
                                             {"passthrough.a.upstream", "default"},
                                             {"passthrough.a.methods", "GET"}});
        readPassThroughRoutes(config);
        CPPUNIT_ASSERT(config.unreadKeys().empty());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PassThroughConfigTest);
