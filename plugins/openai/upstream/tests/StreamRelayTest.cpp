// Streaming through the proxy against in-process upstreams: events relayed one by one as they
// arrive, usage from the final event, the connection reused after a complete stream, a client
// that goes away closing the upstream request, and errors before and after the first event.

#include "FakeUpstream.h"
#include "ProxyHarness.h"
#include "UpstreamProxy.h"
#include "portico/Attributes.h"
#include "Poco/Logger.h"
#include <cppunit/extensions/HelperMacros.h>
#include <prometheus/registry.h>
#include <algorithm>
#include <iostream>
#include <thread>

using namespace portico::openai;
using namespace portico::openai::test;
using Clock = std::chrono::steady_clock;

namespace {

std::vector<std::string> chatEvents(int deltas)
{
    std::vector<std::string> events;
    for (int i = 0; i < deltas; ++i)
        events.push_back(R"(data: {"object":"chat.completion.chunk","choices":[{"delta":{"content":"w)" +
                         std::to_string(i) + R"( "}}],"usage":null})" + "\n\n");
    events.push_back(R"(data: {"object":"chat.completion.chunk","choices":[],)"
                     R"("usage":{"prompt_tokens":4,"completion_tokens":)" +
                     std::to_string(deltas) + "}}\n\n");
    events.push_back("data: [DONE]\n\n");
    return events;
}

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

void forwardStream(UpstreamProxy& proxy, ProxyCall& call, const std::string& path = "/chat/completions")
{
    proxy.forward(*call.exchange, proxy.upstreams().at(0), "POST", path, true);
}

} // namespace

class StreamRelayTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(StreamRelayTest);
    CPPUNIT_TEST(testEventsRelayedAsTheyArrive);
    CPPUNIT_TEST(testRelayDelayPerEvent);
    CPPUNIT_TEST(testUsageAndReuseAfterCompleteStream);
    CPPUNIT_TEST(testClientGoneClosesUpstreamRequest);
    CPPUNIT_TEST(testTimeoutMidStreamSendsErrorEvent);
    CPPUNIT_TEST(testStreamCutShortSendsErrorEvent);
    CPPUNIT_TEST(testTimeoutBeforeFirstEventIsJson);
    CPPUNIT_TEST(testStreamErrorsAreNotRetried);
    CPPUNIT_TEST(testJsonAnswerToStreamRequestPassedThrough);
    CPPUNIT_TEST_SUITE_END();

public:
    void testEventsRelayedAsTheyArrive()
    {
        const auto events = chatEvents(5);
        FakeUpstream upstream([&](const SeenRequest& request, Poco::Net::HTTPServerResponse& response) {
            CPPUNIT_ASSERT_EQUAL(std::string("text/event-stream"), request.headers.get("Accept", ""));
            upstream.sendEvents(response, events, 150);
        });
        prometheus::Registry registry;
        UpstreamProxy proxy({testUpstream(upstream.url())}, Poco::Logger::get("test.upstream"), registry);
        ProxyCall call(R"({"model":"m","stream":true})");
        forwardStream(proxy, call);

        CPPUNIT_ASSERT(call.sink.streamed);
        CPPUNIT_ASSERT_EQUAL(200, call.sink.head.status);
        CPPUNIT_ASSERT_EQUAL(std::string("text/event-stream"), call.sink.head.contentType);
        CPPUNIT_ASSERT_EQUAL(std::string("req_stream_1"), call.header("X-Upstream-Request-Id"));
        // One write per event, byte for byte as the upstream sent it.
        CPPUNIT_ASSERT_EQUAL(events.size(), call.sink.chunks.size());
        for (std::size_t i = 0; i < events.size(); ++i)
            CPPUNIT_ASSERT_EQUAL(events[i], call.sink.chunks[i]);
        // Each arrived when the upstream sent it (150 ms apart), not all at the end: the first
        // long before the last was even sent, none before its time.
        const auto& at = call.sink.at;
        CPPUNIT_ASSERT_MESSAGE(std::to_string(at.front()) + " ms", at.front() < 300);
        for (std::size_t i = 1; i < at.size(); ++i)
            CPPUNIT_ASSERT_MESSAGE(std::to_string(at[i]) + " ms", at[i] >= 150.0 * static_cast<double>(i) - 20);
    }

    void testRelayDelayPerEvent()
    {
        // 200 events 5 ms apart: how long after the upstream flushed an event does the proxy
        // hand it to the client's writer?
        const auto events = chatEvents(198);
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            upstream.sendEvents(response, events, 5);
        });
        prometheus::Registry registry;
        UpstreamProxy proxy({testUpstream(upstream.url())}, Poco::Logger::get("test.upstream"), registry);
        ProxyCall call(R"({"stream":true})");
        forwardStream(proxy, call);
        const auto sent = upstream.sentAt();
        CPPUNIT_ASSERT_EQUAL(events.size(), sent.size());
        CPPUNIT_ASSERT_EQUAL(events.size(), call.sink.at.size());
        std::vector<double> delays;
        for (std::size_t i = 0; i < sent.size(); ++i)
        {
            const double sentMs = std::chrono::duration<double, std::milli>(sent[i] - call.sink.start).count();
            delays.push_back(call.sink.at[i] - sentMs);
        }
        std::sort(delays.begin(), delays.end());
        const double median = delays[delays.size() / 2];
        const double p99 = delays[delays.size() * 99 / 100];
        std::cerr << "\n  relay delay per event: median " << median << " ms, p99 " << p99 << " ms, max "
                  << delays.back() << " ms\n";
        CPPUNIT_ASSERT_MESSAGE(std::to_string(median), median < 2.0);
    }

    void testUsageAndReuseAfterCompleteStream()
    {
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            upstream.sendEvents(response, chatEvents(3), 0);
        });
        prometheus::Registry registry;
        UpstreamProxy proxy({testUpstream(upstream.url())}, Poco::Logger::get("test.upstream"), registry);
        for (int i = 0; i < 3; ++i)
        {
            ProxyCall call(R"({"stream":true})");
            forwardStream(proxy, call);
            CPPUNIT_ASSERT_EQUAL(std::string("4"), call.exchange->get(portico::attr::UsageInputTokens));
            CPPUNIT_ASSERT_EQUAL(std::string("3"), call.exchange->get(portico::attr::UsageOutputTokens));
            CPPUNIT_ASSERT(contains(call.body(), "data: [DONE]\n\n"));
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), upstream.connections());
    }

    void testClientGoneClosesUpstreamRequest()
    {
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            upstream.sendEvents(response, chatEvents(40), 25);
        });
        auto config = testUpstream(upstream.url());
        prometheus::Registry registry;
        UpstreamProxy proxy({config}, Poco::Logger::get("test.upstream"), registry);
        ProxyCall call(R"({"stream":true})");
        call.sink.failAfter = 2;
        const auto start = Clock::now();
        forwardStream(proxy, call);
        // forward() returns at the first failed write, not when the upstream is done (~1 s).
        const double elapsed = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        CPPUNIT_ASSERT_MESSAGE(std::to_string(elapsed) + " ms", elapsed < 800);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), call.sink.chunks.size());
        CPPUNIT_ASSERT(call.exchange->response().clientGone);
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), proxy.pool(config).idleCount());
        // The upstream notices its reader is gone within a few of its writes.
        for (int i = 0; i < 40 && !upstream.sawClientGone(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
        CPPUNIT_ASSERT(upstream.sawClientGone());
    }

    void testTimeoutMidStreamSendsErrorEvent()
    {
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            upstream.sendEvents(response, {"event: response.created\ndata: {}\n\n", "event: response.in_progress\ndata: {}\n\n"},
                                1500);
        });
        auto config = testUpstream(upstream.url());
        config.readTimeoutMs = 300;
        prometheus::Registry registry;
        UpstreamProxy proxy({config}, Poco::Logger::get("test.upstream"), registry);
        ProxyCall call(R"({"stream":true})");
        forwardStream(proxy, call, "/responses");
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), call.sink.chunks.size());
        CPPUNIT_ASSERT_EQUAL(std::string("event: response.created\ndata: {}\n\n"), call.sink.chunks[0]);
        const std::string& error = call.sink.chunks[1];
        CPPUNIT_ASSERT_MESSAGE(error, error.rfind("event: error\ndata: {\"error\":{", 0) == 0);
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, R"("code":"upstream_timeout")"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), proxy.pool(config).idleCount());
    }

    void testStreamCutShortSendsErrorEvent()
    {
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            auto events = chatEvents(4);
            events.resize(2); // ends cleanly, but without the usage chunk and [DONE]
            upstream.sendEvents(response, events, 0);
        });
        prometheus::Registry registry;
        UpstreamProxy proxy({testUpstream(upstream.url())}, Poco::Logger::get("test.upstream"), registry);
        ProxyCall call(R"({"stream":true})");
        forwardStream(proxy, call);
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), call.sink.chunks.size());
        CPPUNIT_ASSERT(contains(call.sink.chunks[2], "event: error"));
        CPPUNIT_ASSERT(contains(call.sink.chunks[2], "ended before its final event"));
    }

    void testTimeoutBeforeFirstEventIsJson()
    {
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            response.setChunkedTransferEncoding(true);
            response.setContentType("text/event-stream");
            response.send().flush(); // the head, then nothing
            std::this_thread::sleep_for(std::chrono::milliseconds(1000));
        });
        auto config = testUpstream(upstream.url());
        config.readTimeoutMs = 200;
        prometheus::Registry registry;
        UpstreamProxy proxy({config}, Poco::Logger::get("test.upstream"), registry);
        ProxyCall call(R"({"stream":true})");
        forwardStream(proxy, call);
        CPPUNIT_ASSERT(!call.exchange->response().committed);
        CPPUNIT_ASSERT(!call.exchange->response().streamed);
        CPPUNIT_ASSERT_EQUAL(504, call.status());
        CPPUNIT_ASSERT(contains(call.body(), R"({"error":{"message":)"));
        CPPUNIT_ASSERT(contains(call.body(), R"("code":"upstream_timeout")"));
    }

    void testStreamErrorsAreNotRetried()
    {
        FakeUpstream upstream([](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            FakeUpstream::sendJson(response, 503, R"({"error":{"message":"busy"}})");
        });
        prometheus::Registry registry;
        UpstreamProxy proxy({testUpstream(upstream.url())}, Poco::Logger::get("test.upstream"), registry);
        ProxyCall call(R"({"stream":true})");
        forwardStream(proxy, call);
        CPPUNIT_ASSERT_EQUAL(503, call.status());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), upstream.requests().size());
    }

    void testJsonAnswerToStreamRequestPassedThrough()
    {
        const std::string error = R"({"error":{"message":"bad","type":"invalid_request_error","param":"input","code":null}})";
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            FakeUpstream::sendJson(response, 400, error);
        });
        prometheus::Registry registry;
        UpstreamProxy proxy({testUpstream(upstream.url())}, Poco::Logger::get("test.upstream"), registry);
        ProxyCall call(R"({"stream":true})");
        forwardStream(proxy, call, "/responses");
        CPPUNIT_ASSERT(!call.exchange->response().streamed);
        CPPUNIT_ASSERT_EQUAL(400, call.status());
        CPPUNIT_ASSERT_EQUAL(error, call.body());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(StreamRelayTest);
