// The caps on what an upstream may send, through UpstreamProxy::forward: a buffered answer body
// over max_body_bytes and a stream event over max_event_bytes end in the proxy's usual failure
// answers (a 502 in OpenAI's error shape, or the mid-stream error event), with one warning
// naming the upstream and the connection dropped rather than pooled; a final 101 is a 502 too.

#include "FakeUpstream.h"
#include "ProxyHarness.h"
#include "UpstreamProxy.h"
#include "Poco/AutoPtr.h"
#include "Poco/Channel.h"
#include "Poco/Logger.h"
#include "Poco/Message.h"
#include <cppunit/extensions/HelperMacros.h>
#include <prometheus/registry.h>
#include <mutex>
#include <string>
#include <vector>

using namespace portico::openai;
using namespace portico::openai::test;

namespace {

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

/// Keeps the warnings (and worse) logged to it.
class WarningLog : public Poco::Channel
{
public:
    void log(const Poco::Message& message) override
    {
        if (message.getPriority() > Poco::Message::PRIO_WARNING)
            return;
        std::lock_guard<std::mutex> lock(mutex_);
        warnings_.push_back(message.getText());
    }

    std::vector<std::string> warnings() const
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return warnings_;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::string> warnings_;
};

/// A logger of its own per test, writing to a WarningLog.
struct CapturedLogger
{
    explicit CapturedLogger(const std::string& name) : logger(Poco::Logger::get("test.upstream.limits." + name))
    {
        logger.setChannel(channel);
        logger.setLevel(Poco::Message::PRIO_INFORMATION);
    }
    ~CapturedLogger() { logger.setChannel(nullptr); }

    Poco::AutoPtr<WarningLog> channel = new WarningLog;
    Poco::Logger& logger;
};

/// An SSE event of exactly `size` bytes ("data: xxx...\n\n").
std::string eventOfSize(std::size_t size)
{
    return "data: " + std::string(size - 8, 'x') + "\n\n";
}

const std::string Done = "data: [DONE]\n\n";

} // namespace

class AnswerLimitsTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(AnswerLimitsTest);
    CPPUNIT_TEST(testBufferedAnswerAtCapRelayed);
    CPPUNIT_TEST(testBufferedAnswerOverCapIs502);
    CPPUNIT_TEST(testEventAtCapRelayed);
    CPPUNIT_TEST(testEventOverCapEndsStreamWithErrorEvent);
    CPPUNIT_TEST(testFirstEventOverCapIs502);
    CPPUNIT_TEST(testJsonAnswerToStreamRequestOverCapIs502);
    CPPUNIT_TEST(testFinalSwitchingProtocolsIs502);
    CPPUNIT_TEST_SUITE_END();

public:
    void testBufferedAnswerAtCapRelayed()
    {
        const std::string answer = R"({"id":"x","pad":")" + std::string(2000, 'p') + R"("})";
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            FakeUpstream::sendJson(response, 200, answer);
        });
        auto config = testUpstream(upstream.url());
        config.maxBodyBytes = answer.size();
        CapturedLogger log("buffered_at_cap");
        prometheus::Registry registry;
        UpstreamProxy proxy({config}, log.logger, registry);
        ProxyCall call(R"({"model":"m"})");
        proxy.forward(*call.exchange, proxy.upstreams()[0], "POST", "/chat/completions", false);
        CPPUNIT_ASSERT_EQUAL(200, call.status());
        CPPUNIT_ASSERT_EQUAL(answer, call.body());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), proxy.pool(config).idleCount());
        CPPUNIT_ASSERT(log.channel->warnings().empty());
    }

    void testBufferedAnswerOverCapIs502()
    {
        const std::string answer = R"({"id":"x","pad":")" + std::string(2000, 'p') + R"("})";
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            FakeUpstream::sendJson(response, 200, answer);
        });
        auto config = testUpstream(upstream.url());
        config.maxBodyBytes = answer.size() - 1;
        CapturedLogger log("buffered_over_cap");
        prometheus::Registry registry;
        UpstreamProxy proxy({config}, log.logger, registry);
        ProxyCall call(R"({"model":"m"})");
        proxy.forward(*call.exchange, proxy.upstreams()[0], "POST", "/chat/completions", false);

        CPPUNIT_ASSERT_EQUAL(502, call.status());
        const std::string body = call.body();
        CPPUNIT_ASSERT_MESSAGE(body, body.rfind("{\"error\":{", 0) == 0);
        CPPUNIT_ASSERT_MESSAGE(body, contains(body, R"("code":"upstream_error")"));
        CPPUNIT_ASSERT_MESSAGE(body, contains(body, "upstream.max_body_bytes = " + std::to_string(answer.size() - 1)));
        CPPUNIT_ASSERT(!contains(body, "ppppp")); // nothing of the refused body reaches the client
        // Not retried (the upstream did answer), and the connection is not pooled.
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), upstream.requests().size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), proxy.pool(config).idleCount());
        const auto warnings = log.channel->warnings();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), warnings.size());
        CPPUNIT_ASSERT_MESSAGE(warnings[0], contains(warnings[0], "upstream 'default' (" + upstream.url() + ")"));
    }

    void testEventAtCapRelayed()
    {
        const std::string big = eventOfSize(3000);
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            upstream.sendEvents(response, {big, Done}, 0);
        });
        auto config = testUpstream(upstream.url());
        config.maxEventBytes = big.size();
        CapturedLogger log("event_at_cap");
        prometheus::Registry registry;
        UpstreamProxy proxy({config}, log.logger, registry);
        ProxyCall call(R"({"stream":true})");
        proxy.forward(*call.exchange, proxy.upstreams()[0], "POST", "/chat/completions", true);
        CPPUNIT_ASSERT_EQUAL(200, call.status());
        CPPUNIT_ASSERT_EQUAL(big + Done, call.body());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), proxy.pool(config).idleCount());
        CPPUNIT_ASSERT(log.channel->warnings().empty());
    }

    void testEventOverCapEndsStreamWithErrorEvent()
    {
        const std::string first = "data: {\"choices\":[]}\n\n";
        const std::string big = eventOfSize(3000);
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            upstream.sendEvents(response, {first, big, Done}, 0);
        });
        auto config = testUpstream(upstream.url());
        config.maxEventBytes = big.size() - 1;
        CapturedLogger log("event_over_cap");
        prometheus::Registry registry;
        UpstreamProxy proxy({config}, log.logger, registry);
        ProxyCall call(R"({"stream":true})");
        proxy.forward(*call.exchange, proxy.upstreams()[0], "POST", "/chat/completions", true);

        CPPUNIT_ASSERT_EQUAL(std::size_t(2), call.sink.chunks.size());
        CPPUNIT_ASSERT_EQUAL(first, call.sink.chunks[0]);
        const std::string& error = call.sink.chunks[1];
        CPPUNIT_ASSERT_MESSAGE(error, error.rfind("event: error\ndata: {\"error\":{", 0) == 0);
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, R"("code":"upstream_error")"));
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "upstream.max_event_bytes = " + std::to_string(big.size() - 1)));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), proxy.pool(config).idleCount());
        const auto warnings = log.channel->warnings();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), warnings.size());
        CPPUNIT_ASSERT_MESSAGE(warnings[0], contains(warnings[0], "upstream 'default'"));
    }

    void testFirstEventOverCapIs502()
    {
        // Nothing has gone to the client yet: the failure is a JSON answer, as for a buffered call.
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            upstream.sendEvents(response, {eventOfSize(5000), Done}, 0);
        });
        auto config = testUpstream(upstream.url());
        config.maxEventBytes = 1000;
        CapturedLogger log("first_event_over_cap");
        prometheus::Registry registry;
        UpstreamProxy proxy({config}, log.logger, registry);
        ProxyCall call(R"({"stream":true})");
        proxy.forward(*call.exchange, proxy.upstreams()[0], "POST", "/chat/completions", true);
        CPPUNIT_ASSERT_EQUAL(502, call.status());
        CPPUNIT_ASSERT(!call.exchange->response().streamed);
        CPPUNIT_ASSERT_MESSAGE(call.body(), contains(call.body(), "upstream.max_event_bytes = 1000"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), proxy.pool(config).idleCount());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), log.channel->warnings().size());
    }

    void testJsonAnswerToStreamRequestOverCapIs502()
    {
        // A stream request answered with a JSON body is read whole (through Poco's session):
        // the same body cap applies, by Content-Length before reading.
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            FakeUpstream::sendJson(response, 400, R"({"error":{"message":")" + std::string(4000, 'e') + R"("}})");
        });
        auto config = testUpstream(upstream.url());
        config.maxBodyBytes = 1000;
        CapturedLogger log("json_to_stream_over_cap");
        prometheus::Registry registry;
        UpstreamProxy proxy({config}, log.logger, registry);
        ProxyCall call(R"({"stream":true})");
        proxy.forward(*call.exchange, proxy.upstreams()[0], "POST", "/chat/completions", true);
        CPPUNIT_ASSERT_EQUAL(502, call.status());
        CPPUNIT_ASSERT_MESSAGE(call.body(), contains(call.body(), "upstream.max_body_bytes = 1000"));
        CPPUNIT_ASSERT_MESSAGE(call.body(), contains(call.body(), "declares a body of"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), proxy.pool(config).idleCount());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), log.channel->warnings().size());
    }

    void testFinalSwitchingProtocolsIs502()
    {
        ScriptedServer server([](Poco::Net::StreamSocket& socket, int) {
            if (ScriptedServer::readRequest(socket).empty())
                return;
            const std::string answer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                       "Connection: Upgrade\r\n\r\nnot http any more";
            socket.sendBytes(answer.data(), static_cast<int>(answer.size()));
            ScriptedServer::readRequest(socket); // until the proxy closes
        });
        auto config = testUpstream("http://127.0.0.1:" + std::to_string(server.port()) + "/v1");
        CapturedLogger log("switching_protocols");
        prometheus::Registry registry;
        UpstreamProxy proxy({config}, log.logger, registry);
        for (const bool stream : {false, true})
        {
            ProxyCall call(stream ? R"({"stream":true})" : R"({"model":"m"})");
            proxy.forward(*call.exchange, proxy.upstreams()[0], "POST", "/chat/completions", stream);
            CPPUNIT_ASSERT_EQUAL(502, call.status());
            CPPUNIT_ASSERT_MESSAGE(call.body(), contains(call.body(), "101"));
            CPPUNIT_ASSERT_MESSAGE(call.body(), contains(call.body(), R"("code":"upstream_error")"));
            CPPUNIT_ASSERT_EQUAL(std::size_t(0), proxy.pool(config).idleCount());
        }
        CPPUNIT_ASSERT_EQUAL(2, server.accepted()); // one connection per call: none was reused
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), log.channel->warnings().size());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AnswerLimitsTest);
