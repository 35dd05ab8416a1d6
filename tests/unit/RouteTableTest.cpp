// RouteTable: literal and {param} routes, "/**" prefixes, HEAD on GET routes, the allowed methods
// behind a 405, and the registration errors.

#include "TestAsserts.h"
#include "http/RouteTable.h"
#include <cppunit/extensions/HelperMacros.h>

using portico::Exchange;
using portico::Route;
using portico::RouteTable;
using portico::test::messageOf;

namespace {

Route route(const std::string& method, const std::string& pattern)
{
    return Route{method, pattern, [](Exchange&) {}};
}

using Strings = std::vector<std::string>;
using Params = std::vector<std::pair<std::string, std::string>>;

} // namespace

class RouteTableTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(RouteTableTest);
    CPPUNIT_TEST(testLiteralRoute);
    CPPUNIT_TEST(testHeadIsServedByGet);
    CPPUNIT_TEST(testAllowedMethodsForA405);
    CPPUNIT_TEST(testNoRouteAtAll);
    CPPUNIT_TEST(testParameters);
    CPPUNIT_TEST(testParameterNeedsANonEmptySegment);
    CPPUNIT_TEST(testLiteralWinsOverPattern);
    CPPUNIT_TEST(testPatternAllowedMethods);
    CPPUNIT_TEST(testDuplicateNamesBothOwners);
    CPPUNIT_TEST(testBadRegistrations);
    CPPUNIT_TEST(testRoutesKeepRegistrationOrder);
    CPPUNIT_TEST(testPrefixMatchesItselfAndBelow);
    CPPUNIT_TEST(testLongestPrefixWins);
    CPPUNIT_TEST(testExactRoutesWinOverPrefixes);
    CPPUNIT_TEST(testPrefixAllowedMethods);
    CPPUNIT_TEST(testRootPrefixClaimsEveryPath);
    CPPUNIT_TEST(testBadPrefixPatterns);
    CPPUNIT_TEST(testDocumentedPattern);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override { table_ = RouteTable(); }

    void testLiteralRoute()
    {
        table_.add(route("GET", "/healthz"), "core");
        const auto match = table_.match("GET", "/healthz");
        CPPUNIT_ASSERT(match.route);
        CPPUNIT_ASSERT_EQUAL(std::string("/healthz"), match.route->pattern);
        CPPUNIT_ASSERT(match.params.empty());
        CPPUNIT_ASSERT(!table_.match("GET", "/healthz/").route);
        CPPUNIT_ASSERT(!table_.match("GET", "/Healthz").route);
        CPPUNIT_ASSERT(!table_.match("GET", "/health").route);
    }

    void testHeadIsServedByGet()
    {
        table_.add(route("GET", "/a"), "t");
        table_.add(route("POST", "/b"), "t");
        CPPUNIT_ASSERT(table_.match("HEAD", "/a").route);
        const auto onPost = table_.match("HEAD", "/b");
        CPPUNIT_ASSERT(!onPost.route);
        CPPUNIT_ASSERT(onPost.allowed == Strings{"POST"});
    }

    void testAllowedMethodsForA405()
    {
        table_.add(route("GET", "/v1/models"), "t");
        table_.add(route("POST", "/v1/models"), "t");
        const auto match = table_.match("DELETE", "/v1/models");
        CPPUNIT_ASSERT(!match.route);
        CPPUNIT_ASSERT(match.allowed == (Strings{"GET", "HEAD", "POST"}));
        CPPUNIT_ASSERT_EQUAL(std::string("POST"), table_.match("POST", "/v1/models").route->method);
    }

    void testNoRouteAtAll()
    {
        table_.add(route("GET", "/a"), "t");
        const auto match = table_.match("GET", "/b");
        CPPUNIT_ASSERT(!match.route);
        CPPUNIT_ASSERT(match.allowed.empty());
    }

    void testParameters()
    {
        table_.add(route("GET", "/v1/models/{id}"), "t");
        table_.add(route("GET", "/v1/{kind}/items/{item}"), "t");
        auto match = table_.match("GET", "/v1/models/gpt-4o");
        CPPUNIT_ASSERT(match.route);
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/models/{id}"), match.route->pattern);
        CPPUNIT_ASSERT(match.params == (Params{{"id", "gpt-4o"}}));
        match = table_.match("GET", "/v1/files/items/f%2F1");
        CPPUNIT_ASSERT(match.route);
        CPPUNIT_ASSERT(match.params == (Params{{"kind", "files"}, {"item", "f%2F1"}}));
        CPPUNIT_ASSERT(!table_.match("GET", "/v1/models/a/b").route);
        CPPUNIT_ASSERT(!table_.match("GET", "/v1/models").route);
    }

    void testParameterNeedsANonEmptySegment()
    {
        table_.add(route("GET", "/v1/models/{id}"), "t");
        CPPUNIT_ASSERT(!table_.match("GET", "/v1/models/").route);
        CPPUNIT_ASSERT(!table_.match("GET", "/v1/models//").route);
    }

    void testLiteralWinsOverPattern()
    {
        table_.add(route("GET", "/v1/models/{id}"), "pattern");
        table_.add(route("GET", "/v1/models/special"), "literal");
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/models/special"), table_.match("GET", "/v1/models/special").route->pattern);
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/models/{id}"), table_.match("GET", "/v1/models/other").route->pattern);
        // A literal path with another method falls through to a matching pattern route.
        table_.add(route("POST", "/v1/models/upload"), "literal");
        const auto match = table_.match("GET", "/v1/models/upload");
        CPPUNIT_ASSERT(match.route);
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/models/{id}"), match.route->pattern);
        CPPUNIT_ASSERT(match.allowed.empty());
    }

    void testPatternAllowedMethods()
    {
        table_.add(route("DELETE", "/v1/files/{id}"), "t");
        table_.add(route("GET", "/v1/files/{id}"), "t");
        const auto match = table_.match("PUT", "/v1/files/x");
        CPPUNIT_ASSERT(!match.route);
        CPPUNIT_ASSERT(match.allowed == (Strings{"DELETE", "GET", "HEAD"}));
        CPPUNIT_ASSERT(table_.match("DELETE", "/v1/files/x").route);
    }

    void testDuplicateNamesBothOwners()
    {
        table_.add(route("GET", "/metrics"), "plugin metrics");
        const std::string message = messageOf([&] { table_.add(route("GET", "/metrics"), "plugin other"); });
        PORTICO_ASSERT_CONTAINS(message, "plugin other");
        PORTICO_ASSERT_CONTAINS(message, "GET /metrics");
        PORTICO_ASSERT_CONTAINS(message, "plugin metrics");
        // Another method on the same pattern is fine.
        table_.add(route("POST", "/metrics"), "plugin other");
    }

    void testBadRegistrations()
    {
        PORTICO_ASSERT_CONTAINS(messageOf([&] { table_.add(route("GET", "v1/x"), "plugin p"); }), "must start with '/'");
        PORTICO_ASSERT_CONTAINS(messageOf([&] { table_.add(route("GET", ""), "plugin p"); }), "plugin p");
        PORTICO_ASSERT_CONTAINS(messageOf([&] { table_.add(Route{"GET", "/x", nullptr}, "plugin p"); }), "no handler");
        CPPUNIT_ASSERT(table_.routes().empty());
    }

    void testRoutesKeepRegistrationOrder()
    {
        table_.add(route("GET", "/b"), "t");
        table_.add(route("POST", "/a/{x}"), "t");
        table_.add(route("GET", "/a"), "t");
        Strings listed;
        for (const auto& r : table_.routes())
            listed.push_back(r.method + " " + r.pattern);
        CPPUNIT_ASSERT(listed == (Strings{"GET /b", "POST /a/{x}", "GET /a"}));
    }

    void testPrefixMatchesItselfAndBelow()
    {
        table_.add(route("GET", "/v1/dreams/**"), "t");
        for (const char* path : {"/v1/dreams", "/v1/dreams/", "/v1/dreams/42", "/v1/dreams/a/b/c"})
        {
            const auto match = table_.match("GET", path);
            CPPUNIT_ASSERT_MESSAGE(path, match.route);
            CPPUNIT_ASSERT_EQUAL(std::string("/v1/dreams/**"), match.route->pattern);
            CPPUNIT_ASSERT(match.params.empty());
        }
        CPPUNIT_ASSERT(table_.match("HEAD", "/v1/dreams/42").route);
        // A prefix is whole segments: "/v1/dreamsX" is not below "/v1/dreams".
        CPPUNIT_ASSERT(!table_.match("GET", "/v1/dreamsX").route);
        CPPUNIT_ASSERT(table_.match("GET", "/v1/dreamsX").allowed.empty());
        CPPUNIT_ASSERT(!table_.match("GET", "/v1").route);
        CPPUNIT_ASSERT(!table_.match("GET", "/v1/Dreams").route);
    }

    void testLongestPrefixWins()
    {
        // Registered shortest first: the order of registration must not matter.
        table_.add(route("GET", "/v1/**"), "short");
        table_.add(route("GET", "/v1/dreams/**"), "long");
        table_.add(route("GET", "/v1/dreams/deep/**"), "longest");
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/dreams/deep/**"), table_.match("GET", "/v1/dreams/deep/x").route->pattern);
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/dreams/**"), table_.match("GET", "/v1/dreams/deepx").route->pattern);
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/**"), table_.match("GET", "/v1/other").route->pattern);
    }

    void testExactRoutesWinOverPrefixes()
    {
        table_.add(route("POST", "/v1/**"), "prefix");
        table_.add(route("GET", "/v1/**"), "prefix");
        table_.add(route("GET", "/v1/models"), "openai");
        table_.add(route("GET", "/v1/models/{id}"), "openai");
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/models"), table_.match("GET", "/v1/models").route->pattern);
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/models/{id}"), table_.match("GET", "/v1/models/x").route->pattern);
        // A method the exact route does not take goes to the prefix that claims it.
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/**"), table_.match("POST", "/v1/models").route->pattern);
        CPPUNIT_ASSERT(table_.match("POST", "/v1/models").allowed.empty());
    }

    void testPrefixAllowedMethods()
    {
        table_.add(route("GET", "/v1/dreams/**"), "t");
        table_.add(route("POST", "/v1/dreams/**"), "t");
        table_.add(route("DELETE", "/v1/**"), "t");
        const auto match = table_.match("PUT", "/v1/dreams/1");
        CPPUNIT_ASSERT(!match.route);
        CPPUNIT_ASSERT((Strings{"GET", "HEAD", "POST", "DELETE"}) == match.allowed);
        // The shorter prefix's method is reached when the longer one does not take it.
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/**"), table_.match("DELETE", "/v1/dreams/1").route->pattern);
    }

    void testRootPrefixClaimsEveryPath()
    {
        table_.add(route("GET", "/healthz"), "core");
        table_.add(route("GET", "/**"), "t");
        CPPUNIT_ASSERT_EQUAL(std::string("/healthz"), table_.match("GET", "/healthz").route->pattern);
        CPPUNIT_ASSERT_EQUAL(std::string("/**"), table_.match("GET", "/").route->pattern);
        CPPUNIT_ASSERT_EQUAL(std::string("/**"), table_.match("GET", "/anything/at/all").route->pattern);
    }

    void testBadPrefixPatterns()
    {
        for (const char* pattern : {"/v1/**/x", "/v1**", "/v1/{id}/**", "/**/**", "/v1/*"})
        {
            if (std::string(pattern) == "/v1/*")
            {
                // One star is a literal segment, not a prefix.
                table_.add(route("GET", pattern), "t");
                CPPUNIT_ASSERT(!table_.match("GET", "/v1/x").route);
                continue;
            }
            CPPUNIT_ASSERT_THROW_MESSAGE(pattern, table_.add(route("GET", pattern), "plugin p"), portico::ConfigError);
        }
        table_.add(route("GET", "/v1/dreams/**"), "plugin a");
        try
        {
            table_.add(route("GET", "/v1/dreams/**"), "plugin b");
            CPPUNIT_FAIL("a prefix registered twice was accepted");
        }
        catch (const portico::ConfigError& error)
        {
            CPPUNIT_ASSERT(std::string(error.what()).find("plugin a") != std::string::npos);
        }
    }

    void testDocumentedPattern()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/dreams/{path}"), portico::documentedPattern("/v1/dreams/**"));
        CPPUNIT_ASSERT_EQUAL(std::string("/{path}"), portico::documentedPattern("/**"));
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/models/{id}"), portico::documentedPattern("/v1/models/{id}"));
    }

private:
    RouteTable table_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(RouteTableTest);