// RouteTable: literal and {param} routes, HEAD on GET routes, the allowed methods behind a 405,
// and the registration errors.

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

private:
    RouteTable table_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(RouteTableTest);
