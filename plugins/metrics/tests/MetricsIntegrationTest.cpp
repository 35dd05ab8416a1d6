// The installed porticod with tracing, security, metrics and the probe's routes: /metrics over
// a real socket, its counts after real requests, the in-flight gauge during a slow request,
// requests refused when the worker queue is full and connections refused past max_connections
// (each counted and logged), and promtool on the result.

#include "HttpClient.h"
#include "MetricsTesting.h"
#include "RawConnection.h"
#include "PorticodProcess.h"
#include "TestAsserts.h"
#include "portico/Version.h"
#include <cppunit/extensions/HelperMacros.h>
#include <chrono>
#include <future>
#include <iostream>
#include <thread>
#include <vector>

using portico::test::HttpResult;
using portico::test::httpRequest;
using portico::test::PorticodProcess;
using portico::test::RawConnection;
using portico::test::ReadOutcome;
using portico::test::statusOf;
namespace mt = portico::metrics::test;

namespace {

std::string config(int threads = 16, int queue = 64, const std::string& more = "")
{
    return "[server]\nlisten = 127.0.0.1:{port}\nthreads = " + std::to_string(threads) +
           "\nqueue = " + std::to_string(queue) + "\n" + more +
           "[plugins]\npath = {plugins}\norder = tracing, security, metrics, probe_b\n[probe_b]\nroutes = true\n";
}

std::string scrape(const PorticodProcess& porticod)
{
    const HttpResult result = httpRequest(porticod.port(), "GET", "/metrics");
    CPPUNIT_ASSERT_EQUAL(200, result.status);
    return result.body;
}

} // namespace

class MetricsIntegrationTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(MetricsIntegrationTest);
    CPPUNIT_TEST(testCountsAndFormat);
    CPPUNIT_TEST(testInFlightDuringASlowRequest);
    CPPUNIT_TEST(testRefusedRequestsAreCounted);
    CPPUNIT_TEST(testRefusedConnectionsAreCounted);
    CPPUNIT_TEST_SUITE_END();

public:
    void testCountsAndFormat()
    {
        PorticodProcess porticod(config());
        for (int i = 0; i < 3; ++i)
            CPPUNIT_ASSERT_EQUAL(200, httpRequest(porticod.port(), "GET", "/probe_b/slow?ms=" + std::to_string(i)).status);
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(porticod.port(), "POST", "/probe_b/echo", "{\"a\":1}").status);
        CPPUNIT_ASSERT_EQUAL(404, httpRequest(porticod.port(), "GET", "/nope/42").status);
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(porticod.port(), "GET", "/healthz").status);
        {
            // Answered by the core without the chain's request hooks: counted, but never in
            // flight (the gauge must not go below what is really in flight).
            RawConnection malformed(porticod.port());
            CPPUNIT_ASSERT(malformed.send("GET /x HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n"));
            CPPUNIT_ASSERT_EQUAL(400, statusOf(malformed.readUntilClosed(5).data));
        }

        // Completion hooks run just after each answer is sent (on a worker for this chain):
        // wait until the requests above are counted before reading the scrape.
        const auto scrapeText = [&] { return scrape(porticod); };
        mt::awaitSample(scrapeText, "portico_http_requests_total{method=\"GET\",route=\"/probe_b/slow\",status=\"200\"}", 3.0);
        mt::awaitSample(scrapeText, "portico_http_requests_total{method=\"POST\",route=\"/probe_b/echo\",status=\"200\"}", 1.0);
        mt::awaitSample(scrapeText, "portico_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"}", 1.0);
        mt::awaitSample(scrapeText, "portico_http_request_duration_seconds_count{route=\"/probe_b/slow\"}", 3.0);

        const HttpResult result = httpRequest(porticod.port(), "GET", "/metrics");
        CPPUNIT_ASSERT_EQUAL(200, result.status);
        CPPUNIT_ASSERT_EQUAL(std::string("text/plain; version=0.0.4"), result.header("Content-Type"));
        // The answer went through the chain like any other: trace id and security headers.
        CPPUNIT_ASSERT(result.has("X-Trace-Id") && result.has("X-Content-Type-Options"));
        const std::string& text = result.body;
        CPPUNIT_ASSERT_EQUAL(3.0, mt::sampleValue(text, "portico_http_requests_total{method=\"GET\",route=\"/probe_b/slow\",status=\"200\"}"));
        CPPUNIT_ASSERT_EQUAL(1.0, mt::sampleValue(text, "portico_http_requests_total{method=\"POST\",route=\"/probe_b/echo\",status=\"200\"}"));
        CPPUNIT_ASSERT_EQUAL(1.0, mt::sampleValue(text, "portico_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"}"));
        CPPUNIT_ASSERT(mt::sampleValue(text, "portico_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}") >= 2);
        CPPUNIT_ASSERT_EQUAL(3.0, mt::sampleValue(text, "portico_http_request_duration_seconds_count{route=\"/probe_b/slow\"}"));
        CPPUNIT_ASSERT_EQUAL(1.0, mt::sampleValue(text, std::string("portico_build_info{version=\"") + PORTICO_VERSION + "\"}"));
        CPPUNIT_ASSERT_EQUAL(0.0, mt::sampleValue(text, "portico_http_connections_refused_total"));
        PORTICO_ASSERT_NOT_CONTAINS(text, "/nope/42");
        // Only the scrape itself is in flight (an earlier scrape's completion may lag a moment).
        CPPUNIT_ASSERT_EQUAL(1.0, mt::awaitSample(scrapeText, "portico_http_in_flight", 1.0));

        std::string output;
        bool missing = false;
        CPPUNIT_ASSERT_MESSAGE(output + "\n" + text, mt::promtoolAccepts(text, output, missing));
        if (missing)
            std::cerr << mt::PromtoolMissing << std::endl;
    }

    void testInFlightDuringASlowRequest()
    {
        PorticodProcess porticod(config());
        auto slow = std::async(std::launch::async, [&] {
            return httpRequest(porticod.port(), "GET", "/probe_b/slow?ms=1500").status;
        });
        double inFlight = 0;
        for (int i = 0; i < 100 && inFlight < 2; ++i)
        {
            inFlight = mt::sampleValue(scrape(porticod), "portico_http_in_flight");
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        CPPUNIT_ASSERT_EQUAL(2.0, inFlight); // the slow request and the scrape
        CPPUNIT_ASSERT_EQUAL(200, slow.get());
        // The slow request's completion (and the last scrape's) run just after their answers.
        CPPUNIT_ASSERT_EQUAL(1.0, mt::awaitSample([&] { return scrape(porticod); }, "portico_http_in_flight", 1.0));
    }

    void testRefusedRequestsAreCounted()
    {
        // One worker, a queue of one: of eight simultaneous slow (blocking) requests, one runs,
        // one waits and the others are answered 503 at once.
        PorticodProcess porticod(config(1, 1));
        std::vector<std::future<int>> clients;
        for (int i = 0; i < 8; ++i)
            clients.push_back(std::async(std::launch::async, [&] {
                return httpRequest(porticod.port(), "GET", "/probe_b/slow?ms=300", "", {}, 10).status;
            }));
        int refused = 0;
        for (auto& client : clients)
        {
            const int status = client.get();
            CPPUNIT_ASSERT_MESSAGE(std::to_string(status), status == 200 || status == 503);
            refused += status == 503 ? 1 : 0;
        }
        CPPUNIT_ASSERT_MESSAGE("no request was refused", refused > 0);
        // ServerMetrics copies the pool's count every second.
        double counted = 0;
        for (int i = 0; i < 50 && counted < refused; ++i)
        {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            counted = mt::sampleValue(scrape(porticod), "portico_worker_queue_refused_total");
        }
        CPPUNIT_ASSERT_EQUAL(static_cast<double>(refused), counted);
        // The refused requests never entered the chain: once the previous scrape's completion
        // has run (it runs just after its answer is sent, so a quick client can see it still in
        // flight), only the scrape itself is. Had the refused ones been taken off the gauge it
        // would stay six below.
        double inFlight = 0;
        for (int i = 0; i < 50; ++i)
        {
            const std::string text = scrape(porticod);
            inFlight = mt::sampleValue(text, "portico_http_in_flight");
            CPPUNIT_ASSERT_MESSAGE(text, inFlight >= 1.0);
            if (inFlight == 1.0)
                break;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        CPPUNIT_ASSERT_EQUAL(1.0, inFlight);
        CPPUNIT_ASSERT(porticod.waitForOutput("request(s) answered 503", 5));
    }

    void testRefusedConnectionsAreCounted()
    {
        // Three connections at most: three held by slow requests, then a fourth gets a 503 and
        // is closed. (A connection the test made just before, the health check's, may still be
        // counted for a moment after the client closed it: a held connection refused for that
        // reason is opened again.)
        PorticodProcess porticod(config(16, 64, "max_connections = 3\n"));
        std::vector<std::unique_ptr<RawConnection>> held;
        for (int i = 0; i < 3; ++i)
        {
            for (int attempt = 0; attempt < 50; ++attempt)
            {
                auto connection = std::make_unique<RawConnection>(porticod.port());
                CPPUNIT_ASSERT(connection->send("GET /probe_b/slow?ms=1500 HTTP/1.1\r\nHost: x\r\n\r\n"));
                const ReadOutcome early = connection->readUntil("HTTP/1.1", 0.2);
                if (early.data.empty())
                {
                    held.push_back(std::move(connection)); // not refused: it waits for its answer
                    break;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), held.size());
        RawConnection extra(porticod.port());
        const ReadOutcome refusedAnswer = extra.readUntilClosed(5);
        CPPUNIT_ASSERT_EQUAL(503, statusOf(refusedAnswer.data));
        PORTICO_ASSERT_CONTAINS(refusedAnswer.data, "too_many_connections");
        for (auto& connection : held)
            CPPUNIT_ASSERT_EQUAL(200, statusOf(connection->readUntil("{\"slow\":true}", 10).data));
        held.clear();
        double counted = 0;
        for (int i = 0; i < 50 && counted < 1; ++i)
        {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            try
            {
                counted = mt::sampleValue(scrape(porticod), "portico_http_connections_refused_total");
            }
            catch (...)
            {
                // the scrape itself met the limit for a moment: look again
            }
        }
        CPPUNIT_ASSERT(counted >= 1);
        CPPUNIT_ASSERT(porticod.waitForOutput("server.max_connections (3) reached", 5));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(MetricsIntegrationTest);
