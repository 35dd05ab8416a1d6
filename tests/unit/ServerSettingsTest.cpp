// ServerSettings: the defaults, server.listen parsing, and errors that name the file and key.

#include "TestAsserts.h"
#include "config/ServerSettings.h"
#include <cppunit/extensions/HelperMacros.h>

using portico::ConfigLoader;
using portico::ServerSettings;
using portico::test::messageOf;

namespace {

const std::string defaultPath = "/default/plugins";

ServerSettings settingsOf(const std::string& ini)
{
    return ServerSettings::from(ConfigLoader::parseIni(ini, "server.ini"), defaultPath);
}

std::string errorOf(const std::string& ini)
{
    return messageOf([&] { settingsOf(ini); });
}

} // namespace

class ServerSettingsTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ServerSettingsTest);
    CPPUNIT_TEST(testDefaults);
    CPPUNIT_TEST(testEverySettingIsRead);
    CPPUNIT_TEST(testListenParsing);
    CPPUNIT_TEST(testBadListen);
    CPPUNIT_TEST(testUnknownServerKeyIsNamed);
    CPPUNIT_TEST(testUnknownPluginsKeyIsNamed);
    CPPUNIT_TEST(testBadNumbers);
    CPPUNIT_TEST(testBadLogLevel);
    CPPUNIT_TEST(testOrder);
    CPPUNIT_TEST(testDuplicatePluginInOrder);
    CPPUNIT_TEST(testPathInPluginName);
    CPPUNIT_TEST_SUITE_END();

public:
    void testDefaults()
    {
        const ServerSettings settings = settingsOf("");
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"), settings.host);
        CPPUNIT_ASSERT_EQUAL(static_cast<unsigned short>(8000), settings.port);
        CPPUNIT_ASSERT_EQUAL(0, settings.eventLoops); // one per core
        CPPUNIT_ASSERT_EQUAL(32, settings.threads);
        CPPUNIT_ASSERT_EQUAL(4096, settings.queue);
        CPPUNIT_ASSERT_EQUAL(16384, settings.maxConnections);
        CPPUNIT_ASSERT_EQUAL(30, settings.bodyTimeoutSeconds);
        CPPUNIT_ASSERT_EQUAL(60, settings.sendTimeoutSeconds);
        CPPUNIT_ASSERT_EQUAL(1048576LL, settings.maxBodyBytes);
        CPPUNIT_ASSERT_EQUAL(30, settings.drainSeconds);
        CPPUNIT_ASSERT_EQUAL(60, settings.idleTimeoutSeconds);
        CPPUNIT_ASSERT_EQUAL(1000, settings.keepAliveRequests);
        CPPUNIT_ASSERT_EQUAL(256, settings.threadStackKiB);
        CPPUNIT_ASSERT_EQUAL(std::string("information"), settings.logLevel);
        CPPUNIT_ASSERT_EQUAL(defaultPath, settings.pluginPath);
        CPPUNIT_ASSERT(settings.order.empty());
    }

    void testEverySettingIsRead()
    {
        const ServerSettings settings = settingsOf("[server]\n"
                                                   "listen = 0.0.0.0:9001\n"
                                                   "event_loops = 3\n"
                                                   "threads = 8\n"
                                                   "queue = 16\n"
                                                   "max_connections = 500\n"
                                                   "body_timeout_seconds = 7\n"
                                                   "send_timeout_seconds = 9\n"
                                                   "max_body_bytes = 0\n"
                                                   "drain_seconds = 0\n"
                                                   "idle_timeout_seconds = 5\n"
                                                   "keep_alive_requests = 0\n"
                                                   "thread_stack_kib = 0\n"
                                                   "log_level = debug\n"
                                                   "[plugins]\n"
                                                   "path = /opt/p\n"
                                                   "order = b, a\n");
        CPPUNIT_ASSERT_EQUAL(std::string("0.0.0.0"), settings.host);
        CPPUNIT_ASSERT_EQUAL(static_cast<unsigned short>(9001), settings.port);
        CPPUNIT_ASSERT_EQUAL(3, settings.eventLoops);
        CPPUNIT_ASSERT_EQUAL(8, settings.threads);
        CPPUNIT_ASSERT_EQUAL(16, settings.queue);
        CPPUNIT_ASSERT_EQUAL(500, settings.maxConnections);
        CPPUNIT_ASSERT_EQUAL(7, settings.bodyTimeoutSeconds);
        CPPUNIT_ASSERT_EQUAL(9, settings.sendTimeoutSeconds);
        CPPUNIT_ASSERT_EQUAL(0LL, settings.maxBodyBytes);
        CPPUNIT_ASSERT_EQUAL(0, settings.drainSeconds);
        CPPUNIT_ASSERT_EQUAL(5, settings.idleTimeoutSeconds);
        CPPUNIT_ASSERT_EQUAL(0, settings.keepAliveRequests);
        CPPUNIT_ASSERT_EQUAL(0, settings.threadStackKiB);
        CPPUNIT_ASSERT_EQUAL(std::string("debug"), settings.logLevel);
        CPPUNIT_ASSERT_EQUAL(std::string("/opt/p"), settings.pluginPath);
        CPPUNIT_ASSERT(settings.order == (std::vector<std::string>{"b", "a"}));
    }

    void testListenParsing()
    {
        ServerSettings settings = settingsOf("[server]\nlisten = [::1]:8443\n");
        CPPUNIT_ASSERT_EQUAL(std::string("::1"), settings.host);
        CPPUNIT_ASSERT_EQUAL(static_cast<unsigned short>(8443), settings.port);
        settings = settingsOf("[server]\nlisten = localhost:0 ; any free port\n");
        CPPUNIT_ASSERT_EQUAL(std::string("localhost"), settings.host);
        CPPUNIT_ASSERT_EQUAL(static_cast<unsigned short>(0), settings.port);
        settings = settingsOf("[server]\nlisten = 10.0.0.1:65535\n");
        CPPUNIT_ASSERT_EQUAL(static_cast<unsigned short>(65535), settings.port);
    }

    void testBadListen()
    {
        for (const std::string listen : {"8000", ":8000", "host:", "host:http", "host:80x", "host:65536", "host:-1"})
        {
            const std::string message = errorOf("[server]\nlisten = " + listen + "\n");
            PORTICO_ASSERT_CONTAINS(message, "server.ini");
            PORTICO_ASSERT_CONTAINS(message, "[server] listen");
        }
    }

    void testUnknownServerKeyIsNamed()
    {
        const std::string message = errorOf("[server]\nlisten = 127.0.0.1:1\nthreds = 4\n");
        PORTICO_ASSERT_CONTAINS(message, "server.ini");
        PORTICO_ASSERT_CONTAINS(message, "[server] threds");
        PORTICO_ASSERT_CONTAINS(message, "unknown key");
    }

    void testUnknownPluginsKeyIsNamed()
    {
        const std::string message = errorOf("[plugins]\norder = a\ndirectory = /x\n");
        PORTICO_ASSERT_CONTAINS(message, "[plugins] directory");
        PORTICO_ASSERT_CONTAINS(message, "unknown key");
    }

    void testBadNumbers()
    {
        const std::pair<std::string, std::string> cases[] = {
            {"threads = many", "expected an integer"},
            {"threads = 0", "between 1 and"},
            {"queue = 1.5", "expected an integer"},
            {"max_body_bytes = -1", "between 0 and"},
            {"drain_seconds = 3601", "between 0 and 3600"},
            {"idle_timeout_seconds = 0", "between 1 and"},
            {"thread_stack_kib = 16", "at least 64"},
        };
        for (const auto& [line, why] : cases)
        {
            const std::string message = errorOf("[server]\n" + line + "\n");
            const std::string key = line.substr(0, line.find(' '));
            PORTICO_ASSERT_CONTAINS(message, "server.ini: [server] " + key + ":");
            PORTICO_ASSERT_CONTAINS(message, why);
        }
    }

    void testBadLogLevel()
    {
        const std::string message = errorOf("[server]\nlog_level = loud\n");
        PORTICO_ASSERT_CONTAINS(message, "[server] log_level");
        PORTICO_ASSERT_CONTAINS(message, "'loud'");
    }

    void testOrder()
    {
        const ServerSettings settings = settingsOf("[plugins]\norder = tracing ,security,, openai ,\n");
        CPPUNIT_ASSERT(settings.order == (std::vector<std::string>{"tracing", "security", "openai"}));
    }

    void testDuplicatePluginInOrder()
    {
        const std::string message = errorOf("[plugins]\norder = tracing, security, tracing\n");
        PORTICO_ASSERT_CONTAINS(message, "server.ini: [plugins] order");
        PORTICO_ASSERT_CONTAINS(message, "'tracing' is listed twice");
    }

    void testPathInPluginName()
    {
        PORTICO_ASSERT_CONTAINS(errorOf("[plugins]\norder = ../evil\n"), "'../evil' is not a plugin name");
        PORTICO_ASSERT_CONTAINS(errorOf("[plugins]\norder = sub/dir\n"), "'sub/dir' is not a plugin name");
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ServerSettingsTest);
