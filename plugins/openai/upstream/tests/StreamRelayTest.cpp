// Streams through the openai plugin in a real chain, against in-process upstreams: events
// relayed one by one as they arrive, usage from the final event, the connection reused after a
// complete stream, backpressure (a client that stops draining pauses the upstream reads), a
// client that goes away closing the upstream request, a /v1/messages client of a chat upstream
// (Anthropic's events and errors), and errors before the first event (a
// JSON answer) and after it (the error event, then the transfer cut: Outcome::Error), the
// upstream's own error events included (relayed, then the transfer cut).

#include "FakeUpstream.h"
#include "ProxyTestSupport.h"
#include "portico/Attributes.h"
#include <cppunit/extensions/HelperMacros.h>
#include <algorithm>
#include <iostream>
#include <thread>

using namespace portico::openai;
using namespace portico::openai::test;
using portico::Outcome;

namespace {

// The client asks for usage itself: the relay passes every event byte for byte. (Without it the
// proxy asks on its behalf and hides the extra chunk: testUsageAskedOnTheClientsBehalf.)
const char* const StreamChat = R"({"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[]})";
const char* const StreamChatWithoutUsage = R"({"model":"m","stream":true,"messages":[]})";

/// The answer bytes of an event stream: a chunked head, then `chunks`, then (if `close`) the
/// connection closed without the terminating chunk.
std::string eventStreamHead()
{
    return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
}

std::string chunk(const std::string& data)
{
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    return size + data + "\r\n";
}

void assertCut(const ProxyResult& result)
{
    CPPUNIT_ASSERT(result.sink.streamAborted);
    CPPUNIT_ASSERT(!result.sink.streamEnded);
    CPPUNIT_ASSERT(result.outcome == Outcome::Error);
}

} // namespace

class StreamRelayTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(StreamRelayTest);
    CPPUNIT_TEST(testEventsRelayedAsTheyArrive);
    CPPUNIT_TEST(testRelayDelayPerEvent);
    CPPUNIT_TEST(testUsageAndReuseAfterCompleteStream);
    CPPUNIT_TEST(testUsageAskedOnTheClientsBehalf);
    CPPUNIT_TEST(testSlowClientPausesTheUpstream);
    CPPUNIT_TEST(testClientGoneClosesUpstreamRequest);
    CPPUNIT_TEST(testUpstreamBrokenMidStreamIsVisible);
    CPPUNIT_TEST(testTimeoutMidStreamSendsErrorEvent);
    CPPUNIT_TEST(testStreamCutShortSendsErrorEvent);
    CPPUNIT_TEST(testUpstreamErrorEventFailsTheStream);
    CPPUNIT_TEST(testTimeoutBeforeFirstEventIsJson);
    CPPUNIT_TEST(testStreamErrorsAreNotRetried);
    CPPUNIT_TEST(testJsonAnswerToStreamRequestPassedThrough);
    CPPUNIT_TEST(testMessagesClientOfAChatUpstream);
    CPPUNIT_TEST_SUITE_END();

public:
    void testEventsRelayedAsTheyArrive()
    {
        const auto events = chatEvents(5);
        FakeUpstream upstream([&](const SeenRequest& request, Poco::Net::HTTPServerResponse& response) {
            CPPUNIT_ASSERT_EQUAL(std::string("text/event-stream"), request.headers.get("Accept", ""));
            upstream.sendEvents(response, events, 150);
        });
        OpenAiHarness harness(upstreamSection(upstream.url()));
        auto result = postChat(harness, StreamChat);

        CPPUNIT_ASSERT(result->outcome == Outcome::Completed);
        CPPUNIT_ASSERT(result->sink.streamBegun && result->sink.streamEnded);
        CPPUNIT_ASSERT_EQUAL(200, result->status());
        CPPUNIT_ASSERT_EQUAL(std::string("text/event-stream"), result->sink.sentHead.contentType);
        CPPUNIT_ASSERT_EQUAL(std::string("req_stream_1"), result->header("X-Upstream-Request-Id"));
        // One write per event, byte for byte as the upstream sent it.
        CPPUNIT_ASSERT_EQUAL(events.size(), result->sink.chunks.size());
        for (std::size_t i = 0; i < events.size(); ++i)
            CPPUNIT_ASSERT_EQUAL(events[i], result->sink.chunks[i]);
        // Each arrived when the upstream sent it (150 ms apart), not all at the end: the first
        // long before the last was even sent, none before its time.
        const auto& at = result->sink.at;
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
        OpenAiHarness harness(upstreamSection(upstream.url()));
        auto result = postChat(harness, StreamChat);
        const auto sent = upstream.sentAt();
        CPPUNIT_ASSERT_EQUAL(events.size(), sent.size());
        CPPUNIT_ASSERT_EQUAL(events.size(), result->sink.at.size());
        std::vector<double> delays;
        for (std::size_t i = 0; i < sent.size(); ++i)
        {
            const double sentMs = std::chrono::duration<double, std::milli>(sent[i] - result->sink.start).count();
            delays.push_back(result->sink.at[i] - sentMs);
        }
        std::sort(delays.begin(), delays.end());
        const double median = delays[delays.size() / 2];
        const double p99 = delays[delays.size() * 99 / 100];
        std::cerr << "\n  relay delay per event: median " << median << " ms, p99 " << p99 << " ms, max "
                  << delays.back() << " ms\n";
        CPPUNIT_ASSERT_MESSAGE(std::to_string(median), median < 2.0);
    }

    void testUsageAskedOnTheClientsBehalf()
    {
        // The client did not ask for usage: the upstream is asked (so the tokens count), and the
        // client gets the stream it would have had: no usage chunk, no "usage":null.
        const auto events = chatEvents(4);
        std::string forwarded;
        FakeUpstream upstream([&](const SeenRequest& request, Poco::Net::HTTPServerResponse& response) {
            forwarded = request.body;
            upstream.sendEvents(response, events, 0);
        });
        OpenAiHarness harness(upstreamSection(upstream.url()));
        auto result = postChat(harness, StreamChatWithoutUsage);

        CPPUNIT_ASSERT(result->outcome == Outcome::Completed);
        CPPUNIT_ASSERT_EQUAL(
            std::string(R"({"stream_options":{"include_usage":true},"model":"m","stream":true,"messages":[]})"),
            forwarded);
        CPPUNIT_ASSERT_EQUAL(events.size() - 1, result->sink.chunks.size()); // the usage chunk left out
        for (std::size_t i = 0; i + 2 < events.size(); ++i)
        {
            std::string expected = events[i];
            expected.replace(expected.find(R"(,"usage":null)"), 13, "");
            CPPUNIT_ASSERT_EQUAL(expected, result->sink.chunks[i]);
        }
        CPPUNIT_ASSERT_EQUAL(std::string("data: [DONE]\n\n"), result->sink.chunks.back());
        // The usage the client did not see still counts.
        CPPUNIT_ASSERT_EQUAL(std::string("4"), result->exchange->get(portico::attr::UsageOutputTokens));
        CPPUNIT_ASSERT_EQUAL(std::string("4"), result->exchange->get(portico::attr::UsageInputTokens));

        // stream_usage = false: the request and the stream pass unchanged.
        OpenAiHarness off(upstreamSection(upstream.url(), {{"upstream.stream_usage", "false"}}));
        auto plain = postChat(off, StreamChatWithoutUsage);
        CPPUNIT_ASSERT_EQUAL(std::string(StreamChatWithoutUsage), forwarded);
        CPPUNIT_ASSERT_EQUAL(events.size(), plain->sink.chunks.size());
        CPPUNIT_ASSERT_EQUAL(events[0], plain->sink.chunks[0]);
    }

    void testUsageAndReuseAfterCompleteStream()
    {
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            upstream.sendEvents(response, chatEvents(3), 0);
        });
        OpenAiHarness harness(upstreamSection(upstream.url()));
        for (int i = 0; i < 3; ++i)
        {
            auto result = postChat(harness, StreamChat);
            CPPUNIT_ASSERT(result->outcome == Outcome::Completed);
            CPPUNIT_ASSERT_EQUAL(std::string("4"), result->attribute(portico::attr::UsageInputTokens));
            CPPUNIT_ASSERT_EQUAL(std::string("3"), result->attribute(portico::attr::UsageOutputTokens));
            CPPUNIT_ASSERT(contains(result->body(), "data: [DONE]\n\n"));
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), upstream.connections());
        CPPUNIT_ASSERT_EQUAL(3.0, harness.metric("portico_upstream_request_duration_seconds",
                                                 {{"upstream", "default"}, {"status", "200"}}));
    }

    void testSlowClientPausesTheUpstream()
    {
        // 48 MiB of events, far more than the socket buffers between the upstream and us hold.
        // The client takes 5 events and then stops draining for a while: the relay stops
        // reading, so the upstream's writes block; when the client drains, all the rest comes.
        const std::string payload(16 * 1024 - 16, 'x');
        std::vector<std::string> events;
        for (int i = 0; i < 3072; ++i)
            events.push_back("data: " + payload + "\n\n");
        events.push_back("data: [DONE]\n\n");
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            upstream.sendEvents(response, events, 0);
        });
        OpenAiHarness harness(upstreamSection(upstream.url(), {{"upstream.read_timeout_ms", "5000"}}));

        std::size_t sentEarly = 0, sentLate = 0;
        long writtenEarly = 0, writtenLate = 0;
        TimedSink* sink = nullptr;
        auto& loop = harness.chain().loop();
        loop.after(std::chrono::milliseconds(400), [&] {
            sentEarly = upstream.sentAt().size();
            writtenEarly = sink->written;
        });
        loop.after(std::chrono::milliseconds(900), [&] {
            sentLate = upstream.sentAt().size();
            writtenLate = sink->written;
            sink->stallAfterChunks = -1; // the client drains again
        });
        auto result = postChat(harness, StreamChat, [&](ProxyResult& call) {
            call.sink.keepChunks = false;
            call.sink.stallAfterChunks = 5;
            sink = &call.sink;
        });

        // While the client waited nothing more was written to it, and the upstream was stalled
        // far from its end (what it had sent sits in socket buffers, not in porticod).
        CPPUNIT_ASSERT_EQUAL(5L, writtenEarly);
        CPPUNIT_ASSERT_EQUAL(5L, writtenLate);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(sentEarly) + " " + std::to_string(sentLate), sentEarly == sentLate);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(sentLate), sentLate < events.size() / 2);
        std::cerr << "\n  slow client: the upstream stalled after " << sentLate << " of " << events.size()
                  << " events (" << sentLate * 16 / 1024 << " MiB)\n";
        // Then the rest, in order, and a complete stream.
        CPPUNIT_ASSERT(result->outcome == Outcome::Completed);
        CPPUNIT_ASSERT(result->sink.streamEnded);
        CPPUNIT_ASSERT_EQUAL(static_cast<long>(events.size()), result->sink.written);
        std::size_t total = 0;
        for (const auto& event : events)
            total += event.size();
        CPPUNIT_ASSERT_EQUAL(total, result->sink.bytes);
        CPPUNIT_ASSERT_EQUAL(std::string("data: [DONE]\n\n"), result->sink.lastChunk);
    }

    void testClientGoneClosesUpstreamRequest()
    {
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            upstream.sendEvents(response, chatEvents(40), 25);
        });
        OpenAiHarness harness(upstreamSection(upstream.url()));
        const auto start = std::chrono::steady_clock::now();
        auto result = postChat(harness, StreamChat, [](ProxyResult& call) { call.sink.failAfterChunks = 2; });
        // The exchange ends at the first failed write, not when the upstream is done (~1 s).
        const double elapsed = msSince(start);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(elapsed) + " ms", elapsed < 800);
        CPPUNIT_ASSERT(result->outcome == Outcome::ClientGone);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), result->sink.chunks.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), poolOf(harness)->idle());
        // The upstream notices its reader is gone within a few of its writes.
        for (int i = 0; i < 40 && !upstream.sawClientGone(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
        CPPUNIT_ASSERT(upstream.sawClientGone());
    }

    void testUpstreamBrokenMidStreamIsVisible()
    {
        // The upstream sends two events and part of a third, then the connection breaks: the
        // client gets the two events, the error event, and a transfer cut without its end.
        const std::string first = "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n";
        const std::string second = "data: {\"choices\":[{\"delta\":{\"content\":\"b\"}}]}\n\n";
        ScriptedServer server([&](Poco::Net::StreamSocket& socket, int) {
            if (ScriptedServer::readRequest(socket).empty())
                return;
            const std::string bytes = eventStreamHead() + chunk(first) + chunk(second) + chunk("data: {\"choi");
            socket.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            socket.close();
        });
        OpenAiHarness harness(upstreamSection("http://127.0.0.1:" + std::to_string(server.port()) + "/v1"));
        CapturedWarnings log;
        auto result = postChat(harness, StreamChat);
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), result->sink.chunks.size());
        CPPUNIT_ASSERT_EQUAL(first, result->sink.chunks[0]);
        CPPUNIT_ASSERT_EQUAL(second, result->sink.chunks[1]);
        const std::string& error = result->sink.chunks[2];
        CPPUNIT_ASSERT_MESSAGE(error, error.rfind("event: error\ndata: {\"error\":{", 0) == 0);
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, R"("code":"upstream_error")"));
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "upstream 'default'"));
        assertCut(*result);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), log.warnings().size());
        CPPUNIT_ASSERT_EQUAL(1.0, harness.metric("portico_upstream_request_duration_seconds",
                                                 {{"upstream", "default"}, {"status", "error"}}));
    }

    void testTimeoutMidStreamSendsErrorEvent()
    {
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            upstream.sendEvents(response,
                                {"event: response.created\ndata: {}\n\n", "event: response.in_progress\ndata: {}\n\n"},
                                1500);
        });
        OpenAiHarness harness(upstreamSection(upstream.url(), {{"upstream.read_timeout_ms", "300"}}));
        auto result = runRequest(harness, "POST", "/v1/responses", R"({"model":"m","input":"x","stream":true})");
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), result->sink.chunks.size());
        CPPUNIT_ASSERT_EQUAL(std::string("event: response.created\ndata: {}\n\n"), result->sink.chunks[0]);
        const std::string& error = result->sink.chunks[1];
        CPPUNIT_ASSERT_MESSAGE(error, error.rfind("event: error\ndata: {\"error\":{", 0) == 0);
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, R"("code":"upstream_timeout")"));
        assertCut(*result);
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), poolOf(harness)->idle());
    }

    void testStreamCutShortSendsErrorEvent()
    {
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            auto events = chatEvents(4);
            events.resize(2); // ends cleanly, but without the usage chunk and [DONE]
            upstream.sendEvents(response, events, 0);
        });
        OpenAiHarness harness(upstreamSection(upstream.url()));
        auto result = postChat(harness, StreamChat);
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), result->sink.chunks.size());
        CPPUNIT_ASSERT(contains(result->sink.chunks[2], "event: error"));
        CPPUNIT_ASSERT(contains(result->sink.chunks[2], "ended before its final event"));
        assertCut(*result);
    }

    void testUpstreamErrorEventFailsTheStream()
    {
        // The upstream reports a failure in its stream and then ends it cleanly (vLLM sends
        // [DONE] after its error chunk): the client gets the failure as the upstream sent it,
        // then the transfer is cut, and the exchange ends as an error (no idempotent replay of a
        // failed generation, the metric's status is not 200).
        struct Case
        {
            const char* target;
            const char* body;
            std::vector<std::string> events;
        };
        const std::string delta = R"(data: {"object":"chat.completion.chunk","choices":[{"delta":{"content":"a"}}]})"
                                  "\n\n";
        const std::vector<Case> cases{
            {"/v1/chat/completions", StreamChat,
             {delta, "data: {\"error\":{\"message\":\"overloaded\",\"code\":503}}\n\n", "data: [DONE]\n\n"}},
            {"/v1/chat/completions", StreamChat,
             {delta, "event: error\ndata: {\"error\":{\"message\":\"overloaded\"}}\n\n", "data: [DONE]\n\n"}},
            {"/v1/responses", R"({"model":"m","input":"x","stream":true})",
             {"event: response.created\ndata: {\"type\":\"response.created\"}\n\n",
              "event: response.failed\ndata: {\"type\":\"response.failed\",\"response\":{\"error\":"
              "{\"code\":\"server_error\",\"message\":\"overloaded\"}}}\n\n"}},
        };
        double failures = 0;
        for (const auto& test : cases)
        {
            FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
                upstream.sendEvents(response, test.events, 0);
            });
            OpenAiHarness harness(upstreamSection(upstream.url()));
            CapturedWarnings log;
            auto result = runRequest(harness, "POST", test.target, test.body);
            const std::string& failure = test.events[1];
            CPPUNIT_ASSERT_EQUAL_MESSAGE(failure, std::size_t(2), result->sink.chunks.size());
            CPPUNIT_ASSERT_EQUAL(test.events[0], result->sink.chunks[0]);
            CPPUNIT_ASSERT_EQUAL(failure, result->sink.chunks[1]); // as the upstream sent it, no second error
            assertCut(*result);
            const auto warnings = log.warnings();
            CPPUNIT_ASSERT_EQUAL_MESSAGE(failure, std::size_t(1), warnings.size());
            CPPUNIT_ASSERT_MESSAGE(warnings[0], contains(warnings[0], "upstream 'default'") &&
                                                    contains(warnings[0], "ended its stream with a failure") &&
                                                    contains(warnings[0], "overloaded"));
            CPPUNIT_ASSERT_EQUAL(1.0, harness.metric("portico_upstream_request_duration_seconds",
                                                     {{"upstream", "default"}, {"status", "error"}}));
            CPPUNIT_ASSERT_EQUAL(0.0, harness.metric("portico_upstream_request_duration_seconds",
                                                     {{"upstream", "default"}, {"status", "200"}}));
            ++failures;
        }
        CPPUNIT_ASSERT_EQUAL(3.0, failures);
    }

    void testTimeoutBeforeFirstEventIsJson()
    {
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            response.setChunkedTransferEncoding(true);
            response.setContentType("text/event-stream");
            response.send().flush(); // the head, then nothing
            std::this_thread::sleep_for(std::chrono::milliseconds(1000));
        });
        OpenAiHarness harness(upstreamSection(upstream.url(), {{"upstream.read_timeout_ms", "200"}}));
        auto result = postChat(harness, StreamChat);
        CPPUNIT_ASSERT(!result->sink.streamBegun);
        CPPUNIT_ASSERT(result->sink.sentWhole);
        CPPUNIT_ASSERT_EQUAL(504, result->status());
        CPPUNIT_ASSERT(contains(result->body(), R"({"error":{"message":)"));
        CPPUNIT_ASSERT(contains(result->body(), R"("code":"upstream_timeout")"));
    }

    void testStreamErrorsAreNotRetried()
    {
        FakeUpstream upstream([](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            FakeUpstream::sendJson(response, 503, R"({"error":{"message":"busy"}})");
        });
        OpenAiHarness harness(upstreamSection(upstream.url()));
        auto result = postChat(harness, StreamChat);
        CPPUNIT_ASSERT_EQUAL(503, result->status());
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"error":{"message":"busy"}})"), result->body());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), upstream.requests().size());
    }

    void testMessagesClientOfAChatUpstream()
    {
        // A /v1/messages request for a model of an OpenAI-compatible upstream goes there as a
        // chat request; the stream, its failures and the upstream's errors come back in
        // Anthropic's shapes.
        const std::string messages =
            R"({"model":"m","max_tokens":10,"stream":true,"messages":[{"role":"user","content":"hi"}]})";
        const std::string delta = R"(data: {"id":"chatcmpl-7","model":"m-1","choices":[{"delta":{"content":"a"}}]})"
                                  "\n\n";
        {
            FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
                upstream.sendEvents(response, {delta, "data: {\"error\":{\"message\":\"overloaded\"}}\n\n"}, 0);
            });
            OpenAiHarness harness(upstreamSection(upstream.url()));
            CapturedWarnings log;
            auto result = runRequest(harness, "POST", "/v1/messages", messages);
            const auto seen = upstream.requests();
            CPPUNIT_ASSERT_EQUAL(std::size_t(1), seen.size());
            CPPUNIT_ASSERT_EQUAL(std::string("/v1/chat/completions"), seen[0].uri);
            CPPUNIT_ASSERT_MESSAGE(seen[0].body, contains(seen[0].body, R"("messages":[{"role":"user","content":"hi"}])") &&
                                                     contains(seen[0].body, R"("include_usage":true)"));
            std::string all;
            for (const auto& chunk : result->sink.chunks)
                all += chunk;
            CPPUNIT_ASSERT_MESSAGE(all, all.rfind("event: message_start\ndata: {\"type\":\"message_start\",\"message\":"
                                                  "{\"id\":\"msg_7\"", 0) == 0);
            CPPUNIT_ASSERT_MESSAGE(all, contains(all, R"("delta":{"type":"text_delta","text":"a"})"));
            // The upstream's error chunk, as Anthropic's error event; then the transfer is cut.
            CPPUNIT_ASSERT_MESSAGE(all, contains(all, "event: error\ndata: {\"type\":\"error\",\"error\":"
                                                      "{\"type\":\"api_error\",\"message\":\"overloaded\"}}\n\n"));
            CPPUNIT_ASSERT_MESSAGE(all, !contains(all, "message_stop"));
            assertCut(*result);
        }
        {
            // Broken off after one event: the proxy's own error event, in Anthropic's shape.
            ScriptedServer server([&](Poco::Net::StreamSocket& socket, int) {
                if (ScriptedServer::readRequest(socket).empty())
                    return;
                const std::string bytes = eventStreamHead() + chunk(delta) + chunk("data: {\"choi");
                socket.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
                socket.close();
            });
            OpenAiHarness harness(upstreamSection("http://127.0.0.1:" + std::to_string(server.port()) + "/v1"));
            CapturedWarnings log;
            auto result = runRequest(harness, "POST", "/v1/messages", messages);
            CPPUNIT_ASSERT(!result->sink.chunks.empty());
            const std::string& error = result->sink.chunks.back();
            CPPUNIT_ASSERT_MESSAGE(error, error.rfind("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":"
                                                      "\"api_error\"", 0) == 0);
            CPPUNIT_ASSERT_MESSAGE(error, contains(error, "upstream 'default'"));
            assertCut(*result);
        }
        {
            // The upstream's 429 in OpenAI's shape: the same status, Anthropic's error object.
            FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
                FakeUpstream::sendJson(response, 429,
                                       R"({"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}})");
            });
            OpenAiHarness harness(upstreamSection(upstream.url()));
            auto result = runRequest(harness, "POST", "/v1/messages",
                                     R"({"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}]})");
            CPPUNIT_ASSERT_EQUAL(429, result->status());
            CPPUNIT_ASSERT_EQUAL(std::string(R"({"type":"error","error":{"type":"rate_limit_error","message":"slow down"}})"),
                                 result->body());
        }
    }

    void testJsonAnswerToStreamRequestPassedThrough()
    {
        const std::string error =
            R"({"error":{"message":"bad","type":"invalid_request_error","param":"input","code":null}})";
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            response.set("x-request-id", "req_json");
            FakeUpstream::sendJson(response, 400, error);
        });
        OpenAiHarness harness(upstreamSection(upstream.url()));
        auto result = runRequest(harness, "POST", "/v1/responses", R"({"model":"m","input":"x","stream":true})");
        CPPUNIT_ASSERT(!result->sink.streamBegun);
        CPPUNIT_ASSERT_EQUAL(400, result->status());
        CPPUNIT_ASSERT_EQUAL(error, result->body());
        CPPUNIT_ASSERT_EQUAL(std::string("req_json"), result->header("X-Upstream-Request-Id"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(StreamRelayTest);
