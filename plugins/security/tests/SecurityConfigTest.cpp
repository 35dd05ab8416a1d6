// SecurityConfig: the defaults, configured values, switching a header off, and the errors.

#include "SecurityConfig.h"
#include "TestAsserts.h"
#include "TestPluginContext.h"
#include "Poco/Util/MapConfiguration.h"
#include <cppunit/extensions/HelperMacros.h>

using portico::security::SecurityConfig;
using portico::test::messageOf;
using portico::test::TestPluginContext;

namespace {

const std::vector<std::pair<std::string, std::string>> defaults = {
    {"Strict-Transport-Security", "max-age=31536000; includeSubDomains"},
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "no-referrer"},
    {"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"},
};

std::vector<std::pair<std::string, std::string>> headersOf(const std::string& ini)
{
    TestPluginContext context(ini, "security");
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& header : SecurityConfig::from(context.config()).headers)
        out.emplace_back(header.name, header.value);
    return out;
}

} // namespace

class SecurityConfigTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(SecurityConfigTest);
    CPPUNIT_TEST(testDefaults);
    CPPUNIT_TEST(testConfiguredValues);
    CPPUNIT_TEST(testSwitchingOneHeaderOff);
    CPPUNIT_TEST(testSwitchingAllOff);
    CPPUNIT_TEST(testEmptyValueIsRefused);
    CPPUNIT_TEST(testLineBreakIsRefused);
    CPPUNIT_TEST(testBadEnabledValue);
    CPPUNIT_TEST(testEveryKeyIsReadAndATypoIsNot);
    CPPUNIT_TEST_SUITE_END();

public:
    void testDefaults()
    {
        CPPUNIT_ASSERT(headersOf("") == defaults);
        CPPUNIT_ASSERT(headersOf("[security]\nenabled = true\n") == defaults);
    }

    void testConfiguredValues()
    {
        auto headers = headersOf("[security]\n"
                                 "frame_options = SAMEORIGIN\n"
                                 "strict_transport_security = max-age=60\n"
                                 "content_security_policy = default-src 'self'; img-src *\n");
        auto expected = defaults;
        expected[0].second = "max-age=60";
        expected[2].second = "SAMEORIGIN";
        expected[4].second = "default-src 'self'; img-src *";
        CPPUNIT_ASSERT(headers == expected);
    }

    void testSwitchingOneHeaderOff()
    {
        auto headers = headersOf("[security]\nreferrer_policy.enabled = false\n");
        auto expected = defaults;
        expected.erase(expected.begin() + 3);
        CPPUNIT_ASSERT(headers == expected);
    }

    void testSwitchingAllOff()
    {
        CPPUNIT_ASSERT(headersOf("[security]\n"
                                 "strict_transport_security.enabled = no\n"
                                 "content_type_options.enabled = off\n"
                                 "frame_options.enabled = 0\n"
                                 "referrer_policy.enabled = false\n"
                                 "content_security_policy.enabled = false\n")
                           .empty());
    }

    void testEmptyValueIsRefused()
    {
        const std::string message = messageOf([] { headersOf("[security]\nframe_options =\n"); });
        PORTICO_ASSERT_CONTAINS(message, "test.ini: [security] frame_options:");
        PORTICO_ASSERT_CONTAINS(message, "frame_options.enabled = false");
        // Even for a header that is switched off: the value is still a mistake.
        PORTICO_ASSERT_CONTAINS(messageOf([] { headersOf("[security]\nreferrer_policy =\nreferrer_policy.enabled = false\n"); }),
                                "[security] referrer_policy:");
    }

    void testLineBreakIsRefused()
    {
        // The INI reader cannot produce a line break in a value; another reader could.
        Poco::AutoPtr<Poco::Util::MapConfiguration> values(new Poco::Util::MapConfiguration);
        values->setString("security.frame_options", "DENY\r\nSet-Cookie: x=1");
        const Poco::AutoPtr<Poco::Util::AbstractConfiguration> all(values);
        portico::PluginConfig config(all, "security", "x.xml");
        const std::string message = messageOf([&] { SecurityConfig::from(config); });
        PORTICO_ASSERT_CONTAINS(message, "x.xml: [security] frame_options:");
        PORTICO_ASSERT_CONTAINS(message, "line break");
    }

    void testBadEnabledValue()
    {
        const std::string message = messageOf([] { headersOf("[security]\nframe_options.enabled = sometimes\n"); });
        PORTICO_ASSERT_CONTAINS(message, "[security] frame_options.enabled:");
        PORTICO_ASSERT_CONTAINS(message, "'sometimes'");
    }

    void testEveryKeyIsReadAndATypoIsNot()
    {
        TestPluginContext context("[security]\n"
                                  "strict_transport_security = a\nstrict_transport_security.enabled = true\n"
                                  "content_type_options = b\ncontent_type_options.enabled = true\n"
                                  "frame_options = c\nframe_options.enabled = true\n"
                                  "referrer_policy = d\nreferrer_policy.enabled = true\n"
                                  "content_security_policy = e\ncontent_security_policy.enabled = true\n"
                                  "frame_option = typo\n",
                                  "security");
        SecurityConfig::from(context.config());
        CPPUNIT_ASSERT(context.config().unreadKeys() == std::vector<std::string>{"frame_option"});
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SecurityConfigTest);
