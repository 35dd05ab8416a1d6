// ConfigLoader: INI and XML read into the same flat map, and every error names the file and the
// line (INI) or element (XML).

#include "TempDir.h"
#include "TestAsserts.h"
#include "config/ConfigLoader.h"
#include <cppunit/extensions/HelperMacros.h>
#include <map>

using portico::ConfigError;
using portico::ConfigLoader;
using portico::LoadedConfig;
using portico::test::messageOf;

namespace {

using FlatMap = std::map<std::string, std::string>;

void flatten(const Poco::Util::AbstractConfiguration& config, const std::string& prefix, FlatMap& out)
{
    Poco::Util::AbstractConfiguration::Keys keys;
    config.keys(prefix, keys);
    for (const auto& key : keys)
    {
        const std::string full = prefix.empty() ? key : prefix + "." + key;
        if (config.hasOption(full))
            out[full] = config.getRawString(full);
        flatten(config, full, out);
    }
}

FlatMap flatten(const LoadedConfig& loaded)
{
    FlatMap out;
    flatten(*loaded.values, "", out);
    return out;
}

std::string describe(const FlatMap& map)
{
    std::string out;
    for (const auto& [key, value] : map)
        out += "  " + key + " = " + value + "\n";
    return out;
}

void assertSameMap(const FlatMap& expected, const FlatMap& actual)
{
    CPPUNIT_ASSERT_MESSAGE("INI:\n" + describe(expected) + "XML:\n" + describe(actual), expected == actual);
}

const char* const settingsIni = R"(; every kind of setting the readers must map
[server]
listen = 127.0.0.1:8000          ; host:port
threads = 64
max_body_bytes = 1048576         # a hash comment too

[plugins]
path = /usr/lib/portico/plugins
order = tracing, security, openai

[tracing]
enabled = true

[security]
enabled = false
frame_options = SAMEORIGIN
content_security_policy.enabled = false

[openai]
upstream.url = http://127.0.0.1:9000/v1
upstream.models = *
)";

const char* const settingsXml = R"(<?xml version="1.0" encoding="UTF-8"?>
<!-- the same settings as settingsIni -->
<portico>
  <server>
    <listen>127.0.0.1:8000</listen>
    <threads>64</threads>
    <max_body_bytes> 1048576 </max_body_bytes>
  </server>
  <plugins path="/usr/lib/portico/plugins">
    <plugin name="tracing" enabled="true"/>
    <plugin name="security" enabled="false"/>
    <plugin name="openai"/>
  </plugins>
  <security>
    <frame_options>SAMEORIGIN</frame_options>
    <content_security_policy enabled="false"/>
  </security>
  <openai>
    <upstream>
      <url>http://127.0.0.1:9000/v1</url>
      <models>*</models>
    </upstream>
  </openai>
</portico>
)";

} // namespace

class ConfigLoaderTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ConfigLoaderTest);
    CPPUNIT_TEST(testIniAndXmlGiveTheSameMap);
    CPPUNIT_TEST(testIniValues);
    CPPUNIT_TEST(testRepositoryExampleConfigsAreTheSame);
    CPPUNIT_TEST(testLoadPicksTheReaderByExtension);
    CPPUNIT_TEST(testInlineComments);
    CPPUNIT_TEST(testMissingEqualsNamesFileAndLine);
    CPPUNIT_TEST(testKeyOutsideSectionNamesFileAndLine);
    CPPUNIT_TEST(testDuplicateKeyInIniNamesFileLineAndKey);
    CPPUNIT_TEST(testDuplicateKeyInXmlNamesFileElementAndKey);
    CPPUNIT_TEST(testUnclosedSectionHeader);
    CPPUNIT_TEST(testInvalidKey);
    CPPUNIT_TEST(testBadXmlNamesFile);
    CPPUNIT_TEST(testWrongRootElement);
    CPPUNIT_TEST(testXmlPluginErrors);
    CPPUNIT_TEST(testXmlMixedTextAndElements);
    CPPUNIT_TEST(testUnknownExtension);
    CPPUNIT_TEST(testMissingFile);
    CPPUNIT_TEST_SUITE_END();

public:
    void testIniAndXmlGiveTheSameMap()
    {
        const FlatMap ini = flatten(ConfigLoader::parseIni(settingsIni, "settings.ini"));
        const FlatMap xml = flatten(ConfigLoader::parseXml(settingsXml, "settings.xml"));
        assertSameMap(ini, xml);
        CPPUNIT_ASSERT_EQUAL(std::size_t(11), ini.size());
    }

    void testIniValues()
    {
        const FlatMap ini = flatten(ConfigLoader::parseIni(settingsIni, "settings.ini"));
        const FlatMap expected = {
            {"server.listen", "127.0.0.1:8000"},
            {"server.threads", "64"},
            {"server.max_body_bytes", "1048576"},
            {"plugins.path", "/usr/lib/portico/plugins"},
            {"plugins.order", "tracing, security, openai"},
            {"tracing.enabled", "true"},
            {"security.enabled", "false"},
            {"security.frame_options", "SAMEORIGIN"},
            {"security.content_security_policy.enabled", "false"},
            {"openai.upstream.url", "http://127.0.0.1:9000/v1"},
            {"openai.upstream.models", "*"},
        };
        // The XML side has the same keys plus nothing else; check the INI against literals so
        // that a reader dropping a key on both sides is still caught.
        for (const auto& [key, value] : expected)
        {
            CPPUNIT_ASSERT_MESSAGE("missing " + key, ini.count(key) == 1);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(key, value, ini.at(key));
        }
    }

    void testRepositoryExampleConfigsAreTheSame()
    {
        const std::string dir = std::string(PORTICO_SOURCE_DIR) + "/config/";
        const FlatMap ini = flatten(ConfigLoader::load(dir + "portico.ini"));
        const FlatMap xml = flatten(ConfigLoader::load(dir + "portico.xml"));
        assertSameMap(ini, xml);
        CPPUNIT_ASSERT(ini.count("server.listen") == 1);
        CPPUNIT_ASSERT(ini.count("plugins.order") == 1);
    }

    void testLoadPicksTheReaderByExtension()
    {
        portico::test::TempDir dir;
        const FlatMap ini = flatten(ConfigLoader::load(dir.write("a.ini", settingsIni)));
        const FlatMap xml = flatten(ConfigLoader::load(dir.write("b.XML", settingsXml)));
        const FlatMap conf = flatten(ConfigLoader::load(dir.write("c.conf", settingsIni)));
        assertSameMap(ini, xml);
        assertSameMap(ini, conf);
        CPPUNIT_ASSERT_EQUAL(dir.file("a.ini"), ConfigLoader::load(dir.file("a.ini")).file);
    }

    void testInlineComments()
    {
        const FlatMap map = flatten(ConfigLoader::parseIni("  ; a comment line\n"
                                                           "# another\n"
                                                           "[s]\n"
                                                           "a = 1 ; comment\n"
                                                           "b = 2\t# comment\n"
                                                           "c = x;y#z\n"
                                                           "d = max-age=1; includeSubDomains\n"
                                                           "e =\n"
                                                           "  f  =  spaced value  \n",
                                                           "c.ini"));
        const FlatMap expected = {{"s.a", "1"},
                                  {"s.b", "2"},
                                  {"s.c", "x;y#z"},
                                  {"s.d", "max-age=1; includeSubDomains"},
                                  {"s.e", ""},
                                  {"s.f", "spaced value"}};
        assertSameMap(expected, map);
    }

    void testMissingEqualsNamesFileAndLine()
    {
        const std::string message = messageOf([] { ConfigLoader::parseIni("[server]\nthreads = 4\nlisten\n", "bad.ini"); });
        PORTICO_ASSERT_CONTAINS(message, "bad.ini:3");
        PORTICO_ASSERT_CONTAINS(message, "'listen'");
    }

    void testKeyOutsideSectionNamesFileAndLine()
    {
        const std::string message = messageOf([] { ConfigLoader::parseIni("; top\nthreads = 4\n", "bad.ini"); });
        PORTICO_ASSERT_CONTAINS(message, "bad.ini:2");
        PORTICO_ASSERT_CONTAINS(message, "outside");
    }

    void testDuplicateKeyInIniNamesFileLineAndKey()
    {
        const std::string message = messageOf(
            [] { ConfigLoader::parseIni("[server]\nthreads = 4\n\n[server]\nthreads = 5\n", "dup.ini"); });
        PORTICO_ASSERT_CONTAINS(message, "dup.ini:5");
        PORTICO_ASSERT_CONTAINS(message, "server.threads");
        PORTICO_ASSERT_CONTAINS(message, "twice");
    }

    void testDuplicateKeyInXmlNamesFileElementAndKey()
    {
        const std::string message = messageOf([] {
            ConfigLoader::parseXml("<portico><server><threads>4</threads><threads>5</threads></server></portico>",
                                   "dup.xml");
        });
        PORTICO_ASSERT_CONTAINS(message, "dup.xml");
        PORTICO_ASSERT_CONTAINS(message, "<threads>");
        PORTICO_ASSERT_CONTAINS(message, "server.threads");
        // The order given twice: once by <plugin> elements, once by an explicit <order>.
        const std::string order = messageOf([] {
            ConfigLoader::parseXml("<portico><plugins><order>a</order><plugin name=\"b\"/></plugins></portico>",
                                   "order.xml");
        });
        PORTICO_ASSERT_CONTAINS(order, "order.xml");
        PORTICO_ASSERT_CONTAINS(order, "plugins.order");
    }

    void testUnclosedSectionHeader()
    {
        const std::string message = messageOf([] { ConfigLoader::parseIni("[server\nthreads = 4\n", "s.ini"); });
        PORTICO_ASSERT_CONTAINS(message, "s.ini:1");
        PORTICO_ASSERT_CONTAINS(message, "]");
    }

    void testInvalidKey()
    {
        const std::string message = messageOf([] { ConfigLoader::parseIni("[server]\nmax body = 4\n", "k.ini"); });
        PORTICO_ASSERT_CONTAINS(message, "k.ini:2");
        PORTICO_ASSERT_CONTAINS(message, "server.max body");
    }

    void testBadXmlNamesFile()
    {
        const std::string message =
            messageOf([] { ConfigLoader::parseXml("<portico><server></portico>", "broken.xml"); });
        PORTICO_ASSERT_CONTAINS(message, "broken.xml");
        PORTICO_ASSERT_CONTAINS(message, "not well-formed XML");
    }

    void testWrongRootElement()
    {
        const std::string message =
            messageOf([] { ConfigLoader::parseXml("<config><server/></config>", "root.xml"); });
        PORTICO_ASSERT_CONTAINS(message, "root.xml");
        PORTICO_ASSERT_CONTAINS(message, "<portico>");
    }

    void testXmlPluginErrors()
    {
        const std::string unnamed =
            messageOf([] { ConfigLoader::parseXml("<portico><plugins><plugin/></plugins></portico>", "p.xml"); });
        PORTICO_ASSERT_CONTAINS(unnamed, "p.xml");
        PORTICO_ASSERT_CONTAINS(unnamed, "without a name");
        const std::string attribute = messageOf([] {
            ConfigLoader::parseXml("<portico><plugins><plugin name=\"auth\" keys=\"x\"/></plugins></portico>", "p.xml");
        });
        PORTICO_ASSERT_CONTAINS(attribute, "p.xml");
        PORTICO_ASSERT_CONTAINS(attribute, "auth");
        PORTICO_ASSERT_CONTAINS(attribute, "'keys'");
    }

    void testXmlMixedTextAndElements()
    {
        const std::string message =
            messageOf([] { ConfigLoader::parseXml("<portico><server>text<threads>4</threads></server></portico>", "m.xml"); });
        PORTICO_ASSERT_CONTAINS(message, "m.xml");
        PORTICO_ASSERT_CONTAINS(message, "<server>");
    }

    void testUnknownExtension()
    {
        portico::test::TempDir dir;
        const std::string file = dir.write("portico.yaml", "server:\n  threads: 4\n");
        const std::string message = messageOf([&] { ConfigLoader::load(file); });
        PORTICO_ASSERT_CONTAINS(message, file);
        PORTICO_ASSERT_CONTAINS(message, ".ini or .xml");
    }

    void testMissingFile()
    {
        portico::test::TempDir dir;
        const std::string file = dir.file("absent.ini");
        const std::string message = messageOf([&] { ConfigLoader::load(file); });
        PORTICO_ASSERT_CONTAINS(message, file);
        PORTICO_ASSERT_CONTAINS(message, "cannot open");
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ConfigLoaderTest);
