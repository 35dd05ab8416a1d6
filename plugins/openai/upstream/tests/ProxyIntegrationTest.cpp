// Two real porticod processes: A proxies every model (upstream.models = *) to B, which serves
// them from its local backend with a per-token delay, standing in for a slow LLM. A relays on
// its event loop through the core's upstream client; a stream that B breaks off mid-way reaches
// the client as a truncated transfer (curl exits non-zero). And A in front of a fake upstream (a
// raw socket in this process) that reports a failure in its stream: the client gets that event
// and a truncated transfer, and A's completion hooks see an error.

#include "HttpClient.h"
#include "TempDir.h"
#include "PorticodProcess.h"
#include "Poco/Net/ServerSocket.h"
#include "Poco/Net/SocketAddress.h"
#include "Poco/Net/StreamSocket.h"
#include "Poco/Pipe.h"
#include "Poco/PipeStream.h"
#include "Poco/Process.h"
#include "Poco/StreamCopier.h"
#include <cppunit/extensions/HelperMacros.h>
#include <chrono>
#include <csignal>
#include <iostream>
#include <thread>

using namespace portico::test;
using Clock = std::chrono::steady_clock;

namespace {

/// B: the local backend, `delayMs` per token; probe_a first so its completion hook logs how
/// each request ended ("probe probe_a complete client_gone ...").
std::string upstreamConfig(int delayMs)
{
    return "[server]\nlisten = 127.0.0.1:{port}\n[plugins]\npath = {plugins}\norder = tracing, probe_a, openai\n"
           "[openai]\nlocal.token_delay_ms = " +
           std::to_string(delayMs) + "\n";
}

std::string proxyConfig(unsigned short upstreamPort)
{
    return "[server]\nlisten = 127.0.0.1:{port}\n[plugins]\norder = tracing, openai\n[openai]\n"
           "upstream.url = http://127.0.0.1:" +
           std::to_string(upstreamPort) + "/v1\nupstream.models = *\nupstream.read_timeout_ms = 10000\n";
}

std::string words(int count)
{
    std::string text;
    for (int i = 0; i < count; ++i)
        text += (i ? " w" : "w") + std::to_string(i);
    return text;
}

std::string streamRequest(const std::string& text)
{
    const std::string body = R"({"model":"portico-echo","stream":true,"messages":[{"role":"user","content":")" +
                             text + R"("}]})";
    return "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
           "Content-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

std::string chunk(const std::string& data)
{
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    return size + data + "\r\n";
}

/// An upstream that answers the first request on `listener` (within 10 s) with `answer` and
/// then waits (up to 5 s) for the proxy to close the connection.
std::thread answerOnce(Poco::Net::ServerSocket& listener, std::string answer)
{
    return std::thread([&listener, answer = std::move(answer)] {
        if (!listener.poll(Poco::Timespan(10, 0), Poco::Net::Socket::SELECT_READ))
            return;
        Poco::Net::StreamSocket socket = listener.acceptConnection();
        socket.setReceiveTimeout(Poco::Timespan(5, 0));
        std::string request;
        char buffer[4096];
        std::size_t headEnd = std::string::npos;
        std::size_t length = 0;
        while (headEnd == std::string::npos || request.size() < headEnd + 4 + length)
        {
            const int got = socket.receiveBytes(buffer, sizeof buffer);
            if (got <= 0)
                return;
            request.append(buffer, static_cast<std::size_t>(got));
            if (headEnd == std::string::npos && (headEnd = request.find("\r\n\r\n")) != std::string::npos)
            {
                const auto at = request.find("Content-Length: ");
                if (at != std::string::npos && at < headEnd)
                    length = std::stoul(request.substr(at + 16));
            }
        }
        socket.sendBytes(answer.data(), static_cast<int>(answer.size()));
        socket.poll(Poco::Timespan(5, 0), Poco::Net::Socket::SELECT_READ);
    });
}

std::size_t count(const std::string& text, const std::string& part)
{
    std::size_t n = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size()))
        ++n;
    return n;
}

} // namespace

class ProxyIntegrationTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ProxyIntegrationTest);
    CPPUNIT_TEST(testFirstEventArrivesLongBeforeUpstreamFinishes);
    CPPUNIT_TEST(testTraceCrossesTheHop);
    CPPUNIT_TEST(testClientDisconnectClosesUpstreamRequest);
    CPPUNIT_TEST(testStreamCutMidWayFailsCurl);
    CPPUNIT_TEST(testUpstreamErrorEventFailsTheStream);
    CPPUNIT_TEST(testUnreachableUpstreamIs502);
    CPPUNIT_TEST(testKeyFileProblemsStopStartUp);
    CPPUNIT_TEST_SUITE_END();

public:
    void testFirstEventArrivesLongBeforeUpstreamFinishes()
    {
        PorticodProcess upstream(upstreamConfig(40));
        PorticodProcess proxy(proxyConfig(upstream.port()));
        const RawResult result = rawRequest(proxy.port(), streamRequest(words(30)), 20);
        CPPUNIT_ASSERT_EQUAL(200, result.status);
        const std::string body = dechunk(result.raw.substr(result.raw.find("\r\n\r\n") + 4));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(body, std::size_t(1), count(body, "data: [DONE]"));
        CPPUNIT_ASSERT(count(body, "chat.completion.chunk") >= 30);
        double firstEvent = -1;
        for (const auto& arrival : result.arrivals)
            if (firstEvent < 0 && arrival.bytes.find("data: {") != std::string::npos)
                firstEvent = arrival.ms;
        const double last = result.arrivals.back().ms;
        // 30 tokens at 40 ms: B needs over a second; the first event is through A at once.
        CPPUNIT_ASSERT_MESSAGE("last " + std::to_string(last), last > 1100);
        CPPUNIT_ASSERT_MESSAGE("first " + std::to_string(firstEvent), firstEvent >= 0 && firstEvent < 600);
        CPPUNIT_ASSERT(result.arrivals.size() > 20); // arrived piece by piece, not in one block
    }

    void testTraceCrossesTheHop()
    {
        PorticodProcess upstream(upstreamConfig(0));
        PorticodProcess proxy(proxyConfig(upstream.port()));
        const std::string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        const auto result = httpRequest(proxy.port(), "POST", "/v1/responses",
                                        R"({"model":"portico-echo","input":"over the hop"})",
                                        {{"Content-Type", "application/json"},
                                         {"Authorization", "Bearer client-key"},
                                         {"traceparent", "00-" + traceId + "-00f067aa0ba902b7-01"}});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(result.body, 200, result.status);
        CPPUNIT_ASSERT(result.body.find(R"("text":"over the hop")") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(traceId, result.header("X-Trace-Id"));
        // B took A's traceparent: its request id (its trace id) is the same trace.
        CPPUNIT_ASSERT_EQUAL(traceId, result.header("X-Upstream-Request-Id"));
    }

    void testClientDisconnectClosesUpstreamRequest()
    {
        // 300 tokens at 20 ms: six seconds if nobody stopped B.
        PorticodProcess upstream(upstreamConfig(20));
        PorticodProcess proxy(proxyConfig(upstream.port()));
        const auto start = Clock::now();
        {
            Poco::Net::StreamSocket client(Poco::Net::SocketAddress("127.0.0.1", proxy.port()));
            client.setReceiveTimeout(Poco::Timespan(5, 0));
            const std::string request = streamRequest(words(300));
            client.sendBytes(request.data(), static_cast<int>(request.size()));
            std::string received;
            char buffer[4096];
            while (count(received, "chat.completion.chunk") < 3)
            {
                const int got = client.receiveBytes(buffer, sizeof buffer);
                CPPUNIT_ASSERT(got > 0);
                received.append(buffer, static_cast<std::size_t>(got));
            }
        } // the client hangs up after three events
        CPPUNIT_ASSERT_MESSAGE(upstream.output(),
                               upstream.waitForOutput("probe probe_a complete client_gone 200 /v1/chat/completions", 4));
        const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
        CPPUNIT_ASSERT_MESSAGE(std::to_string(seconds) + " s", seconds < 4);
    }

    void testStreamCutMidWayFailsCurl()
    {
        // B streams 200 tokens at 40 ms; it is killed once curl has a few events through A. A
        // ends the stream with an error event and cuts the transfer without its last chunk:
        // curl sees the truncation and exits non-zero (18, "transfer closed with outstanding
        // read data remaining"), where a cleanly ended stream would have made it exit 0.
        PorticodProcess upstream(upstreamConfig(40));
        PorticodProcess proxy(proxyConfig(upstream.port()));
        const std::string body = R"({"model":"portico-echo","stream":true,"messages":[{"role":"user","content":")" +
                                 words(200) + R"("}]})";
        Poco::Pipe out, err;
        Poco::ProcessHandle curl = Poco::Process::launch(
            "curl",
            {"-sS", "-N", "--max-time", "10", "-H", "Content-Type: application/json", "-d", body,
             "http://127.0.0.1:" + std::to_string(proxy.port()) + "/v1/chat/completions"},
            nullptr, &out, &err);
        Poco::PipeInputStream stdoutStream(out);
        std::string received;
        std::string line;
        while (count(received, "chat.completion.chunk") < 3 && std::getline(stdoutStream, line))
            received += line + "\n";
        CPPUNIT_ASSERT_MESSAGE(received, count(received, "chat.completion.chunk") >= 3);
        upstream.signal(SIGKILL);
        std::string rest;
        Poco::StreamCopier::copyToString(stdoutStream, rest);
        received += rest;
        const int code = curl.wait();
        Poco::PipeInputStream stderrStream(err);
        std::string errors;
        Poco::StreamCopier::copyToString(stderrStream, errors);

        std::cerr << "\n  stream cut mid-way: curl exited " << code << ": " << errors;
        CPPUNIT_ASSERT_MESSAGE("curl exited " + std::to_string(code) + ": " + errors, code != 0);
        CPPUNIT_ASSERT_MESSAGE(errors, code != 28); // not the --max-time: the transfer was cut
        CPPUNIT_ASSERT_MESSAGE(received, received.find("event: error") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(received, received.find("\"code\":\"upstream_error\"") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(received, received.find("[DONE]") == std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(proxy.output(), proxy.waitForOutput("upstream 'default'", 5));
    }

    void testUpstreamErrorEventFailsTheStream()
    {
        // The upstream sends a chunk, then an error chunk, then [DONE] and a clean end of its
        // chunked answer. A passes the error on and then cuts the transfer (no terminating
        // chunk), and A's completion hooks see an error, not a completed 200.
        const std::string delta = R"(data: {"object":"chat.completion.chunk","choices":[{"delta":{"content":"a"}}]})"
                                  "\n\n";
        const std::string error = R"(data: {"error":{"message":"the model is overloaded","code":503}})"
                                  "\n\n";
        Poco::Net::ServerSocket listener(Poco::Net::SocketAddress("127.0.0.1", 0));
        std::thread upstream = answerOnce(
            listener, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" +
                          chunk(delta) + chunk(error) + chunk("data: [DONE]\n\n") + "0\r\n\r\n");
        std::string config = proxyConfig(listener.address().port());
        config.replace(config.find("order = tracing, openai"), 23, "path = {plugins}\norder = tracing, probe_a, openai");
        PorticodProcess proxy(config);
        const RawResult result = rawRequest(proxy.port(), streamRequest("hi"), 10);
        upstream.join();

        CPPUNIT_ASSERT_EQUAL(200, result.status);
        const std::string raw = result.raw.substr(result.raw.find("\r\n\r\n") + 4);
        const std::string body = dechunk(raw);
        CPPUNIT_ASSERT_MESSAGE(body, body.find(delta) == 0);
        CPPUNIT_ASSERT_MESSAGE(body, body.find(error) == delta.size()); // as the upstream sent it
        CPPUNIT_ASSERT_MESSAGE(body, body.find("[DONE]") == std::string::npos);
        // The transfer was cut: no terminating chunk, the connection closed.
        CPPUNIT_ASSERT_MESSAGE(raw, raw.size() < 5 || raw.compare(raw.size() - 5, 5, "0\r\n\r\n") != 0);
        CPPUNIT_ASSERT(result.closedByServer);
        CPPUNIT_ASSERT_MESSAGE(proxy.output(),
                               proxy.waitForOutput("probe probe_a complete error 200 /v1/chat/completions", 5));
        CPPUNIT_ASSERT_MESSAGE(proxy.output(), proxy.output().find("ended its stream with a failure") != std::string::npos);
    }

    void testUnreachableUpstreamIs502()
    {
        const unsigned short nobody = freePort();
        PorticodProcess proxy(proxyConfig(nobody) + "upstream.retries = 1\nupstream.retry_backoff_ms = 10\n");
        const auto result = httpRequest(proxy.port(), "POST", "/v1/chat/completions",
                                        R"({"model":"portico-echo","messages":[{"role":"user","content":"hi"}]})",
                                        {{"Content-Type", "application/json"}});
        CPPUNIT_ASSERT_EQUAL(502, result.status);
        CPPUNIT_ASSERT_EQUAL(std::string("application/json"), result.header("Content-Type"));
        CPPUNIT_ASSERT(result.body.find(R"("code":"upstream_unreachable")") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(std::size_t(32), result.header("X-Trace-Id").size());
    }

    void testKeyFileProblemsStopStartUp()
    {
        TempDir dir;
        const std::string keyFile = dir.file("upstream.key");
        const std::string config = dir.write("portico.ini", "[server]\nlisten = 127.0.0.1:" +
                                                                std::to_string(freePort()) +
                                                                "\n[plugins]\norder = openai\n[openai]\n"
                                                                "upstream.url = http://127.0.0.1:9/v1\n"
                                                                "upstream.api_key_file = " +
                                                                keyFile + "\n");
        auto result = runPorticod({"--config=" + config, "--check-config"});
        CPPUNIT_ASSERT(result.exitCode != 0);
        CPPUNIT_ASSERT_MESSAGE(result.output, result.output.find(keyFile) != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(result.output, result.output.find("upstream.api_key_file") != std::string::npos);

        dir.write("upstream.key", "sk-live-abcdef\n");
        result = runPorticod({"--config=" + config, "--check-config"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(result.output, 0, result.exitCode);
        CPPUNIT_ASSERT_MESSAGE(result.output, result.output.find("sk-live-abcdef") == std::string::npos);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ProxyIntegrationTest);
