// Signals to the installed porticod: SIGTERM lets a request in flight finish and exits 0, or
// cuts it at server.drain_seconds; SIGHUP reloads a changed config without a restart and
// refuses a broken one, keeping the running chain.

#include "IntegrationConfigs.h"
#include "PorticodProcess.h"
#include <cppunit/extensions/HelperMacros.h>
#include <chrono>
#include <csignal>
#include <future>
#include <thread>

using namespace portico::test;
using Clock = std::chrono::steady_clock;

namespace {

std::string slowIni(int drainSeconds)
{
    return "[server]\nlisten = 127.0.0.1:{port}\ndrain_seconds = " + std::to_string(drainSeconds) +
           "\n[plugins]\npath = {plugins}\norder = tracing, security, probe_b\n[probe_b]\nroutes = true\n";
}

std::string securityIni(const std::string& securitySection)
{
    return "[server]\nlisten = 127.0.0.1:{port}\n[plugins]\norder = tracing, security\n[security]\n" + securitySection;
}

double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Gives `request` time to reach its handler and checks it is still unanswered. (The probe's
/// handler gives no sign of life before it answers; 300 ms is well below its own duration.)
void waitUntilInFlight(PorticodProcess& porticod, std::future<HttpResult>& request)
{
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CPPUNIT_ASSERT_MESSAGE(porticod.output(), request.wait_for(std::chrono::seconds(0)) != std::future_status::ready);
}

} // namespace

class SignalsTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(SignalsTest);
    CPPUNIT_TEST(testSigtermLetsASlowRequestFinish);
    CPPUNIT_TEST(testSigtermCutsAtDrainSeconds);
    CPPUNIT_TEST(testSighupReloadsAChangedConfig);
    CPPUNIT_TEST(testSighupRefusesABrokenConfig);
    CPPUNIT_TEST_SUITE_END();

public:
    void testSigtermLetsASlowRequestFinish()
    {
        PorticodProcess porticod(slowIni(30));
        const unsigned short port = porticod.port();
        auto slow = std::async(std::launch::async, [port] { return httpRequest(port, "GET", "/probe_b/slow?ms=1500"); });
        waitUntilInFlight(porticod, slow);
        const auto signalled = Clock::now();
        porticod.signal(SIGTERM);
        const HttpResult result = slow.get();
        CPPUNIT_ASSERT_EQUAL(200, result.status);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"slow\":true}"), result.body);
        assertGatewayHeaders(result, "the drained request");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(porticod.output(), 0, porticod.waitForExit(10));
        // It waited for the request (about 1.2 s left of it), not for the full drain_seconds.
        const double took = secondsSince(signalled);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(took), took > 0.8 && took < 5.0);
        PORTICO_ASSERT_CONTAINS(porticod.output(), "probe probe_b complete completed 200 /probe_b/slow");
    }

    void testSigtermCutsAtDrainSeconds()
    {
        PorticodProcess porticod(slowIni(1));
        const unsigned short port = porticod.port();
        auto slow = std::async(std::launch::async, [port] {
            try
            {
                return httpRequest(port, "GET", "/probe_b/slow?ms=5000", "", {}, 10);
            }
            catch (const Poco::Exception&)
            {
                return HttpResult{}; // cut: no answer
            }
        });
        waitUntilInFlight(porticod, slow);
        const auto signalled = Clock::now();
        porticod.signal(SIGTERM);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(porticod.output(), 0, porticod.waitForExit(10));
        const double took = secondsSince(signalled);
        CPPUNIT_ASSERT_MESSAGE("exited after " + std::to_string(took) + " s\n" + porticod.output(), took < 3.0);
        CPPUNIT_ASSERT(took >= 0.9);
        PORTICO_ASSERT_CONTAINS(porticod.output(), "still in flight after drain_seconds");
        CPPUNIT_ASSERT(slow.get().status != 200);
    }

    void testSighupReloadsAChangedConfig()
    {
        PorticodProcess porticod(securityIni("enabled = false\n"));
        CPPUNIT_ASSERT(!httpRequest(porticod.port(), "GET", "/healthz").has("Strict-Transport-Security"));
        const int pid = porticod.pid();

        porticod.rewriteConfig(securityIni("enabled = true\nframe_options = SAMEORIGIN\n"));
        porticod.signal(SIGHUP);
        CPPUNIT_ASSERT_MESSAGE(porticod.output(), porticod.waitForOutput("reloaded", 10));
        const HttpResult after = httpRequest(porticod.port(), "GET", "/healthz");
        CPPUNIT_ASSERT_EQUAL(std::string("max-age=31536000; includeSubDomains"), after.header("Strict-Transport-Security"));
        CPPUNIT_ASSERT_EQUAL(std::string("SAMEORIGIN"), after.header("X-Frame-Options"));
        CPPUNIT_ASSERT(porticod.running());
        CPPUNIT_ASSERT_EQUAL(pid, porticod.pid());
    }

    void testSighupRefusesABrokenConfig()
    {
        PorticodProcess porticod(securityIni("enabled = true\n"));
        porticod.rewriteConfig(securityIni("enabled = true\nreferrer_policy.enabled = false\nframe_optoins = DENY\n"));
        porticod.signal(SIGHUP);
        CPPUNIT_ASSERT_MESSAGE(porticod.output(), porticod.waitForOutput("reload refused", 10));
        PORTICO_ASSERT_CONTAINS(porticod.output(), porticod.configPath() + ": [security] frame_optoins");
        // The old chain (all five headers) goes on serving.
        const HttpResult after = httpRequest(porticod.port(), "GET", "/healthz");
        CPPUNIT_ASSERT_EQUAL(200, after.status);
        assertGatewayHeaders(after, "after a refused reload");
        CPPUNIT_ASSERT(porticod.running());

        // A broken file (not only a bad key) is refused the same way.
        porticod.rewriteConfig("[server\nlisten = 127.0.0.1:{port}\n");
        porticod.signal(SIGHUP);
        CPPUNIT_ASSERT(waitForCount(porticod, "reload refused", 2));
        PORTICO_ASSERT_CONTAINS(porticod.output(), porticod.configPath() + ":1: section header without ']'");
        assertGatewayHeaders(httpRequest(porticod.port(), "GET", "/healthz"), "after a second refused reload");
    }

private:
    static bool waitForCount(PorticodProcess& porticod, const std::string& text, int count)
    {
        const auto deadline = Clock::now() + std::chrono::seconds(10);
        while (Clock::now() < deadline)
        {
            const std::string output = porticod.output();
            int found = 0;
            for (auto at = output.find(text); at != std::string::npos; at = output.find(text, at + 1))
                ++found;
            if (found >= count)
                return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return false;
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SignalsTest);
