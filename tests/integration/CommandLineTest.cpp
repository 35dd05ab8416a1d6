// porticod's command line: --version, --check-config on a good config (prints the chain), and
// bad configs, which must exit non-zero with one line naming the file or key and the reason,
// both under --check-config and on a normal start.

#include "IntegrationConfigs.h"
#include "OneCpuForThisThread.h"
#include "PorticodProcess.h"
#include "Poco/String.h"
#include "portico/Abi.h"
#include "portico/Version.h"
#include <cppunit/extensions/HelperMacros.h>

using namespace portico::test;

namespace {

struct BadConfig
{
    std::string name;
    std::string extension;
    std::string text;             ///< "{plugins}" becomes a staged+fixture plugin directory
    std::vector<std::string> says; ///< what the error line must contain ("{file}": the config file)
};

const std::string listen = "[server]\nlisten = 127.0.0.1:1\n";

std::vector<BadConfig> badConfigs()
{
    return {
        {"unknown key in a plugin section", "ini",
         listen + "[plugins]\norder = tracing, security\n[security]\nframe_option = DENY\n",
         {"{file}", "[security] frame_option", "unknown key"}},
        {"unknown key in [server]", "ini", "[server]\nlisten = 127.0.0.1:1\nthreds = 8\n",
         {"{file}", "[server] threds", "unknown key"}},
        {"missing library", "ini", listen + "[plugins]\npath = {plugins}\norder = tracing, nosuch\n",
         {"nosuch", "{plugins}/nosuch.so", "no library"}},
        {"duplicate in order", "ini", listen + "[plugins]\norder = tracing, security, tracing\n",
         {"{file}", "[plugins] order", "'tracing' is listed twice"}},
        {"ABI mismatch", "ini", listen + "[plugins]\npath = {plugins}\norder = tracing, abi_mismatch\n",
         {"{plugins}/abi_mismatch.so", "ABI major version " + std::to_string(PORTICO_ABI_MAJOR + 998),
          "porticod's " + std::to_string(PORTICO_ABI_MAJOR)}},
        {"signature mismatch", "ini", listen + "[plugins]\npath = {plugins}\norder = signature_mismatch\n",
         {"{plugins}/signature_mismatch.so", "'msvc-19;cxx11abi=0;poco=0x01000000'",
          std::string("'") + PORTICO_BUILD_SIGNATURE + "'"}},
        {"not a plugin", "ini", listen + "[plugins]\npath = {plugins}\norder = no_entry_point\n",
         {"{plugins}/no_entry_point.so", PORTICO_ENTRY_POINT}},
        {"failing factory", "ini", listen + "[plugins]\npath = {plugins}\norder = failing_factory\n",
         {"failing_factory", "refuses to start"}},
        {"bad XML", "xml", "<portico><server><listen>127.0.0.1:1</listen></portico>",
         {"{file}", "not well-formed XML"}},
        {"unknown key in XML", "xml",
         "<portico><plugins><plugin name=\"tracing\"/></plugins><tracing><trace_headr>X</trace_headr></tracing></portico>",
         {"{file}", "[tracing] trace_headr", "unknown key"}},
    };
}

std::string trimmed(const std::string& text)
{
    return Poco::trim(text);
}

} // namespace

class CommandLineTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(CommandLineTest);
    CPPUNIT_TEST(testVersion);
    CPPUNIT_TEST(testCheckConfigPrintsTheChain);
    CPPUNIT_TEST(testCheckConfigOnTheExampleConfigs);
    CPPUNIT_TEST(testBadConfigsWithCheckConfig);
    CPPUNIT_TEST(testBadConfigsOnStart);
    CPPUNIT_TEST(testMissingConfigFile);
    CPPUNIT_TEST(testSecondInstanceOnTheSameAddressIsRefused);
    CPPUNIT_TEST(testEventLoopsFollowTheCpuAffinity);
    CPPUNIT_TEST_SUITE_END();

public:
    void testVersion()
    {
        const CommandResult result = runPorticod({"--version"});
        CPPUNIT_ASSERT_EQUAL(0, result.exitCode);
        PORTICO_ASSERT_CONTAINS(result.output, std::string("porticod ") + PORTICO_VERSION);
        PORTICO_ASSERT_CONTAINS(result.output, "plugin ABI " + std::to_string(PORTICO_ABI_MAJOR) + "." +
                                                   std::to_string(PORTICO_ABI_MINOR));
        PORTICO_ASSERT_CONTAINS(result.output, PORTICO_BUILD_SIGNATURE);
    }

    void testCheckConfigPrintsTheChain()
    {
        TempDir dir;
        const std::string plugins = mixedPluginDir(dir);
        std::string config = Poco::replace(probeChainIni, std::string("{plugins}"), plugins);
        config = Poco::replace(config, std::string("{port}"), std::string("8000"));
        const std::string file = dir.write("good.ini", config);
        // --config FILE (two arguments) works as well as --config=FILE.
        const CommandResult result = runPorticod({"--check-config", "--config", file});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(result.output, 0, result.exitCode);
        PORTICO_ASSERT_CONTAINS(result.output, file + ": OK");
        PORTICO_ASSERT_CONTAINS(result.output, "max_body_bytes 1024");
        const std::string expected[] = {"1. tracing ", "2. security ", "3. probe_a ", "4. probe_b ",
                                        plugins + "/probe_b.so", "GET /healthz", "GET /readyz",
                                        "GET /probe_b/stream", "POST /probe_b/echo"};
        std::size_t at = 0;
        for (const auto& line : expected)
        {
            const auto found = result.output.find(line, at);
            CPPUNIT_ASSERT_MESSAGE("'" + line + "' (in this order) in:\n" + result.output, found != std::string::npos);
            at = found;
        }
    }

    void testCheckConfigOnTheExampleConfigs()
    {
        for (const std::string name : {"portico.ini", "portico.xml"})
        {
            const std::string file = stageDir() + "/etc/portico/" + name;
            const CommandResult result = runPorticod({"--check-config", "--config=" + file});
            CPPUNIT_ASSERT_EQUAL_MESSAGE(result.output, 0, result.exitCode);
            PORTICO_ASSERT_CONTAINS(result.output, file + ": OK");
        }
    }

    void testBadConfigsWithCheckConfig() { runBadConfigs(true); }
    void testBadConfigsOnStart() { runBadConfigs(false); }

    void testMissingConfigFile()
    {
        TempDir dir;
        const CommandResult result = runPorticod({"--config=" + dir.file("absent.ini")});
        CPPUNIT_ASSERT(result.exitCode != 0);
        PORTICO_ASSERT_CONTAINS(result.output, dir.file("absent.ini"));
    }

    void testSecondInstanceOnTheSameAddressIsRefused()
    {
        PorticodProcess first("[server]\nlisten = 127.0.0.1:{port}\n");
        TempDir dir;
        const std::string address = "127.0.0.1:" + std::to_string(first.port());
        const std::string file = dir.write("second.ini", "[server]\nlisten = " + address + "\n");
        const CommandResult second = runPorticod({"--config=" + file}, 10);
        CPPUNIT_ASSERT_MESSAGE(second.output, second.exitCode > 0 && second.exitCode < 128);
        PORTICO_ASSERT_CONTAINS(second.output, "cannot listen on " + address);
        // The first one still has the address to itself.
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(first.port(), "GET", "/healthz").status);
        CPPUNIT_ASSERT(first.running());
    }

    void testEventLoopsFollowTheCpuAffinity()
    {
        // porticod inherits this thread's mask, as it would taskset's or systemd's CPUAffinity=:
        // on one CPU the default is one loop (two would only take turns), whatever the machine has.
        std::string byDefault, explicitThree;
        {
            OneCpuForThisThread pinned;
            PorticodProcess onOne("[server]\nlisten = 127.0.0.1:{port}\n");
            PorticodProcess three("[server]\nlisten = 127.0.0.1:{port}\nevent_loops = 3\n");
            onOne.waitForOutput("event loops", 10);
            three.waitForOutput("event loops", 10);
            byDefault = onOne.output();
            explicitThree = three.output();
        }
        PORTICO_ASSERT_CONTAINS(byDefault, "(1 event loops,");
        // A number in the config is taken as given.
        PORTICO_ASSERT_CONTAINS(explicitThree, "(3 event loops,");
    }

private:
    void runBadConfigs(bool checkOnly)
    {
        for (const auto& bad : badConfigs())
        {
            TempDir dir;
            const std::string plugins = mixedPluginDir(dir);
            const std::string file =
                dir.write("bad." + bad.extension, Poco::replace(bad.text, std::string("{plugins}"), plugins));
            std::vector<std::string> args{"--config=" + file};
            if (checkOnly)
                args.push_back("--check-config");
            const CommandResult result = runPorticod(args, 10);
            const std::string what = bad.name + (checkOnly ? " (--check-config)" : " (start)") + ":\n" + result.output;
            CPPUNIT_ASSERT_MESSAGE(what, result.exitCode > 0 && result.exitCode < 128);
            const std::string line = trimmed(result.output);
            CPPUNIT_ASSERT_MESSAGE("one line expected; " + what, !line.empty() && line.find('\n') == std::string::npos);
            for (const auto& needle : bad.says)
            {
                std::string expected = Poco::replace(needle, std::string("{file}"), file);
                expected = Poco::replace(expected, std::string("{plugins}"), plugins);
                PORTICO_ASSERT_CONTAINS(line, expected);
            }
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(CommandLineTest);
