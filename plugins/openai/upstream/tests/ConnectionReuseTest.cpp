// Keep-alive connections to an upstream, seen from the client of the openai plugin in a real
// chain: calls reuse one connection, pool_size = 0 opens one per call, an idle connection is
// closed after idle_timeout_ms, one the upstream closed while idle is not used again, and a
// pooled connection that the upstream closes just as a request goes out is retried once on a
// new one (not counted against retries) when the request is safe to repeat (an
// Idempotency-Key); a plain POST that was written completely is not sent twice (502).

#include "FakeUpstream.h"
#include "ProxyTestSupport.h"
#include <cppunit/extensions/HelperMacros.h>
#include <thread>

using namespace portico::openai;
using namespace portico::openai::test;

namespace {

const char* const Completion = R"({"id":"c1","object":"chat.completion","usage":{"prompt_tokens":1,"completion_tokens":1}})";
const char* const Chat = R"({"model":"m","messages":[]})";

FakeUpstream::Handler answerJson()
{
    return [](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
        FakeUpstream::sendJson(response, 200, Completion);
    };
}

std::string answer(const std::string& body, bool close = false)
{
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           (close ? "\r\nConnection: close" : "") + "\r\n\r\n" + body;
}

/// Runs the harness's loop for `ms` (its timers, the pool's sweep, the upstream's closes).
void runLoop(OpenAiHarness& harness, int ms)
{
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < until)
        harness.chain().loop().runOnce(std::chrono::milliseconds(5));
}

} // namespace

class ConnectionReuseTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ConnectionReuseTest);
    CPPUNIT_TEST(testKeepAliveReuse);
    CPPUNIT_TEST(testPoolSizeZeroDisablesReuse);
    CPPUNIT_TEST(testIdleEviction);
    CPPUNIT_TEST(testUpstreamClosedIdleConnection);
    CPPUNIT_TEST(testStaleConnectionRetriedOnce);
    CPPUNIT_TEST(testStaleConnectionNotResentWithoutIdempotencyKey);
    CPPUNIT_TEST_SUITE_END();

public:
    void testKeepAliveReuse()
    {
        FakeUpstream upstream(answerJson());
        OpenAiHarness harness(upstreamSection(upstream.url()));
        for (int i = 0; i < 5; ++i)
            CPPUNIT_ASSERT_EQUAL(200, postChat(harness, Chat)->status());
        CPPUNIT_ASSERT_EQUAL(std::size_t(5), upstream.requests().size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), upstream.connections());
        const auto pool = poolOf(harness);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(1), pool->opened);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), pool->idle());
    }

    void testPoolSizeZeroDisablesReuse()
    {
        FakeUpstream upstream(answerJson());
        OpenAiHarness harness(upstreamSection(upstream.url(), {{"upstream.pool_size", "0"}}));
        for (int i = 0; i < 3; ++i)
            CPPUNIT_ASSERT_EQUAL(200, postChat(harness, Chat)->status());
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), upstream.connections());
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), poolOf(harness)->idle());
        for (const auto& request : upstream.requests())
            CPPUNIT_ASSERT_EQUAL(std::string("close"), request.headers.get("Connection", ""));
    }

    void testIdleEviction()
    {
        FakeUpstream upstream(answerJson());
        OpenAiHarness harness(upstreamSection(upstream.url(), {{"upstream.idle_timeout_ms", "100"}}));
        CPPUNIT_ASSERT_EQUAL(200, postChat(harness, Chat)->status());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), poolOf(harness)->idle());
        // Closed by the loop without any further request.
        runLoop(harness, 400);
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), poolOf(harness)->idle());
        CPPUNIT_ASSERT_EQUAL(200, postChat(harness, Chat)->status());
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), upstream.connections());
    }

    void testUpstreamClosedIdleConnection()
    {
        // The upstream drops idle connections after 100 ms; the pool would keep them 10 s.
        FakeUpstream upstream(answerJson(), 0, 100);
        OpenAiHarness harness(
            upstreamSection(upstream.url(), {{"upstream.idle_timeout_ms", "10000"}, {"upstream.retries", "0"}}));
        CPPUNIT_ASSERT_EQUAL(200, postChat(harness, Chat)->status());
        std::this_thread::sleep_for(std::chrono::milliseconds(400)); // the loop does not run meanwhile
        CPPUNIT_ASSERT_EQUAL(200, postChat(harness, Chat)->status());
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), upstream.requests().size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), upstream.connections());
        runLoop(harness, 400); // and with the loop running
        CPPUNIT_ASSERT_EQUAL(200, postChat(harness, Chat)->status());
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), upstream.connections());
    }

    void testStaleConnectionRetriedOnce()
    {
        // Connection 0 answers one request, then takes the next one and hangs up without an
        // answer (the race of an upstream closing an idle connection as a request goes out).
        // The second request carries an Idempotency-Key (passed on from the client): it is safe
        // to send again.
        ScriptedServer server([](Poco::Net::StreamSocket& socket, int index) {
            if (index == 0)
            {
                ScriptedServer::readRequest(socket);
                const std::string first = answer(R"({"n":1})");
                socket.sendBytes(first.data(), static_cast<int>(first.size()));
                ScriptedServer::readRequest(socket);
                socket.close();
                return;
            }
            ScriptedServer::readRequest(socket);
            const std::string second = answer(R"({"n":2})", true);
            socket.sendBytes(second.data(), static_cast<int>(second.size()));
        });
        // The stale retry is not one of the configured retries.
        OpenAiHarness harness(upstreamSection("http://127.0.0.1:" + std::to_string(server.port()) + "/v1",
                                              {{"upstream.retries", "0"}}));
        auto first = postChat(harness, Chat);
        CPPUNIT_ASSERT_EQUAL(200, first->status());
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"n":1})"), first->body());
        auto second = runRequest(harness, "POST", "/v1/chat/completions", Chat, {{"Idempotency-Key", "idem-2"}});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(second->body(), 200, second->status());
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"n":2})"), second->body());
        CPPUNIT_ASSERT_EQUAL(2, server.accepted());
        // Connection: close in the answer: not pooled.
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), poolOf(harness)->idle());
    }

    void testStaleConnectionNotResentWithoutIdempotencyKey()
    {
        // The same race for a POST without an Idempotency-Key, written completely: the
        // upstream may have started generating (and billing) it, so it is not sent again.
        ScriptedServer server([](Poco::Net::StreamSocket& socket, int index) {
            if (index != 0)
                return;
            ScriptedServer::readRequest(socket);
            const std::string first = answer(R"({"n":1})");
            socket.sendBytes(first.data(), static_cast<int>(first.size()));
            ScriptedServer::readRequest(socket);
            socket.close();
        });
        OpenAiHarness harness(upstreamSection("http://127.0.0.1:" + std::to_string(server.port()) + "/v1"));
        CPPUNIT_ASSERT_EQUAL(200, postChat(harness, Chat)->status());
        auto second = postChat(harness, Chat);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(second->body(), 502, second->status());
        CPPUNIT_ASSERT_MESSAGE(second->body(), contains(second->body(), R"("code":"upstream_error")"));
        CPPUNIT_ASSERT_EQUAL(1, server.accepted());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ConnectionReuseTest);
