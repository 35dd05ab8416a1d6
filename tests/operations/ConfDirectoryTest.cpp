// conf.d: per-environment overrides beside the main config, applied in name order; errors name
// the override file that set the bad key.

#include "HttpClient.h"
#include "PorticodProcess.h"
#include "config/ConfigLoader.h"
#include "Poco/File.h"
#include <cppunit/extensions/HelperMacros.h>
#include <csignal>

using namespace portico::test;

class ConfDirectoryTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ConfDirectoryTest);
    CPPUNIT_TEST(testOverridesApplyInNameOrder);
    CPPUNIT_TEST(testXmlOverrideOverIni);
    CPPUNIT_TEST(testErrorNamesTheOverrideFile);
    CPPUNIT_TEST(testOverrideDisablesAPluginInARunningServer);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override { Poco::File(dir_.file("conf.d")).createDirectories(); }

    void testOverridesApplyInNameOrder()
    {
        const std::string main = dir_.write("portico.ini", "[server]\nthreads = 8\nqueue = 16\n[security]\nframe_options = DENY\n");
        dir_.write("conf.d/20-b.ini", "[server]\nthreads = 32\n");
        dir_.write("conf.d/10-a.ini", "[server]\nthreads = 16\nqueue = 64\n");
        dir_.write("conf.d/README", "not a config file: ignored\n");
        const auto config = portico::ConfigLoader::load(main);
        CPPUNIT_ASSERT_EQUAL(std::string("32"), config.values->getString("server.threads"));
        CPPUNIT_ASSERT_EQUAL(std::string("64"), config.values->getString("server.queue"));
        CPPUNIT_ASSERT_EQUAL(std::string("DENY"), config.values->getString("security.frame_options"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), config.files.size());
        CPPUNIT_ASSERT_EQUAL(dir_.file("conf.d/20-b.ini"), config.origins->at("server.threads"));
        CPPUNIT_ASSERT_EQUAL(main, config.origins->at("security.frame_options"));
    }

    void testXmlOverrideOverIni()
    {
        const std::string main = dir_.write("portico.ini", "[plugins]\norder = tracing, security\n");
        dir_.write("conf.d/50-prod.xml",
                   "<portico><plugins><plugin name=\"tracing\"/><plugin name=\"security\" enabled=\"false\"/></plugins></portico>");
        const auto config = portico::ConfigLoader::load(main);
        CPPUNIT_ASSERT_EQUAL(std::string("tracing, security"), config.values->getString("plugins.order"));
        CPPUNIT_ASSERT_EQUAL(std::string("false"), config.values->getString("security.enabled"));
    }

    void testErrorNamesTheOverrideFile()
    {
        const std::string main = dir_.write("portico.ini", "[server]\nlisten = 127.0.0.1:1\n[plugins]\norder = security\n");
        const std::string bad = dir_.write("conf.d/90-typo.ini", "[security]\nframe_option = DENY\n");
        const CommandResult result = runPorticod({"--config=" + main, "--check-config"});
        CPPUNIT_ASSERT_EQUAL(78, result.exitCode);
        CPPUNIT_ASSERT_MESSAGE(result.output, result.output.find(bad) != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(result.output, result.output.find("frame_option") != std::string::npos);
    }

    void testOverrideDisablesAPluginInARunningServer()
    {
        PorticodProcess porticod("[server]\nlisten = 127.0.0.1:{port}\n[plugins]\norder = tracing, security\n");
        CPPUNIT_ASSERT(httpRequest(porticod.port(), "GET", "/healthz").has("X-Frame-Options"));
        // The process's config lives in its own temp dir: add an override there and reload.
        const std::string overrides = porticod.dir().file("conf.d");
        Poco::File(overrides).createDirectories();
        porticod.dir().write("conf.d/50-no-security.ini", "[security]\nenabled = false\n");
        porticod.signal(SIGHUP);
        CPPUNIT_ASSERT(porticod.waitForOutput("reloaded", 10));
        const HttpResult after = httpRequest(porticod.port(), "GET", "/healthz");
        CPPUNIT_ASSERT(!after.has("X-Frame-Options"));
        CPPUNIT_ASSERT(after.has("X-Trace-Id"));
    }

private:
    TempDir dir_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(ConfDirectoryTest);
