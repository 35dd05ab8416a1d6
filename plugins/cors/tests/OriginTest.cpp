// Origin parsing and OriginPattern matching: the exact and wildcard patterns, and the look-alike
// origins they must not match (evil-example.com, another port or scheme, "null", paths).

#include "Origin.h"
#include <cppunit/extensions/HelperMacros.h>
#include <stdexcept>

using portico::cors::Origin;
using portico::cors::OriginPattern;
using portico::cors::parseOrigin;

namespace {

bool matches(const std::string& pattern, const std::string& origin)
{
    const auto parsed = parseOrigin(origin);
    return parsed && OriginPattern::parse(pattern).matches(*parsed);
}

std::string refusal(const std::string& pattern)
{
    try
    {
        OriginPattern::parse(pattern);
    }
    catch (const std::invalid_argument& e)
    {
        return e.what();
    }
    CPPUNIT_FAIL("'" + pattern + "' was accepted");
    return {};
}

} // namespace

class OriginTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(OriginTest);
    CPPUNIT_TEST(testParsesWhatBrowsersSend);
    CPPUNIT_TEST(testRefusesWhatIsNoOrigin);
    CPPUNIT_TEST(testExactMatch);
    CPPUNIT_TEST(testPortsMustAgree);
    CPPUNIT_TEST(testWildcardSubdomains);
    CPPUNIT_TEST(testBadPatterns);
    CPPUNIT_TEST_SUITE_END();

public:
    void testParsesWhatBrowsersSend()
    {
        auto origin = parseOrigin("https://app.example.com");
        CPPUNIT_ASSERT(origin);
        CPPUNIT_ASSERT_EQUAL(std::string("https"), origin->scheme);
        CPPUNIT_ASSERT_EQUAL(std::string("app.example.com"), origin->host);
        CPPUNIT_ASSERT_EQUAL(443u, origin->port);
        origin = parseOrigin("http://127.0.0.1:3000");
        CPPUNIT_ASSERT(origin);
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"), origin->host);
        CPPUNIT_ASSERT_EQUAL(3000u, origin->port);
        origin = parseOrigin("http://[::1]:8080");
        CPPUNIT_ASSERT(origin);
        CPPUNIT_ASSERT_EQUAL(std::string("[::1]"), origin->host);
        CPPUNIT_ASSERT_EQUAL(8080u, origin->port);
        // Case does not matter for scheme and host.
        origin = parseOrigin("HTTPS://App.Example.COM");
        CPPUNIT_ASSERT(origin);
        CPPUNIT_ASSERT_EQUAL(std::string("https"), origin->scheme);
        CPPUNIT_ASSERT_EQUAL(std::string("app.example.com"), origin->host);
    }

    void testRefusesWhatIsNoOrigin()
    {
        for (const char* text : {"null", "", "example.com", "https://", "https://example.com/", "https://example.com/x",
                                 "https://example.com?x", "https://user@example.com", "https://example.com:0",
                                 "https://example.com:65536", "https://example.com:80a", "https://example.com:",
                                 "https://exa mple.com", "https://example..com", "https://.example.com",
                                 "https://example.com.", "https://a:1:2", "https://[::1", "https://[zz]",
                                 "https://example.com\r\nX-Evil: 1", "1https://example.com", "https://*.example.com"})
            CPPUNIT_ASSERT_MESSAGE(std::string("parsed: ") + text, !parseOrigin(text));
    }

    void testExactMatch()
    {
        CPPUNIT_ASSERT(matches("https://app.example.com", "https://app.example.com"));
        CPPUNIT_ASSERT(matches("https://APP.example.com", "https://app.example.COM"));
        CPPUNIT_ASSERT(!matches("https://app.example.com", "http://app.example.com"));
        CPPUNIT_ASSERT(!matches("https://app.example.com", "https://app.example.com.evil.com"));
        CPPUNIT_ASSERT(!matches("https://app.example.com", "https://evilapp.example.com"));
        CPPUNIT_ASSERT(!matches("https://app.example.com", "https://example.com"));
        CPPUNIT_ASSERT(!matches("https://app.example.com", "null"));
        CPPUNIT_ASSERT(!matches("https://app.example.com", "https://app.example.com/"));
    }

    void testPortsMustAgree()
    {
        CPPUNIT_ASSERT(matches("http://127.0.0.1:3000", "http://127.0.0.1:3000"));
        CPPUNIT_ASSERT(!matches("http://127.0.0.1:3000", "http://127.0.0.1:3001"));
        CPPUNIT_ASSERT(!matches("http://127.0.0.1:3000", "http://127.0.0.1"));
        CPPUNIT_ASSERT(!matches("http://127.0.0.1", "http://127.0.0.1:3000"));
        // The default port written or not is the same origin.
        CPPUNIT_ASSERT(matches("https://app.example.com:443", "https://app.example.com"));
        CPPUNIT_ASSERT(matches("https://app.example.com", "https://app.example.com:443"));
        CPPUNIT_ASSERT(!matches("https://app.example.com", "https://app.example.com:80"));
        CPPUNIT_ASSERT(matches("http://[::1]:8080", "http://[::1]:8080"));
        CPPUNIT_ASSERT(!matches("http://[::1]:8080", "http://[::1]:8081"));
    }

    void testWildcardSubdomains()
    {
        const std::string pattern = "https://*.example.com";
        CPPUNIT_ASSERT(OriginPattern::parse(pattern).wildcard());
        CPPUNIT_ASSERT(matches(pattern, "https://app.example.com"));
        CPPUNIT_ASSERT(matches(pattern, "https://a.b.example.com"));
        CPPUNIT_ASSERT(matches(pattern, "https://App.Example.Com"));
        CPPUNIT_ASSERT(!matches(pattern, "https://example.com"));        // not the domain itself
        CPPUNIT_ASSERT(!matches(pattern, "https://evil-example.com"));   // a look-alike, no dot
        CPPUNIT_ASSERT(!matches(pattern, "https://evilexample.com"));
        CPPUNIT_ASSERT(!matches(pattern, "https://.example.com"));
        CPPUNIT_ASSERT(!matches(pattern, "https://app.example.com.evil.com"));
        CPPUNIT_ASSERT(!matches(pattern, "https://app.example.community"));
        CPPUNIT_ASSERT(!matches(pattern, "http://app.example.com"));     // scheme
        CPPUNIT_ASSERT(!matches(pattern, "https://app.example.com:8443")); // port
        CPPUNIT_ASSERT(!matches(pattern, "null"));
        CPPUNIT_ASSERT(matches("http://*.example.com:8080", "http://app.example.com:8080"));
        CPPUNIT_ASSERT(!matches("http://*.example.com:8080", "http://app.example.com"));
    }

    void testBadPatterns()
    {
        CPPUNIT_ASSERT(refusal("null").find("any page") != std::string::npos);
        CPPUNIT_ASSERT(refusal("https://app.example.com/").find("trailing '/'") != std::string::npos);
        CPPUNIT_ASSERT(refusal("https://app.example.com/path").find("no path") != std::string::npos);
        CPPUNIT_ASSERT(refusal("app.example.com").find("is not an origin") != std::string::npos);
        for (const char* pattern : {"https://app.*.example.com", "https://*example.com", "*.example.com",
                                    "https://**.example.com", "https://*.*.example.com", "https://app.example.*"})
            CPPUNIT_ASSERT(refusal(pattern).find("wildcard") != std::string::npos);
        for (const char* pattern : {"https://*.com", "https://*.localhost", "http://*.127.0.0.1", "http://*.[::1]"})
            CPPUNIT_ASSERT_MESSAGE(pattern, !refusal(pattern).empty());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(OriginTest);
