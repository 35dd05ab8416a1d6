// Streams that do not end well: a client that goes away (production stops at once, usage
// counts what was produced), a failure after the first event (an `error` event, then the
// transfer is cut) and one after the stream has already ended (the original exception is the
// one reported), plus the per-token pacing of portico-echo on the event loop's timers.

#include "ChainHarness.h"
#include "ChatHandler.h"
#include "OpenAiHarness.h"
#include "portico/Attributes.h"
#include "ResponsesHandler.h"
#include "TestAsserts.h"
#include "JsonBody.h"
#include "PacedStream.h"
#include "prometheus/registry.h"
#include "Poco/AutoPtr.h"
#include "Poco/Channel.h"
#include "Poco/Logger.h"
#include "Poco/Message.h"
#include <chrono>
#include <cppunit/extensions/HelperMacros.h>
#include <mutex>
#include <stdexcept>
#include <vector>

using namespace portico::openai::test;
using portico::Outcome;
using portico::openai::LocalBackendConfig;
using portico::openai::OpenAiMetrics;

namespace {

/// Runs a streamed POST through the openai plugin into a FailingSink.
std::string runFailingAt(const std::string& target, const std::string& body, int failAt, Outcome& outcome,
                         bool& cut)
{
    OpenAiHarness harness;
    auto exchange = portico::test::makeExchange("POST", target, {{"Content-Type", "application/json"}}, body);
    portico::test::FailingSink sink(failAt);
    Result result;
    result.exchange = std::move(exchange);
    outcome = harness.chain().run(result.exchange, sink);
    cut = sink.streamAborted && !sink.streamEnded;
    return sink.body;
}

/// A PacedStream whose second token ends the stream and then fails (a producer that throws
/// after its stream is over): the exception must reach the core as it was thrown.
class EndThenThrow : public portico::openai::PacedStream
{
public:
    EndThenThrow() : PacedStream(0, 3) {}

protected:
    bool opening(portico::SseWriter& sse) override { return sse.data("open"); }
    bool token(portico::SseWriter& sse, std::size_t index) override
    {
        if (index == 1)
        {
            sse.writer().end();
            throw std::runtime_error("generation failed after the end");
        }
        return sse.data("token");
    }
    bool closing(portico::SseWriter& sse) override { return sse.data("[DONE]"); }
    std::string errorEvent() const override { return R"({"error":{}})"; }
    void finished(portico::Exchange&, std::size_t) override {}
};

/// Keeps the error lines the core logs while it lives.
class CoreErrors
{
public:
    CoreErrors() : channel_(new Lines), logger_(Poco::Logger::get("portico.core")), previous_(logger_.getChannel())
    {
        logger_.setChannel(channel_);
    }
    ~CoreErrors() { logger_.setChannel(previous_); }

    std::vector<std::string> lines() const
    {
        std::lock_guard<std::mutex> lock(channel_->mutex);
        return channel_->lines;
    }

private:
    struct Lines : Poco::Channel
    {
        void log(const Poco::Message& message) override
        {
            if (message.getPriority() > Poco::Message::PRIO_ERROR)
                return;
            std::lock_guard<std::mutex> lock(mutex);
            lines.push_back(message.getText());
        }
        mutable std::mutex mutex;
        std::vector<std::string> lines;
    };

    Poco::AutoPtr<Lines> channel_;
    Poco::Logger& logger_;
    Poco::AutoPtr<Poco::Channel> previous_;
};

} // namespace

class StreamFailureTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(StreamFailureTest);
    CPPUNIT_TEST(testClientGoneStopsResponsesStream);
    CPPUNIT_TEST(testClientGoneStopsChatStream);
    CPPUNIT_TEST(testResponsesErrorAfterFirstEvent);
    CPPUNIT_TEST(testChatErrorAfterFirstChunk);
    CPPUNIT_TEST(testFailureAfterTheEndKeepsItsException);
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
        CPPUNIT_ASSERT_EQUAL(std::string("2"), result.exchange->get(portico::attr::UsageOutputTokens));
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
        CPPUNIT_ASSERT_EQUAL(std::string("2"), result.exchange->get(portico::attr::UsageOutputTokens));
    }

    void testResponsesErrorAfterFirstEvent()
    {
        Outcome outcome = Outcome::Completed;
        bool cut = false;
        const std::string body = runFailingAt(
            "/v1/responses", R"({"model":"portico-echo","input":"one two three","stream":true})", 3, outcome, cut);
        // The error event went out, then the transfer was cut (no terminating chunk).
        CPPUNIT_ASSERT(outcome == Outcome::Error);
        CPPUNIT_ASSERT(cut);
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
        Outcome outcome = Outcome::Completed;
        bool cut = false;
        const std::string body = runFailingAt(
            "/v1/chat/completions", R"({"model":"portico-echo","messages":[{"role":"user","content":"a b c"}],"stream":true})",
            2, outcome, cut);
        CPPUNIT_ASSERT(outcome == Outcome::Error);
        CPPUNIT_ASSERT(cut);
        const auto events = parseSse(body);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), events.size());
        CPPUNIT_ASSERT_EQUAL(std::string("error"), events[1].event);
        CPPUNIT_ASSERT_EQUAL(std::string("server_error"), stringAt(parseObject(events[1].data), "error.type"));
        PORTICO_ASSERT_NOT_CONTAINS(body, "[DONE]");
    }

    void testFailureAfterTheEndKeepsItsException()
    {
        // The stream has ended when the producer throws: no error event can go out (and asking
        // the exchange for the stream again would throw an IllegalStateException that replaced
        // the producer's own exception).
        portico::test::ChainHarness harness;
        harness.route("POST", "/paced", [](portico::Exchange& exchange) {
            exchange.defer(std::make_unique<EndThenThrow>());
        });
        CoreErrors errors;
        auto exchange = portico::test::makeExchange("POST", "/paced", {}, "");
        portico::test::MemorySink sink;
        const Outcome outcome = harness.run(exchange, sink);
        CPPUNIT_ASSERT(outcome == Outcome::Error);
        CPPUNIT_ASSERT(sink.streamEnded);
        CPPUNIT_ASSERT_EQUAL(std::string("data: open\n\ndata: token\n\n"), sink.body);
        const auto lines = errors.lines();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), lines.size());
        CPPUNIT_ASSERT_MESSAGE(lines[0], lines[0].find("generation failed after the end") != std::string::npos);
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
