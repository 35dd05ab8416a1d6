// Streaming through the installed porticod: events arrive one at a time while the handler is
// still producing them, with every header on the stream's head; a client that leaves
// mid-stream ends the exchange as client_gone and the server goes on serving.

#include "IntegrationConfigs.h"
#include "PorticodProcess.h"
#include "Poco/Net/SocketAddress.h"
#include "Poco/Net/StreamSocket.h"
#include <cppunit/extensions/HelperMacros.h>
#include <chrono>
#include <thread>

using namespace portico::test;

namespace {

const std::string streamingIni = "[server]\nlisten = 127.0.0.1:{port}\n[plugins]\npath = {plugins}\n"
                                 "order = tracing, security, probe_b\n[probe_b]\nroutes = true\n";

/// When each "data: {"n":i}" event was first complete in the received bytes (ms since the
/// request was sent); -1 for an event that never came.
std::vector<double> eventArrivals(const RawResult& result, int events)
{
    std::vector<double> at(static_cast<std::size_t>(events), -1);
    std::string received;
    for (const auto& arrival : result.arrivals)
    {
        received += arrival.bytes;
        for (int i = 0; i < events; ++i)
            if (at[static_cast<std::size_t>(i)] < 0 &&
                received.find("data: {\"n\":" + std::to_string(i) + "}\n\n") != std::string::npos)
                at[static_cast<std::size_t>(i)] = arrival.ms;
    }
    return at;
}

std::string describe(const std::vector<double>& at)
{
    std::string out;
    for (double ms : at)
        out += std::to_string(static_cast<int>(ms)) + "ms ";
    return out;
}

} // namespace

class StreamingTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(StreamingTest);
    CPPUNIT_TEST(testEventsArriveOneAtATime);
    CPPUNIT_TEST(testClientGoneMidStream);
    CPPUNIT_TEST_SUITE_END();

public:
    void testEventsArriveOneAtATime()
    {
        PorticodProcess porticod(streamingIni);
        const int events = 5;
        const int delayMs = 200;
        const RawResult result = rawRequest(porticod.port(),
                                            "GET /probe_b/stream?events=5&delay_ms=200 HTTP/1.1\r\nHost: x\r\n\r\n", 10);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(result.raw, 200, result.status);
        const std::string head = rawHead(result);
        PORTICO_ASSERT_CONTAINS(head, "transfer-encoding: chunked");
        PORTICO_ASSERT_CONTAINS(head, "content-type: text/event-stream");
        PORTICO_ASSERT_CONTAINS(head, "cache-control: no-cache");
        PORTICO_ASSERT_CONTAINS(head, "strict-transport-security: ");
        PORTICO_ASSERT_CONTAINS(head, "x-trace-id: ");
        const std::string body = dechunk(result.raw.substr(result.raw.find("\r\n\r\n") + 4));
        CPPUNIT_ASSERT_EQUAL(std::string("event: tick\ndata: {\"n\":0}\n\nevent: tick\ndata: {\"n\":1}\n\n"
                                         "event: tick\ndata: {\"n\":2}\n\nevent: tick\ndata: {\"n\":3}\n\n"
                                         "event: tick\ndata: {\"n\":4}\n\n"),
                             body);

        const std::vector<double> at = eventArrivals(result, events);
        for (double ms : at)
            CPPUNIT_ASSERT_MESSAGE(describe(at), ms >= 0);
        // The first event is out long before the handler has produced the last one, and each
        // later one comes about one delay after the one before (a buffered answer would bring
        // them all at once at the end).
        CPPUNIT_ASSERT_MESSAGE(describe(at), at.back() - at.front() >= (events - 1) * delayMs * 0.8);
        for (std::size_t i = 1; i < at.size(); ++i)
        {
            const double gap = at[i] - at[i - 1];
            // Loose bounds: a busy machine delays single events, but never bunches them all.
            CPPUNIT_ASSERT_MESSAGE(describe(at), gap >= delayMs * 0.25 && gap <= delayMs * 5);
        }
    }

    void testClientGoneMidStream()
    {
        PorticodProcess porticod(streamingIni);
        {
            Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", porticod.port()));
            const std::string request = "GET /probe_b/stream?events=100&delay_ms=50 HTTP/1.1\r\nHost: x\r\n\r\n";
            socket.sendBytes(request.data(), static_cast<int>(request.size()));
            socket.setReceiveTimeout(Poco::Timespan(5, 0));
            std::string received;
            char buffer[4096];
            while (received.find("data: {\"n\":1}") == std::string::npos)
            {
                const int got = socket.receiveBytes(buffer, sizeof buffer);
                CPPUNIT_ASSERT_MESSAGE(received, got > 0);
                received.append(buffer, static_cast<std::size_t>(got));
            }
            socket.close(); // gone, 98 events early
        }
        CPPUNIT_ASSERT_MESSAGE(porticod.output(),
                               porticod.waitForOutput("probe probe_b complete client_gone 200 /probe_b/stream", 5));
        // The server is still there, and serves the next stream in full.
        const HttpResult health = httpRequest(porticod.port(), "GET", "/healthz");
        CPPUNIT_ASSERT_EQUAL(200, health.status);
        const RawResult next = rawRequest(porticod.port(),
                                          "GET /probe_b/stream?events=3&delay_ms=10 HTTP/1.1\r\nHost: x\r\n\r\n", 5);
        CPPUNIT_ASSERT_EQUAL(200, next.status);
        PORTICO_ASSERT_CONTAINS(dechunk(next.raw.substr(next.raw.find("\r\n\r\n") + 4)), "data: {\"n\":2}");
        CPPUNIT_ASSERT(porticod.running());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(StreamingTest);
