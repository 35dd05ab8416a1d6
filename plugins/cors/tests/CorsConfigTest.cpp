// CorsConfig: the defaults, configured values, and every refusal naming the file and the key
// (a bad origin, '*' in a list, '*' with credentials, "null", non-token names, max_age range).

#include "CorsConfig.h"
#include "TestAsserts.h"
#include "TestPluginContext.h"
#include "Poco/Util/MapConfiguration.h"
#include <cppunit/extensions/HelperMacros.h>

using portico::cors::CorsConfig;
using portico::test::messageOf;
using portico::test::TestPluginContext;

namespace {

CorsConfig configOf(const std::string& section)
{
    TestPluginContext context("[cors]\n" + section, "cors");
    return CorsConfig::from(context.config());
}

std::string refusal(const std::string& section)
{
    return messageOf([&] { configOf(section); });
}

} // namespace

class CorsConfigTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(CorsConfigTest);
    CPPUNIT_TEST(testDefaults);
    CPPUNIT_TEST(testConfiguredValues);
    CPPUNIT_TEST(testAnyOrigin);
    CPPUNIT_TEST(testBadOriginsNameFileAndKey);
    CPPUNIT_TEST(testCredentialsNeverWithAnyOrigin);
    CPPUNIT_TEST(testBadNames);
    CPPUNIT_TEST(testMaxAgeRange);
    CPPUNIT_TEST(testLineBreakIsRefused);
    CPPUNIT_TEST(testEveryKeyIsReadAndATypoIsNot);
    CPPUNIT_TEST_SUITE_END();

public:
    void testDefaults()
    {
        const CorsConfig config = configOf("");
        CPPUNIT_ASSERT(!config.allowsAny()); // empty allow_origins: no origin is allowed
        CPPUNIT_ASSERT(!config.anyOrigin);
        CPPUNIT_ASSERT(config.origins.empty());
        CPPUNIT_ASSERT_EQUAL(std::string("GET, POST, PUT, PATCH, DELETE, OPTIONS"), config.allowMethods);
        CPPUNIT_ASSERT(config.reflectHeaders);
        CPPUNIT_ASSERT(!config.allowCredentials);
        CPPUNIT_ASSERT_EQUAL(std::string("600"), config.maxAge);
        for (const char* name : {"x-request-id", "x-trace-id", "x-ratelimit-remaining-requests",
                                 "x-ratelimit-reset-tokens", "retry-after", "idempotent-replayed", "x-portico-deployment"})
            PORTICO_ASSERT_CONTAINS(config.exposeHeaders, name);
        // The shipped config writes the key empty: the same.
        CPPUNIT_ASSERT(!configOf("allow_origins =\n").allowsAny());
    }

    void testConfiguredValues()
    {
        const CorsConfig config = configOf("allow_origins = https://app.example.com, https://*.example.org, http://127.0.0.1:3000\n"
                                           "allow_methods = GET, POST\n"
                                           "allow_headers = authorization, content-type\n"
                                           "expose_headers = x-request-id\n"
                                           "allow_credentials = true\n"
                                           "max_age_seconds = 0\n");
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), config.origins.size());
        CPPUNIT_ASSERT(config.origins[1].wildcard());
        CPPUNIT_ASSERT_EQUAL(std::string("http://127.0.0.1:3000"), config.origins[2].text());
        CPPUNIT_ASSERT_EQUAL(std::string("GET, POST"), config.allowMethods);
        CPPUNIT_ASSERT(!config.reflectHeaders);
        CPPUNIT_ASSERT_EQUAL(std::string("authorization, content-type"), config.allowHeaders);
        CPPUNIT_ASSERT_EQUAL(std::string("x-request-id"), config.exposeHeaders);
        CPPUNIT_ASSERT(config.allowCredentials);
        CPPUNIT_ASSERT_EQUAL(std::string("0"), config.maxAge);
        // Empty lists: send no Allow-Headers / Expose-Headers at all.
        const CorsConfig none = configOf("allow_origins = https://a.example.com\nallow_headers =\nexpose_headers =\n");
        CPPUNIT_ASSERT(!none.reflectHeaders);
        CPPUNIT_ASSERT(none.allowHeaders.empty());
        CPPUNIT_ASSERT(none.exposeHeaders.empty());
    }

    void testAnyOrigin()
    {
        const CorsConfig config = configOf("allow_origins = *\n");
        CPPUNIT_ASSERT(config.anyOrigin);
        CPPUNIT_ASSERT(config.allowsAny());
        CPPUNIT_ASSERT(config.origins.empty());
        const std::string mixed = refusal("allow_origins = *, https://app.example.com\n");
        PORTICO_ASSERT_CONTAINS(mixed, "test.ini: [cors] allow_origins:");
        PORTICO_ASSERT_CONTAINS(mixed, "cannot be combined");
    }

    void testBadOriginsNameFileAndKey()
    {
        for (const char* value : {"https://app.example.com/", "app.example.com", "null", "https://*.com",
                                  "https://app.*.example.com", "https://app.example.com:99999"})
        {
            const std::string message = refusal(std::string("allow_origins = https://ok.example.com, ") + value + "\n");
            PORTICO_ASSERT_CONTAINS(message, "test.ini: [cors] allow_origins:");
            PORTICO_ASSERT_CONTAINS(message, value);
        }
    }

    void testCredentialsNeverWithAnyOrigin()
    {
        const std::string message = refusal("allow_origins = *\nallow_credentials = true\n");
        PORTICO_ASSERT_CONTAINS(message, "test.ini: [cors] allow_credentials:");
        PORTICO_ASSERT_CONTAINS(message, "allow_origins = *");
        PORTICO_ASSERT_CONTAINS(refusal("allow_origins = https://a.example.com\nallow_credentials = true\n"
                                        "expose_headers = *\n"),
                                "[cors] expose_headers:");
        PORTICO_ASSERT_CONTAINS(refusal("allow_origins = https://a.example.com\nallow_credentials = true\n"
                                        "allow_methods = *\n"),
                                "[cors] allow_methods:");
        PORTICO_ASSERT_CONTAINS(refusal("allow_credentials = maybe\n"), "[cors] allow_credentials:");
    }

    void testBadNames()
    {
        PORTICO_ASSERT_CONTAINS(refusal("allow_methods = GET, PO ST\n"), "[cors] allow_methods: 'PO ST'");
        PORTICO_ASSERT_CONTAINS(refusal("allow_methods =\n"), "[cors] allow_methods: empty");
        PORTICO_ASSERT_CONTAINS(refusal("allow_headers = authorization, x;y\n"), "[cors] allow_headers: 'x;y'");
        PORTICO_ASSERT_CONTAINS(refusal("allow_headers = *, authorization\n"), "[cors] allow_headers:");
        PORTICO_ASSERT_CONTAINS(refusal("expose_headers = x-request-id, a:b\n"), "[cors] expose_headers: 'a:b'");
    }

    void testMaxAgeRange()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("86400"), configOf("max_age_seconds = 86400\n").maxAge);
        PORTICO_ASSERT_CONTAINS(refusal("max_age_seconds = 86401\n"), "[cors] max_age_seconds:");
        PORTICO_ASSERT_CONTAINS(refusal("max_age_seconds = -1\n"), "[cors] max_age_seconds:");
        PORTICO_ASSERT_CONTAINS(refusal("max_age_seconds = soon\n"), "[cors] max_age_seconds:");
    }

    void testLineBreakIsRefused()
    {
        // The INI reader cannot produce a line break in a value; another reader could. Every
        // value the plugin sends is made of tokens or checked origins, so none gets through.
        for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
                 {"cors.allow_origins", "https://a.example.com\r\nSet-Cookie: x=1"},
                 {"cors.allow_methods", "GET\r\nSet-Cookie: x=1"},
                 {"cors.allow_headers", "authorization\nx"},
                 {"cors.expose_headers", std::string("x-request-id\0y", 14)}})
        {
            Poco::AutoPtr<Poco::Util::MapConfiguration> values(new Poco::Util::MapConfiguration);
            values->setString(key, value);
            const Poco::AutoPtr<Poco::Util::AbstractConfiguration> all(values);
            portico::PluginConfig config(all, "cors", "x.xml");
            PORTICO_ASSERT_CONTAINS(messageOf([&] { CorsConfig::from(config); }), "x.xml: [cors] " + key.substr(5) + ":");
        }
    }

    void testEveryKeyIsReadAndATypoIsNot()
    {
        TestPluginContext context("[cors]\n"
                                  "allow_origins = https://a.example.com\nallow_methods = GET\nallow_headers = *\n"
                                  "expose_headers = x-request-id\nallow_credentials = false\nmax_age_seconds = 60\n"
                                  "allow_origin = typo\n",
                                  "cors");
        CorsConfig::from(context.config());
        CPPUNIT_ASSERT(context.config().unreadKeys() == std::vector<std::string>{"allow_origin"});
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(CorsConfigTest);
