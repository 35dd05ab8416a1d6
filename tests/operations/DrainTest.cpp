// SIGTERM during a slow stream: the stream completes, new connections are refused, and the
// process exits 0 once it is done.

#include "HttpClient.h"
#include "PorticodProcess.h"
#include "Poco/Net/NetException.h"
#include <chrono>
#include <csignal>
#include <cppunit/extensions/HelperMacros.h>
#include <future>
#include <thread>

using namespace portico::test;

class DrainTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(DrainTest);
    CPPUNIT_TEST(testStreamInFlightCompletesThenExitZero);
    CPPUNIT_TEST(testDrainDeadlineCutsALongStream);
    CPPUNIT_TEST_SUITE_END();

public:
    void testStreamInFlightCompletesThenExitZero()
    {
        PorticodProcess porticod("[server]\nlisten = 127.0.0.1:{port}\ndrain_seconds = 20\n[plugins]\npath = {plugins}\n"
                                 "order = tracing, probe_b\n[probe_b]\nroutes = true\n");
        const unsigned short port = porticod.port();
        auto stream = std::async(std::launch::async, [port] {
            return rawRequest(port, "GET /probe_b/stream?events=8&delay_ms=250 HTTP/1.1\r\nHost: x\r\n\r\n", 20);
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(600)); // a few events are out
        porticod.signal(SIGTERM);
        CPPUNIT_ASSERT(porticod.waitForOutput("listeners closed", 5));

        // No new connections while draining.
        bool refused = false;
        try
        {
            httpRequest(port, "GET", "/healthz", "", {}, 2);
        }
        catch (const Poco::Exception&)
        {
            refused = true;
        }
        CPPUNIT_ASSERT_MESSAGE("a new connection must be refused while draining", refused);

        const RawResult result = stream.get();
        CPPUNIT_ASSERT_EQUAL(200, result.status);
        const std::string body = dechunk(result.raw.substr(result.raw.find("\r\n\r\n") + 4));
        for (int i = 0; i < 8; ++i)
            CPPUNIT_ASSERT_MESSAGE(body, body.find("data: {\"n\":" + std::to_string(i) + "}") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(0, porticod.waitForExit(10));
        CPPUNIT_ASSERT(porticod.output().find("probe probe_b complete completed 200 /probe_b/stream") != std::string::npos);
    }

    void testDrainDeadlineCutsALongStream()
    {
        PorticodProcess porticod("[server]\nlisten = 127.0.0.1:{port}\ndrain_seconds = 1\n[plugins]\npath = {plugins}\n"
                                 "order = tracing, probe_b\n[probe_b]\nroutes = true\n");
        const unsigned short port = porticod.port();
        auto stream = std::async(std::launch::async, [port] {
            return rawRequest(port, "GET /probe_b/stream?events=100&delay_ms=100 HTTP/1.1\r\nHost: x\r\n\r\n", 20);
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        const auto start = std::chrono::steady_clock::now();
        porticod.signal(SIGTERM);
        CPPUNIT_ASSERT_EQUAL(0, porticod.waitForExit(10));
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        CPPUNIT_ASSERT_MESSAGE(std::to_string(seconds), seconds < 4.0);
        const RawResult result = stream.get();
        CPPUNIT_ASSERT(result.closedByServer);
        CPPUNIT_ASSERT(porticod.output().find("still in flight after drain_seconds") != std::string::npos);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(DrainTest);
