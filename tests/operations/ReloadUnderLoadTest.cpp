// SIGHUP under a bounded load: the chain changes (security off -> on) with zero failed
// requests, and a broken config is refused while the old chain keeps serving.

#include "HttpClient.h"
#include "PorticodProcess.h"
#include "Poco/Net/HTTPClientSession.h"
#include "Poco/Net/HTTPRequest.h"
#include "Poco/Net/HTTPResponse.h"
#include "Poco/StreamCopier.h"
#include <atomic>
#include <chrono>
#include <csignal>
#include <cppunit/extensions/HelperMacros.h>
#include <sstream>
#include <thread>
#include <vector>

using namespace portico::test;

namespace {

const char* configWith(bool security)
{
    return security ? "[server]\nlisten = 127.0.0.1:{port}\n[plugins]\norder = tracing, security\n"
                    : "[server]\nlisten = 127.0.0.1:{port}\n[plugins]\norder = tracing, security\n[security]\nenabled = false\n";
}

// Counts answers while the load runs: every request must get a 200; some before the reload lack
// the security headers, every one after the reload has them.
struct LoadCounters
{
    std::atomic<int> ok{0};
    std::atomic<int> failed{0};
    std::atomic<int> withHeaders{0};
    std::atomic<int> withoutHeaders{0};
};

// One client on a keep-alive connection (reconnecting when the server closes it), until `stop`.
void clientLoop(unsigned short port, LoadCounters& counters, const std::atomic<bool>& stop)
{
    Poco::Net::HTTPClientSession session("127.0.0.1", port);
    session.setTimeout(Poco::Timespan(5, 0));
    session.setKeepAlive(true);
    for (int i = 0; i < 100000 && !stop.load(); ++i) // bounded
    {
        try
        {
            Poco::Net::HTTPRequest request("GET", "/healthz", Poco::Net::HTTPMessage::HTTP_1_1);
            request.setKeepAlive(true);
            session.sendRequest(request);
            Poco::Net::HTTPResponse response;
            std::istream& in = session.receiveResponse(response);
            std::ostringstream body;
            Poco::StreamCopier::copyStream(in, body);
            if (response.getStatus() != 200 || body.str() != "{\"status\":\"ok\"}")
            {
                counters.failed++;
                continue;
            }
            counters.ok++;
            (response.has("X-Frame-Options") ? counters.withHeaders : counters.withoutHeaders)++;
        }
        catch (const Poco::Exception&)
        {
            counters.failed++;
            session.reset();
        }
    }
}

} // namespace

class ReloadUnderLoadTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ReloadUnderLoadTest);
    CPPUNIT_TEST(testReloadChangesChainWithoutFailures);
    CPPUNIT_TEST_SUITE_END();

public:
    void testReloadChangesChainWithoutFailures()
    {
        PorticodProcess porticod(configWith(false));
        LoadCounters counters;
        std::atomic<bool> stop{false};
        std::vector<std::thread> clients;
        for (int i = 0; i < 4; ++i)
            clients.emplace_back(clientLoop, porticod.port(), std::ref(counters), std::cref(stop));

        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        porticod.rewriteConfig(configWith(true));
        porticod.signal(SIGHUP);
        const bool reloaded = porticod.waitForOutput("reloaded", 10);
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        const int withHeadersAfterReload = counters.withHeaders.load();

        // A broken config: refused, the running chain (security on) stays.
        porticod.rewriteConfig("[server]\nlisten = 127.0.0.1:{port}\n[plugins]\norder = tracing, security\n"
                               "[security]\nno_such_key = 1\n");
        porticod.signal(SIGHUP);
        const bool refused = porticod.waitForOutput("reload refused", 10);
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        stop = true;
        for (auto& client : clients)
            client.join();

        CPPUNIT_ASSERT_MESSAGE(porticod.output(), reloaded);
        CPPUNIT_ASSERT_MESSAGE(porticod.output(), refused);
        CPPUNIT_ASSERT_MESSAGE(porticod.output(), porticod.output().find("no_such_key") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(0, counters.failed.load());
        CPPUNIT_ASSERT(counters.ok.load() > 100);
        CPPUNIT_ASSERT(counters.withoutHeaders.load() > 0);
        CPPUNIT_ASSERT(withHeadersAfterReload > 0);
        CPPUNIT_ASSERT(counters.withHeaders.load() > withHeadersAfterReload); // still on after the refused reload
        const HttpResult last = httpRequest(porticod.port(), "GET", "/healthz");
        CPPUNIT_ASSERT(last.has("X-Frame-Options"));
        CPPUNIT_ASSERT(porticod.running());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ReloadUnderLoadTest);
