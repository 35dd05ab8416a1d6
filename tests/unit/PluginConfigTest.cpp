// PluginConfig: typed getters, range errors naming file/section/key, and the read-key
// bookkeeping behind "unknown key" start-up errors.

#include "TestAsserts.h"
#include "config/ConfigLoader.h"
#include "portico/PluginConfig.h"
#include <cppunit/extensions/HelperMacros.h>
#include <memory>

using portico::ConfigLoader;
using portico::PluginConfig;
using portico::test::messageOf;

namespace {

std::unique_ptr<PluginConfig> sectionOf(const std::string& ini, const std::string& section = "demo")
{
    const auto loaded = ConfigLoader::parseIni(ini, "plugin.ini");
    Poco::AutoPtr<Poco::Util::AbstractConfiguration> values(loaded.values);
    return std::make_unique<PluginConfig>(values, section, loaded.file);
}

using Keys = std::vector<std::string>;

} // namespace

class PluginConfigTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(PluginConfigTest);
    CPPUNIT_TEST(testStrings);
    CPPUNIT_TEST(testIntegers);
    CPPUNIT_TEST(testDoubles);
    CPPUNIT_TEST(testBooleans);
    CPPUNIT_TEST(testLists);
    CPPUNIT_TEST(testRangeErrorsNameFileSectionAndKey);
    CPPUNIT_TEST(testNotANumber);
    CPPUNIT_TEST(testNotABoolean);
    CPPUNIT_TEST(testUnreadKeys);
    CPPUNIT_TEST(testUnreadNestedKeys);
    CPPUNIT_TEST(testKeysBelow);
    CPPUNIT_TEST(testOtherSectionsAreNotMine);
    CPPUNIT_TEST(testGlobal);
    CPPUNIT_TEST_SUITE_END();

public:
    void testStrings()
    {
        auto config = sectionOf("[demo]\nname =   padded  \nempty =\n");
        CPPUNIT_ASSERT_EQUAL(std::string("demo"), config->section());
        CPPUNIT_ASSERT_EQUAL(std::string("plugin.ini"), config->source());
        CPPUNIT_ASSERT_EQUAL(std::string("padded"), config->getString("name", "x"));
        CPPUNIT_ASSERT_EQUAL(std::string(""), config->getString("empty", "x"));
        CPPUNIT_ASSERT_EQUAL(std::string("fallback"), config->getString("absent", "fallback"));
        CPPUNIT_ASSERT(config->has("name"));
        CPPUNIT_ASSERT(!config->has("absent"));
    }

    void testIntegers()
    {
        auto config = sectionOf("[demo]\nsmall = -5\nbig = 9000000000\nedge = 10\n");
        CPPUNIT_ASSERT_EQUAL(-5LL, config->getInt("small", 0, -10, 10));
        CPPUNIT_ASSERT_EQUAL(9000000000LL, config->getInt("big", 0, 0, 1LL << 40));
        CPPUNIT_ASSERT_EQUAL(10LL, config->getInt("edge", 0, 10, 10));
        CPPUNIT_ASSERT_EQUAL(7LL, config->getInt("absent", 7, 0, 1));
    }

    void testDoubles()
    {
        auto config = sectionOf("[demo]\nratio = 0.25\nwhole = 3\n");
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.25, config->getDouble("ratio", 0, 0, 1), 1e-12);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(3.0, config->getDouble("whole", 0, 0, 10), 1e-12);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1.5, config->getDouble("absent", 1.5, 0, 1), 1e-12);
    }

    void testBooleans()
    {
        auto config = sectionOf("[demo]\na = true\nb = YES\nc = on\nd = 1\ne = False\nf = no\ng = Off\nh = 0\n");
        for (const char* key : {"a", "b", "c", "d"})
            CPPUNIT_ASSERT_MESSAGE(key, config->getBool(key, false));
        for (const char* key : {"e", "f", "g", "h"})
            CPPUNIT_ASSERT_MESSAGE(key, !config->getBool(key, true));
        CPPUNIT_ASSERT(config->getBool("absent", true));
        CPPUNIT_ASSERT(!config->getBool("absent", false));
    }

    void testLists()
    {
        auto config = sectionOf("[demo]\nitems = a, b ,, c ,\nnone =\n");
        CPPUNIT_ASSERT(config->getList("items", {}) == (Keys{"a", "b", "c"}));
        CPPUNIT_ASSERT(config->getList("none", {"x"}).empty());
        CPPUNIT_ASSERT(config->getList("absent", {"x", "y"}) == (Keys{"x", "y"}));
    }

    void testRangeErrorsNameFileSectionAndKey()
    {
        auto config = sectionOf("[demo]\nport = 70000\nratio = 1.5\n");
        const std::string integer = messageOf([&] { config->getInt("port", 0, 1, 65535); });
        PORTICO_ASSERT_CONTAINS(integer, "plugin.ini: [demo] port:");
        PORTICO_ASSERT_CONTAINS(integer, "between 1 and 65535");
        PORTICO_ASSERT_CONTAINS(integer, "70000");
        const std::string real = messageOf([&] { config->getDouble("ratio", 0, 0, 1); });
        PORTICO_ASSERT_CONTAINS(real, "plugin.ini: [demo] ratio:");
        PORTICO_ASSERT_CONTAINS(real, "1.5");
        const std::string custom = describeException(config->error("port", "is reserved"));
        CPPUNIT_ASSERT_EQUAL(std::string("plugin.ini: [demo] port: is reserved"), custom);
    }

    void testNotANumber()
    {
        auto config = sectionOf("[demo]\nn = ten\nx = 1e\n");
        PORTICO_ASSERT_CONTAINS(messageOf([&] { config->getInt("n", 0, 0, 100); }), "[demo] n: expected an integer, got 'ten'");
        PORTICO_ASSERT_CONTAINS(messageOf([&] { config->getInt("x", 0, 0, 100); }), "[demo] x: expected an integer");
        PORTICO_ASSERT_CONTAINS(messageOf([&] { config->getDouble("n", 0, 0, 100); }), "[demo] n: expected a number");
    }

    void testNotABoolean()
    {
        auto config = sectionOf("[demo]\nflag = maybe\n");
        const std::string message = messageOf([&] { config->getBool("flag", false); });
        PORTICO_ASSERT_CONTAINS(message, "plugin.ini: [demo] flag:");
        PORTICO_ASSERT_CONTAINS(message, "'maybe'");
    }

    void testUnreadKeys()
    {
        auto config = sectionOf("[demo]\nenabled = true\nused = 1\ntypo = 2\nchecked = 3\n");
        CPPUNIT_ASSERT(config->unreadKeys() == (Keys{"checked", "typo", "used"}));
        config->getInt("used", 0, 0, 10);
        config->has("checked");
        // "enabled" belongs to the host and is never reported.
        CPPUNIT_ASSERT(config->unreadKeys() == Keys{"typo"});
        // Asking for an absent key does not make a present one read.
        config->getString("typ", "");
        CPPUNIT_ASSERT(config->unreadKeys() == Keys{"typo"});
        config->getString("typo", "");
        CPPUNIT_ASSERT(config->unreadKeys().empty());
    }

    void testUnreadNestedKeys()
    {
        auto config = sectionOf("[demo]\nheader = x\nheader.enabled = false\nupstream.url = u\n");
        CPPUNIT_ASSERT(config->unreadKeys() == (Keys{"header", "header.enabled", "upstream.url"}));
        config->getString("header", "");
        config->getString("upstream.url", "");
        CPPUNIT_ASSERT(config->unreadKeys() == Keys{"header.enabled"});
        config->getBool("header.enabled", true);
        CPPUNIT_ASSERT(config->unreadKeys().empty());
    }

    void testKeysBelow()
    {
        auto config = sectionOf("[demo]\nroute./v1/a = 5\nroute./v1/b = 6\nother = 1\n");
        CPPUNIT_ASSERT(config->keysBelow("route") == (Keys{"route./v1/a", "route./v1/b"}));
        CPPUNIT_ASSERT(config->unreadKeys() == Keys{"other"});
        CPPUNIT_ASSERT(config->keysBelow("absent").empty());
    }

    void testOtherSectionsAreNotMine()
    {
        auto config = sectionOf("[demo]\na = 1\n[demo2]\nb = 2\n[other]\ndemo = 3\n");
        CPPUNIT_ASSERT(config->unreadKeys() == Keys{"a"});
        CPPUNIT_ASSERT(!config->has("b"));
    }

    void testGlobal()
    {
        auto config = sectionOf("[demo]\na = 1\n[redis]\nurl = redis://x\n");
        CPPUNIT_ASSERT_EQUAL(std::string("redis://x"), config->global().getString("redis.url"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PluginConfigTest);
