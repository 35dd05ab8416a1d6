// Streams that do not end well: a client that goes away (production stops at once, usage
// counts what was produced) and a failure after the first event (an `error` event, then the
// end), plus the per-token pacing of portico-echo.

#include "ChainHarness.h"
#include "ChatHandler.h"
#include "OpenAiHarness.h"
#include "ResponsesHandler.h"
#include "TestAsserts.h"
#include "JsonBody.h"
#include "prometheus/registry.h"
#include <chrono>
#include <cppunit/extensions/HelperMacros.h>
#include <stdexcept>

using namespace portico::openai::test;
using portico::Outcome;
using portico::openai::LocalBackendConfig;
using portico::openai::OpenAiMetrics;

namespace {

/// Runs `handler` on a POST whose body observer throws once, on chunk number `failAt`: the
/// handler sees the failure right after its earlier events went out.
template <typename Handler>
std::string runFailingAt(Handler& handler, const std::string& body, int failAt, std::string& thrown)
{
    auto exchange = portico::test::makeExchange("POST", "/v1/x", {}, body);
    portico::test::MemorySink sink;
    int chunks = 0;
    exchange->attach(&sink, nullptr, [&chunks, failAt](std::string_view) {
        if (++chunks == failAt)
            throw std::runtime_error("generation failed");
    });
    exchange->setAnswerSource(portico::AnswerSource::Handler);
    try
    {
        handler.handle(*exchange, *portico::openai::parseJsonObject(body, 64));
    }
    catch (const std::exception& e)
    {
        thrown = e.what();
    }
    return sink.body;
}

} // namespace

class StreamFailureTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(StreamFailureTest);
    CPPUNIT_TEST(testClientGoneStopsResponsesStream);
    CPPUNIT_TEST(testClientGoneStopsChatStream);
    CPPUNIT_TEST(testResponsesErrorAfterFirstEvent);
    CPPUNIT_TEST(testChatErrorAfterFirstChunk);
    CPPUNIT_TEST(testTokensArePaced);
    CPPUNIT_TEST_SUITE_END();

public:
    void testClientGoneStopsResponsesStream()
    {
        OpenAiHarness harness;
        Result result;
        result.exchange = portico::test::makeExchange(
            "POST", "/v1/responses", {}, R"({"model":"portico-echo","input":"a b c d e f g h","stream":true})");
        result.sink.failAfterChunks = 6; // 4 head events and 2 deltas get out, then writes fail
        harness.run(result);
        CPPUNIT_ASSERT(result.outcome == Outcome::ClientGone);
        CPPUNIT_ASSERT_EQUAL(std::size_t(6), result.sink.chunks.size());
        CPPUNIT_ASSERT_EQUAL(std::string("2"), result.exchange->get("usage.output_tokens"));
        CPPUNIT_ASSERT_EQUAL(2.0, harness.metric("portico_tokens_total", {{"model", "portico-echo"}, {"kind", "output"}}));
    }

    void testClientGoneStopsChatStream()
    {
        OpenAiHarness harness;
        Result result;
        result.exchange = portico::test::makeExchange(
            "POST", "/v1/chat/completions", {},
            R"({"model":"portico-echo","messages":[{"role":"user","content":"a b c d e f"}],"stream":true})");
        result.sink.failAfterChunks = 3; // the role chunk and two tokens
        harness.run(result);
        CPPUNIT_ASSERT(result.outcome == Outcome::ClientGone);
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), result.sink.chunks.size());
        CPPUNIT_ASSERT_EQUAL(std::string("2"), result.exchange->get("usage.output_tokens"));
    }

    void testResponsesErrorAfterFirstEvent()
    {
        prometheus::Registry registry;
        OpenAiMetrics metrics(registry);
        LocalBackendConfig config;
        portico::openai::ResponsesHandler handler(config, metrics);
        std::string thrown;
        const std::string body =
            runFailingAt(handler, R"({"model":"portico-echo","input":"one two three","stream":true})", 3, thrown);
        CPPUNIT_ASSERT_EQUAL(std::string("generation failed"), thrown);
        const auto events = parseSse(body);
        // created, in_progress went out; the third write failed; then the error event.
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), events.size());
        CPPUNIT_ASSERT_EQUAL(std::string("response.in_progress"), events[1].event);
        CPPUNIT_ASSERT_EQUAL(std::string("error"), events[2].event);
        const auto error = parseObject(events[2].data);
        CPPUNIT_ASSERT_EQUAL(std::string("error"), stringAt(error, "type"));
        CPPUNIT_ASSERT_EQUAL(std::string("server_error"), stringAt(error, "code"));
        CPPUNIT_ASSERT_EQUAL(3LL, intAt(error, "sequence_number"));
        CPPUNIT_ASSERT_EQUAL(std::string("server_error"), stringAt(error, "error.type"));
    }

    void testChatErrorAfterFirstChunk()
    {
        prometheus::Registry registry;
        OpenAiMetrics metrics(registry);
        LocalBackendConfig config;
        portico::openai::ChatHandler handler(config, metrics);
        std::string thrown;
        const std::string body = runFailingAt(
            handler, R"({"model":"portico-echo","messages":[{"role":"user","content":"a b c"}],"stream":true})", 2, thrown);
        CPPUNIT_ASSERT_EQUAL(std::string("generation failed"), thrown);
        const auto events = parseSse(body);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), events.size());
        CPPUNIT_ASSERT_EQUAL(std::string("error"), events[1].event);
        CPPUNIT_ASSERT_EQUAL(std::string("server_error"), stringAt(parseObject(events[1].data), "error.type"));
        PORTICO_ASSERT_NOT_CONTAINS(body, "[DONE]");
    }

    void testTokensArePaced()
    {
        OpenAiHarness harness("local.token_delay_ms = 20\n");
        const auto start = std::chrono::steady_clock::now();
        harness.post("/v1/responses", R"({"model":"portico-echo","input":"a b c d e","stream":true})");
        const auto streamed = std::chrono::steady_clock::now() - start;
        CPPUNIT_ASSERT(streamed >= std::chrono::milliseconds(100));
        const auto wholeStart = std::chrono::steady_clock::now();
        harness.post("/v1/chat/completions", R"({"model":"portico-echo","messages":[{"role":"user","content":"a b c d e"}]})");
        CPPUNIT_ASSERT(std::chrono::steady_clock::now() - wholeStart >= std::chrono::milliseconds(100));
        // The stream's time to first token is about one delay, not five.
        CPPUNIT_ASSERT_EQUAL(1.0, harness.metric("portico_stream_time_to_first_token_seconds", {{"model", "portico-echo"}}));
        const double firstToken = harness.histogramSum("portico_stream_time_to_first_token_seconds", {{"model", "portico-echo"}});
        CPPUNIT_ASSERT_MESSAGE(std::to_string(firstToken), firstToken >= 0.019 && firstToken < 0.09);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(StreamFailureTest);
