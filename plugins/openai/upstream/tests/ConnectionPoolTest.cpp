// The keep-alive pool through the proxy, against in-process upstreams: reuse, the bound,
// idle eviction, a connection the upstream closed while idle, and the stale-connection retry.

#include "FakeUpstream.h"
#include "ProxyHarness.h"
#include "UpstreamProxy.h"
#include "Poco/Logger.h"
#include <cppunit/extensions/HelperMacros.h>
#include <prometheus/registry.h>
#include <thread>

using namespace portico::openai;
using namespace portico::openai::test;

namespace {

const char* const Completion = R"({"id":"c1","object":"chat.completion","usage":{"prompt_tokens":1,"completion_tokens":1}})";

FakeUpstream::Handler answerJson(int delayMs = 0)
{
    return [delayMs](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
        if (delayMs > 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(delayMs));
        FakeUpstream::sendJson(response, 200, Completion);
    };
}

int forwardOnce(UpstreamProxy& proxy, std::string* body = nullptr)
{
    ProxyCall call(R"({"model":"m","messages":[]})");
    proxy.forward(*call.exchange, proxy.upstreams().at(0), "POST", "/chat/completions", false);
    if (body)
        *body = call.body();
    return call.status();
}

std::string answer(const std::string& body, bool close = false)
{
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           (close ? "\r\nConnection: close" : "") + "\r\n\r\n" + body;
}

} // namespace

class ConnectionPoolTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ConnectionPoolTest);
    CPPUNIT_TEST(testKeepAliveReuse);
    CPPUNIT_TEST(testPoolIsBounded);
    CPPUNIT_TEST(testIdleEviction);
    CPPUNIT_TEST(testUpstreamClosedIdleConnection);
    CPPUNIT_TEST(testStaleConnectionRetriedOnce);
    CPPUNIT_TEST(testPoolSizeZeroDisablesReuse);
    CPPUNIT_TEST_SUITE_END();

public:
    void testKeepAliveReuse()
    {
        FakeUpstream upstream(answerJson());
        prometheus::Registry registry;
        UpstreamProxy proxy({testUpstream(upstream.url())}, Poco::Logger::get("test.upstream"), registry);
        for (int i = 0; i < 5; ++i)
            CPPUNIT_ASSERT_EQUAL(200, forwardOnce(proxy));
        CPPUNIT_ASSERT_EQUAL(std::size_t(5), upstream.requests().size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), upstream.connections());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(1), proxy.pool(proxy.upstreams()[0]).openedCount());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), proxy.pool(proxy.upstreams()[0]).idleCount());
    }

    void testPoolIsBounded()
    {
        FakeUpstream upstream(answerJson(200));
        auto config = testUpstream(upstream.url());
        config.poolSize = 2;
        prometheus::Registry registry;
        UpstreamProxy proxy({config}, Poco::Logger::get("test.upstream"), registry);
        std::vector<std::thread> clients;
        std::atomic<int> ok{0};
        for (int i = 0; i < 6; ++i)
            clients.emplace_back([&] { ok += forwardOnce(proxy) == 200; });
        for (auto& client : clients)
            client.join();
        CPPUNIT_ASSERT_EQUAL(6, ok.load());
        CPPUNIT_ASSERT_EQUAL(std::size_t(6), upstream.connections()); // all at once: six connections
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), proxy.pool(config).idleCount()); // only two kept
        // The kept ones serve the next requests.
        CPPUNIT_ASSERT_EQUAL(200, forwardOnce(proxy));
        CPPUNIT_ASSERT_EQUAL(200, forwardOnce(proxy));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(6), proxy.pool(config).openedCount());
    }

    void testIdleEviction()
    {
        FakeUpstream upstream(answerJson());
        auto config = testUpstream(upstream.url());
        config.idleTimeoutMs = 100;
        prometheus::Registry registry;
        UpstreamProxy proxy({config}, Poco::Logger::get("test.upstream"), registry);
        CPPUNIT_ASSERT_EQUAL(200, forwardOnce(proxy));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), proxy.pool(config).idleCount());
        // The reaper closes it without any further request.
        std::this_thread::sleep_for(std::chrono::milliseconds(400));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), proxy.pool(config).idleCount());
        CPPUNIT_ASSERT_EQUAL(200, forwardOnce(proxy));
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), upstream.connections());
    }

    void testUpstreamClosedIdleConnection()
    {
        // The upstream drops idle connections after 100 ms; the pool would keep them 10 s.
        FakeUpstream upstream(answerJson(), 0, 100);
        auto config = testUpstream(upstream.url());
        config.idleTimeoutMs = 10000;
        config.retries = 0;
        prometheus::Registry registry;
        UpstreamProxy proxy({config}, Poco::Logger::get("test.upstream"), registry);
        CPPUNIT_ASSERT_EQUAL(200, forwardOnce(proxy));
        std::this_thread::sleep_for(std::chrono::milliseconds(400));
        CPPUNIT_ASSERT_EQUAL(200, forwardOnce(proxy));
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), upstream.requests().size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), upstream.connections());
    }

    void testStaleConnectionRetriedOnce()
    {
        // Connection 0 answers one request, then takes the next one and hangs up without an
        // answer (the race of an upstream closing an idle connection as a request goes out).
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
        auto config = testUpstream("http://127.0.0.1:" + std::to_string(server.port()) + "/v1");
        config.retries = 0; // the stale retry is not one of the configured retries
        prometheus::Registry registry;
        UpstreamProxy proxy({config}, Poco::Logger::get("test.upstream"), registry);
        std::string body;
        CPPUNIT_ASSERT_EQUAL(200, forwardOnce(proxy, &body));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"n":1})"), body);
        CPPUNIT_ASSERT_EQUAL(200, forwardOnce(proxy, &body));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"n":2})"), body);
        CPPUNIT_ASSERT_EQUAL(2, server.accepted());
        // Connection: close in the answer: not pooled.
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), proxy.pool(config).idleCount());
    }

    void testPoolSizeZeroDisablesReuse()
    {
        FakeUpstream upstream(answerJson());
        auto config = testUpstream(upstream.url());
        config.poolSize = 0;
        prometheus::Registry registry;
        UpstreamProxy proxy({config}, Poco::Logger::get("test.upstream"), registry);
        for (int i = 0; i < 3; ++i)
            CPPUNIT_ASSERT_EQUAL(200, forwardOnce(proxy));
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), upstream.connections());
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), proxy.pool(config).idleCount());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ConnectionPoolTest);
