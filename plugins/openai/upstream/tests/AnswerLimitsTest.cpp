// The caps on what an upstream may send, through the openai plugin in a real chain: a buffered
// answer body over max_body_bytes and a stream event over max_event_bytes end in the proxy's
// usual failure answers (a 502 in OpenAI's error shape, or the mid-stream error event and the
// transfer cut), with one warning naming the upstream and the key, the call not retried and the
// connection dropped rather than pooled.

#include "FakeUpstream.h"
#include "ProxyTestSupport.h"
#include <cppunit/extensions/HelperMacros.h>
#include <string>

using namespace portico::openai;
using namespace portico::openai::test;

namespace {

/// An SSE event of exactly `size` bytes ("data: xxx...\n\n").
std::string eventOfSize(std::size_t size)
{
    return "data: " + std::string(size - 8, 'x') + "\n\n";
}

const std::string Done = "data: [DONE]\n\n";
const char* const Chat = R"({"model":"m","messages":[]})";
const char* const StreamChat = R"({"model":"m","stream":true,"messages":[]})";

std::string capKey(const char* field, std::size_t value)
{
    return std::string("upstream.") + field + " = " + std::to_string(value);
}

} // namespace

class AnswerLimitsTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(AnswerLimitsTest);
    CPPUNIT_TEST(testBufferedAnswerAtCapRelayed);
    CPPUNIT_TEST(testBufferedAnswerOverCapIs502);
    CPPUNIT_TEST(testChunkedAnswerOverCapIs502);
    CPPUNIT_TEST(testEventAtCapRelayed);
    CPPUNIT_TEST(testEventOverCapEndsStreamWithErrorEvent);
    CPPUNIT_TEST(testFirstEventOverCapIs502);
    CPPUNIT_TEST(testJsonAnswerToStreamRequestOverCapIs502);
    CPPUNIT_TEST_SUITE_END();

public:
    void testBufferedAnswerAtCapRelayed()
    {
        const std::string answer = R"({"id":"x","pad":")" + std::string(2000, 'p') + R"("})";
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            FakeUpstream::sendJson(response, 200, answer);
        });
        OpenAiHarness harness(upstreamSection(upstream.url(), {{"upstream.max_body_bytes", std::to_string(answer.size())}}));
        CapturedWarnings log;
        auto result = postChat(harness, Chat);
        CPPUNIT_ASSERT_EQUAL(200, result->status());
        CPPUNIT_ASSERT_EQUAL(answer, result->body());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), poolOf(harness)->idle());
        CPPUNIT_ASSERT(log.warnings().empty());
    }

    void testBufferedAnswerOverCapIs502()
    {
        const std::string answer = R"({"id":"x","pad":")" + std::string(2000, 'p') + R"("})";
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            FakeUpstream::sendJson(response, 200, answer);
        });
        const std::size_t cap = answer.size() - 1;
        OpenAiHarness harness(upstreamSection(upstream.url(), {{"upstream.max_body_bytes", std::to_string(cap)}}));
        CapturedWarnings log;
        auto result = postChat(harness, Chat);

        CPPUNIT_ASSERT_EQUAL(502, result->status());
        const std::string& body = result->body();
        CPPUNIT_ASSERT_MESSAGE(body, body.rfind("{\"error\":{", 0) == 0);
        CPPUNIT_ASSERT_MESSAGE(body, contains(body, R"("code":"upstream_error")"));
        CPPUNIT_ASSERT_MESSAGE(body, contains(body, capKey("max_body_bytes", cap)));
        CPPUNIT_ASSERT_MESSAGE(body, contains(body, "the connection was dropped"));
        CPPUNIT_ASSERT(!contains(body, "ppppp")); // nothing of the refused body reaches the client
        // Not retried (the upstream did answer), and the connection is not pooled.
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), upstream.requests().size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), poolOf(harness)->idle());
        const auto warnings = log.warnings();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), warnings.size());
        CPPUNIT_ASSERT_MESSAGE(warnings[0], contains(warnings[0], "upstream 'default' (" + upstream.url() + ")"));
    }

    void testChunkedAnswerOverCapIs502()
    {
        // No Content-Length: refused while the chunks come, never more than the cap kept.
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            response.setChunkedTransferEncoding(true);
            response.setContentType("application/json");
            std::ostream& out = response.send();
            for (int i = 0; i < 40 && out.good(); ++i)
                out << std::string(1000, 'c') << std::flush;
        });
        OpenAiHarness harness(upstreamSection(upstream.url(), {{"upstream.max_body_bytes", "39999"}}));
        auto result = postChat(harness, Chat);
        CPPUNIT_ASSERT_EQUAL(502, result->status());
        CPPUNIT_ASSERT_MESSAGE(result->body(), contains(result->body(), capKey("max_body_bytes", 39999)));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), poolOf(harness)->idle());
    }

    void testEventAtCapRelayed()
    {
        const std::string big = eventOfSize(3000);
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            upstream.sendEvents(response, {big, Done}, 0);
        });
        OpenAiHarness harness(upstreamSection(upstream.url(), {{"upstream.max_event_bytes", std::to_string(big.size())}}));
        CapturedWarnings log;
        auto result = postChat(harness, StreamChat);
        CPPUNIT_ASSERT_EQUAL(200, result->status());
        CPPUNIT_ASSERT_EQUAL(big + Done, result->body());
        CPPUNIT_ASSERT(result->sink.streamEnded);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), poolOf(harness)->idle());
        CPPUNIT_ASSERT(log.warnings().empty());
    }

    void testEventOverCapEndsStreamWithErrorEvent()
    {
        const std::string first = "data: {\"choices\":[]}\n\n";
        const std::string big = eventOfSize(3000);
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            upstream.sendEvents(response, {first, big, Done}, 0);
        });
        const std::size_t cap = big.size() - 1;
        OpenAiHarness harness(upstreamSection(upstream.url(), {{"upstream.max_event_bytes", std::to_string(cap)}}));
        CapturedWarnings log;
        auto result = postChat(harness, StreamChat);

        CPPUNIT_ASSERT_EQUAL(std::size_t(2), result->sink.chunks.size());
        CPPUNIT_ASSERT_EQUAL(first, result->sink.chunks[0]);
        const std::string& error = result->sink.chunks[1];
        CPPUNIT_ASSERT_MESSAGE(error, error.rfind("event: error\ndata: {\"error\":{", 0) == 0);
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, R"("code":"upstream_error")"));
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, capKey("max_event_bytes", cap)));
        CPPUNIT_ASSERT(result->sink.streamAborted);
        CPPUNIT_ASSERT(result->outcome == portico::Outcome::Error);
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), poolOf(harness)->idle());
        const auto warnings = log.warnings();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), warnings.size());
        CPPUNIT_ASSERT_MESSAGE(warnings[0], contains(warnings[0], "upstream 'default'"));
    }

    void testFirstEventOverCapIs502()
    {
        // Nothing has gone to the client yet: the failure is a JSON answer, as for a buffered call.
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            upstream.sendEvents(response, {eventOfSize(5000), Done}, 0);
        });
        OpenAiHarness harness(upstreamSection(upstream.url(), {{"upstream.max_event_bytes", "1000"}}));
        CapturedWarnings log;
        auto result = postChat(harness, StreamChat);
        CPPUNIT_ASSERT_EQUAL(502, result->status());
        CPPUNIT_ASSERT(!result->sink.streamBegun);
        CPPUNIT_ASSERT_MESSAGE(result->body(), contains(result->body(), capKey("max_event_bytes", 1000)));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), poolOf(harness)->idle());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), log.warnings().size());
    }

    void testJsonAnswerToStreamRequestOverCapIs502()
    {
        // A stream request answered with a JSON body is read whole: the same body cap applies,
        // by Content-Length before reading.
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            FakeUpstream::sendJson(response, 400, R"({"error":{"message":")" + std::string(4000, 'e') + R"("}})");
        });
        OpenAiHarness harness(upstreamSection(upstream.url(), {{"upstream.max_body_bytes", "1000"}}));
        CapturedWarnings log;
        auto result = postChat(harness, StreamChat);
        CPPUNIT_ASSERT_EQUAL(502, result->status());
        CPPUNIT_ASSERT_MESSAGE(result->body(), contains(result->body(), capKey("max_body_bytes", 1000)));
        CPPUNIT_ASSERT_MESSAGE(result->body(), contains(result->body(), "declares a body of"));
        CPPUNIT_ASSERT(!contains(result->body(), "eeeee"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), poolOf(harness)->idle());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), log.warnings().size());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AnswerLimitsTest);
