// The installed porticod with the shipped configuration (only its port and plugin directory
// changed): the process_* family of /metrics compared, scrape after scrape, with what the test
// reads from /proc/<porticod's pid> just before and just after each scrape, followed as
// connections open, and promtool on the whole exposition; then portico_http_streams during and
// after streams that end well, streams whose client leaves (closed or reset), a stream cut
// because its upstream broke off, and a stream a blocking handler writes from a worker.

#include "HttpClient.h"
#include "MetricsTesting.h"
#include "PorticodProcess.h"
#include "ProcFigures.h"
#include "RawConnection.h"
#include "TempDir.h"
#include "TestAsserts.h"
#include "Poco/Net/ServerSocket.h"
#include "Poco/Net/SocketAddress.h"
#include "Poco/Net/StreamSocket.h"
#include <cppunit/extensions/HelperMacros.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <future>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

using portico::metrics::test::ProcFigures;
using portico::metrics::test::readProcFigures;
using portico::test::httpRequest;
using portico::test::PorticodProcess;
using portico::test::RawConnection;
namespace mt = portico::metrics::test;

namespace {

double wallNow()
{
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void replaceOnce(std::string& text, const std::string& from, const std::string& to)
{
    const auto at = text.find(from);
    CPPUNIT_ASSERT_MESSAGE("'" + from + "' in the shipped config", at != std::string::npos);
    text.replace(at, from.size(), to);
}

/// The shipped portico.ini as installed, on the test's port and with the staged plugins.
std::string shippedConfig()
{
    std::string text = portico::test::readFile(portico::test::stageDir() + "/etc/portico/portico.ini");
    replaceOnce(text, "listen = 127.0.0.1:8000", "listen = 127.0.0.1:{port}");
    replaceOnce(text, "[plugins]\n", "[plugins]\npath = " + portico::test::stagePluginDir() + "\n");
    return text;
}

std::string scrape(const PorticodProcess& porticod)
{
    const auto result = httpRequest(porticod.port(), "GET", "/metrics");
    CPPUNIT_ASSERT_EQUAL(200, result.status);
    return result.body;
}

double sample(const std::string& text, const std::string& series)
{
    const double value = mt::sampleValue(text, series);
    CPPUNIT_ASSERT_MESSAGE(series + " missing from:\n" + text, value >= 0);
    return value;
}

/// `value` lies in [low, high] widened by `fraction` of them and `slack`.
void assertBetween(const std::string& what, double low, double high, double value, double fraction, double slack = 0)
{
    if (low > high)
        std::swap(low, high);
    const double from = low - std::fabs(low) * fraction - slack;
    const double to = high + std::fabs(high) * fraction + slack;
    CPPUNIT_ASSERT_MESSAGE(what + " " + std::to_string(value) + " not in [" + std::to_string(from) + ", " +
                               std::to_string(to) + "]",
                           value >= from && value <= to);
}

/// Reads `connection` until `marker` arrives (or `seconds` pass) and checks that what came holds
/// `expected`.
void expectUntil(RawConnection& connection, const std::string& marker, double seconds, const std::string& expected)
{
    const std::string data = connection.readUntil(marker, seconds).data;
    PORTICO_ASSERT_CONTAINS(data, expected);
}

/// Scrapes until portico_http_streams is `expected` (ServerMetrics samples it every second),
/// for up to `seconds`; returns the last value seen.
double awaitStreams(const PorticodProcess& porticod, double expected, double seconds = 4)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    double value = mt::sampleValue(scrape(porticod), "portico_http_streams");
    while (value != expected && std::chrono::steady_clock::now() < deadline)
    {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        value = mt::sampleValue(scrape(porticod), "portico_http_streams");
    }
    return value;
}

/// A streamed chat completion of `words` words: portico-echo sends one every
/// local.token_delay_ms (30 ms in the shipped config).
std::string chatStream(int words, const std::string& model = "portico-echo")
{
    std::string content;
    for (int i = 0; i < words; ++i)
        content += (i ? " w" : "w") + std::to_string(i);
    const std::string body = R"({"model":")" + model + R"(","messages":[{"role":"user","content":")" + content +
                             R"("}],"stream":true})";
    return "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
}

/// An upstream that answers a stream's head and one event, then, once released, closes the
/// connection without ending the chunked body: porticod must cut its client's stream.
class BreakingUpstream
{
public:
    BreakingUpstream() : socket_(Poco::Net::SocketAddress("127.0.0.1", 0))
    {
        thread_ = std::thread([this] { serve(); });
    }
    ~BreakingUpstream()
    {
        release();
        stopping_ = true;
        thread_.join();
    }
    unsigned short port() const { return socket_.address().port(); }
    void release() { released_ = true; }

private:
    void serve()
    {
        while (!stopping_)
        {
            if (!socket_.poll(Poco::Timespan(0, 100000), Poco::Net::Socket::SELECT_READ))
                continue;
            Poco::Net::StreamSocket connection = socket_.acceptConnection();
            std::string request;
            char buffer[4096];
            // The head, then its Content-Length of body.
            while (request.find("\r\n\r\n") == std::string::npos)
            {
                const int got = connection.receiveBytes(buffer, sizeof buffer);
                if (got <= 0)
                    break;
                request.append(buffer, static_cast<std::size_t>(got));
            }
            const std::string event = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                                      "\"model\":\"s-cut\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"half\"},"
                                      "\"finish_reason\":null}]}\n\n";
            char size[16];
            std::snprintf(size, sizeof size, "%zx\r\n", event.size());
            const std::string answer =
                "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" +
                std::string(size) + event + "\r\n";
            connection.sendBytes(answer.data(), static_cast<int>(answer.size()));
            while (!released_ && !stopping_)
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            connection.close();
        }
    }

    Poco::Net::ServerSocket socket_;
    std::atomic<bool> released_{false};
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

} // namespace

class ProcessMetricsIntegrationTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ProcessMetricsIntegrationTest);
    CPPUNIT_TEST(testProcessFamilyMatchesProc);
    CPPUNIT_TEST(testStreamsGauge);
    CPPUNIT_TEST(testStreamsGaugeWhenClientsLeave);
    CPPUNIT_TEST(testStreamsGaugeWhenAStreamIsCut);
    CPPUNIT_TEST(testStreamsGaugeOfAStreamFromAWorker);
    CPPUNIT_TEST_SUITE_END();

public:
    void testProcessFamilyMatchesProc()
    {
        const double launched = wallNow();
        PorticodProcess porticod(shippedConfig());
        const double healthy = wallNow();
        for (int i = 0; i < 50; ++i) // some CPU spent
            CPPUNIT_ASSERT_EQUAL(200, httpRequest(porticod.port(), "GET", "/healthz").status);

        std::string text;
        double cost = 0;
        for (int round = 0; round < 5; ++round)
        {
            const ProcFigures before = readProcFigures(porticod.pid());
            const auto start = std::chrono::steady_clock::now();
            text = scrape(porticod);
            cost += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
            const ProcFigures after = readProcFigures(porticod.pid());

            // The same clock ticks, read on both sides of the scrape: no slack.
            assertBetween("process_cpu_seconds_total", before.cpuSeconds, after.cpuSeconds,
                          sample(text, "process_cpu_seconds_total"), 0);
            assertBetween("process_resident_memory_bytes", before.residentBytes, after.residentBytes,
                          sample(text, "process_resident_memory_bytes"), 0.05);
            assertBetween("process_virtual_memory_bytes", before.virtualBytes, after.virtualBytes,
                          sample(text, "process_virtual_memory_bytes"), 0.05);
            assertBetween("process_threads", before.threads, after.threads, sample(text, "process_threads"), 0);
            // porticod's figure also counts the scrape's connection and its own listing of
            // /proc/self/fd, which the test's readings do not see.
            assertBetween("process_open_fds", before.openFds, after.openFds, sample(text, "process_open_fds"), 0.05, 2);
            CPPUNIT_ASSERT_EQUAL(before.maxFds, sample(text, "process_max_fds"));
            const double started = sample(text, "process_start_time_seconds");
            CPPUNIT_ASSERT_DOUBLES_EQUAL(before.startTime, started, 0.001);
            // By the wall clock: between the launch and the first healthy answer (btime, and so
            // the start time, is up to a second early).
            assertBetween("process_start_time_seconds", launched - 1.05, healthy, started, 0);
        }
        std::cerr << "GET /metrics (shipped config, process family included): " << cost / 5 << " ms per scrape"
                  << std::endl;

        // Fresh at every scrape: 30 more connections show at once.
        const double fds = sample(scrape(porticod), "process_open_fds");
        std::vector<std::unique_ptr<RawConnection>> held;
        for (int i = 0; i < 30; ++i)
            held.push_back(std::make_unique<RawConnection>(porticod.port()));
        double more = 0;
        for (int i = 0; i < 100 && more < fds + 30; ++i)
        {
            more = sample(scrape(porticod), "process_open_fds");
            if (more < fds + 30)
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        CPPUNIT_ASSERT_MESSAGE(std::to_string(fds) + " then " + std::to_string(more), more >= fds + 30);

        std::string output;
        bool missing = false;
        CPPUNIT_ASSERT_MESSAGE(output + "\n" + text, mt::promtoolAccepts(text, output, missing));
        if (missing)
            std::cerr << mt::PromtoolMissing << std::endl;
        for (const char* type : {"# TYPE process_cpu_seconds_total counter", "# TYPE process_resident_memory_bytes gauge",
                                 "# TYPE process_virtual_memory_bytes gauge", "# TYPE process_open_fds gauge",
                                 "# TYPE process_max_fds gauge", "# TYPE process_start_time_seconds gauge",
                                 "# TYPE process_threads gauge", "# TYPE portico_http_streams gauge"})
            PORTICO_ASSERT_CONTAINS(text, type);
    }

    void testStreamsGauge()
    {
        PorticodProcess porticod(shippedConfig());
        CPPUNIT_ASSERT_EQUAL(0.0, awaitStreams(porticod, 0));
        RawConnection client(porticod.port());
        CPPUNIT_ASSERT(client.send(chatStream(100))); // 3 s of tokens
        expectUntil(client, "data: ", 5, "200 OK");
        CPPUNIT_ASSERT_EQUAL(1.0, awaitStreams(porticod, 1));
        {
            RawConnection second(porticod.port());
            CPPUNIT_ASSERT(second.send(chatStream(100)));
            expectUntil(second, "data: ", 5, "200 OK");
            CPPUNIT_ASSERT_EQUAL(2.0, awaitStreams(porticod, 2));
            expectUntil(second, "0\r\n\r\n", 15, "data: [DONE]");
        }
        expectUntil(client, "0\r\n\r\n", 15, "data: [DONE]");
        CPPUNIT_ASSERT_EQUAL(0.0, awaitStreams(porticod, 0));
        // A buffered answer is no stream.
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(porticod.port(), "POST", "/v1/chat/completions",
                                              R"({"model":"portico-echo","messages":[{"role":"user","content":"hi"}]})")
                                      .status);
        CPPUNIT_ASSERT_EQUAL(0.0, awaitStreams(porticod, 0));
    }

    void testStreamsGaugeWhenClientsLeave()
    {
        PorticodProcess porticod(shippedConfig());
        // 1000 tokens: 30 s, far longer than the test waits for the gauge to come down.
        auto closed = std::make_unique<RawConnection>(porticod.port());
        auto reset = std::make_unique<RawConnection>(porticod.port());
        CPPUNIT_ASSERT(closed->send(chatStream(1000)));
        CPPUNIT_ASSERT(reset->send(chatStream(1000)));
        expectUntil(*closed, "data: ", 5, "200 OK");
        expectUntil(*reset, "data: ", 5, "200 OK");
        CPPUNIT_ASSERT_EQUAL(2.0, awaitStreams(porticod, 2));
        const auto left = std::chrono::steady_clock::now();
        reset->abort(); // RST, as a crashing client
        CPPUNIT_ASSERT_EQUAL(1.0, awaitStreams(porticod, 1));
        closed->close(); // FIN, as a client that stops reading and hangs up
        CPPUNIT_ASSERT_EQUAL(0.0, awaitStreams(porticod, 0));
        CPPUNIT_ASSERT(std::chrono::steady_clock::now() - left < std::chrono::seconds(10));
        // The server goes on streaming to others.
        RawConnection next(porticod.port());
        CPPUNIT_ASSERT(next.send(chatStream(20)));
        expectUntil(next, "0\r\n\r\n", 10, "data: [DONE]");
        CPPUNIT_ASSERT_EQUAL(0.0, awaitStreams(porticod, 0));
    }

    void testStreamsGaugeWhenAStreamIsCut()
    {
        BreakingUpstream upstream;
        PorticodProcess porticod("[server]\nlisten = 127.0.0.1:{port}\n[plugins]\npath = " +
                                 portico::test::stagePluginDir() +
                                 "\norder = tracing, security, metrics, openai\n[openai]\n"
                                 "upstream.url = http://127.0.0.1:" + std::to_string(upstream.port()) +
                                 "/v1\nupstream.models = s-cut\n");
        RawConnection client(porticod.port());
        CPPUNIT_ASSERT(client.send(chatStream(3, "s-cut")));
        expectUntil(client, "half", 10, "200 OK");
        CPPUNIT_ASSERT_EQUAL(1.0, awaitStreams(porticod, 1));
        upstream.release();
        const auto end = client.readUntilClosed(10);
        CPPUNIT_ASSERT(end.closed || end.reset);
        PORTICO_ASSERT_NOT_CONTAINS(end.data, "0\r\n\r\n"); // cut: no terminating chunk
        CPPUNIT_ASSERT_EQUAL(0.0, awaitStreams(porticod, 0));
    }

    void testStreamsGaugeOfAStreamFromAWorker()
    {
        // A blocking handler writes its stream from a worker thread (the probe fixture's
        // blocking_stream): counted from its head to its end, and when its client leaves.
        PorticodProcess porticod("[server]\nlisten = 127.0.0.1:{port}\n[plugins]\npath = {plugins}\n"
                                 "order = tracing, metrics, probe_b\n[probe_b]\nroutes = true\n");
        const auto request = [](int events) {
            return "GET /probe_b/blocking_stream?events=" + std::to_string(events) +
                   "&delay_ms=100 HTTP/1.1\r\nHost: x\r\n\r\n";
        };
        {
            RawConnection client(porticod.port());
            CPPUNIT_ASSERT(client.send(request(30))); // 3 s
            expectUntil(client, "event: tick", 5, "200 OK");
            CPPUNIT_ASSERT_EQUAL(1.0, awaitStreams(porticod, 1));
            expectUntil(client, "0\r\n\r\n", 10, "{\"n\":29}");
            CPPUNIT_ASSERT_EQUAL(0.0, awaitStreams(porticod, 0));
        }
        RawConnection leaving(porticod.port());
        CPPUNIT_ASSERT(leaving.send(request(600))); // 60 s
        expectUntil(leaving, "event: tick", 5, "200 OK");
        CPPUNIT_ASSERT_EQUAL(1.0, awaitStreams(porticod, 1));
        leaving.abort();
        CPPUNIT_ASSERT_EQUAL(0.0, awaitStreams(porticod, 0));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ProcessMetricsIntegrationTest);
