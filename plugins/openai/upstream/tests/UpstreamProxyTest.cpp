// Non-streaming forwarding against in-process upstreams: what goes upstream (the upstream's
// key, never the client's; traceparent), what comes back (status, type and body as given,
// X-Upstream-Request-Id, usage), and the failure answers: 504 on timeout, 502 when refused
// after the retries, 503 retried with backoff.

#include "FakeUpstream.h"
#include "ProxyHarness.h"
#include "UpstreamProxy.h"
#include "portico/Attributes.h"
#include "Poco/Logger.h"
#include <cppunit/extensions/HelperMacros.h>
#include <prometheus/registry.h>
#include <thread>

using namespace portico::openai;
using namespace portico::openai::test;
using Clock = std::chrono::steady_clock;

namespace {

const char* const Traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

double msSince(Clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

/// An unused port: bound for a moment, then released.
unsigned short closedPort()
{
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    return socket.address().port();
}

} // namespace

class UpstreamProxyTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(UpstreamProxyTest);
    CPPUNIT_TEST(testRequestAndAnswerPassThrough);
    CPPUNIT_TEST(testUpstreamErrorsPassedThrough);
    CPPUNIT_TEST(testTimeoutIs504);
    CPPUNIT_TEST(testRefusedIs502AfterRetries);
    CPPUNIT_TEST(testConnectRetryReachesLateUpstream);
    CPPUNIT_TEST(testBusyUpstreamRetried);
    CPPUNIT_TEST(testBusyPassedThroughWhenRetriesRunOut);
    CPPUNIT_TEST(testRouting);
    CPPUNIT_TEST(testListModels);
    CPPUNIT_TEST_SUITE_END();

public:
    void testRequestAndAnswerPassThrough()
    {
        const std::string answer = R"({"id":"chatcmpl-1","object":"chat.completion","choices":[],)"
                                   R"("usage":{"prompt_tokens":11,"completion_tokens":7,"total_tokens":18}})";
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            response.set("x-request-id", "req_upstream_42");
            FakeUpstream::sendJson(response, 200, answer);
        });
        auto config = testUpstream(upstream.url());
        config.apiKey = "sk-upstream-secret";
        prometheus::Registry registry;
        UpstreamProxy proxy({config}, Poco::Logger::get("test.upstream"), registry);

        const std::string body = R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]})";
        ProxyCall call(body, {{"Authorization", "Bearer client-key"},
                              {"Cookie", "session=1"},
                              {"OpenAI-Beta", "assistants=v2"},
                              {"traceparent", "00-11111111111111111111111111111111-2222222222222222-01"}});
        call.exchange->set(portico::attr::TraceparentOut, Traceparent);
        proxy.forward(*call.exchange, proxy.upstreams()[0], "POST", "/chat/completions", false);

        CPPUNIT_ASSERT_EQUAL(200, call.status());
        CPPUNIT_ASSERT_EQUAL(answer, call.body());
        CPPUNIT_ASSERT_EQUAL(std::string("application/json"), call.exchange->response().contentType);
        CPPUNIT_ASSERT_EQUAL(std::string("req_upstream_42"), call.header("X-Upstream-Request-Id"));
        CPPUNIT_ASSERT(!call.exchange->response().headers.has("X-Request-Id"));
        CPPUNIT_ASSERT_EQUAL(std::string("11"), call.exchange->get(portico::attr::UsageInputTokens));
        CPPUNIT_ASSERT_EQUAL(std::string("7"), call.exchange->get(portico::attr::UsageOutputTokens));
        CPPUNIT_ASSERT(call.exchange->find(portico::attr::UpstreamMs));

        const auto seen = upstream.requests().at(0);
        CPPUNIT_ASSERT_EQUAL(std::string("POST"), seen.method);
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/chat/completions"), seen.uri);
        CPPUNIT_ASSERT_EQUAL(body, seen.body);
        CPPUNIT_ASSERT_EQUAL(std::string("Bearer sk-upstream-secret"), seen.headers.get("Authorization"));
        CPPUNIT_ASSERT_EQUAL(std::string(Traceparent), seen.headers.get("traceparent"));
        CPPUNIT_ASSERT_EQUAL(std::string("assistants=v2"), seen.headers.get("OpenAI-Beta"));
        CPPUNIT_ASSERT(!seen.headers.has("Cookie"));

        // The histogram has the upstream and its status.
        bool found = false;
        for (const auto& family : registry.Collect())
            for (const auto& metric : family.metric)
                if (family.name == "portico_upstream_request_duration_seconds")
                    for (const auto& label : metric.label)
                        found = found || (label.name == "status" && label.value == "200");
        CPPUNIT_ASSERT(found);
    }

    void testUpstreamErrorsPassedThrough()
    {
        int next = 0;
        const int statuses[] = {400, 500, 429};
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            const int status = statuses[next++];
            response.set("Retry-After", "3");
            FakeUpstream::sendJson(response, status,
                                   R"({"error":{"message":"status )" + std::to_string(status) +
                                       R"(","type":"invalid_request_error","param":"model","code":null}})");
        });
        prometheus::Registry registry;
        UpstreamProxy proxy({testUpstream(upstream.url())}, Poco::Logger::get("test.upstream"), registry);
        for (int status : statuses)
        {
            ProxyCall call("{}");
            proxy.forward(*call.exchange, proxy.upstreams()[0], "POST", "/responses", false);
            CPPUNIT_ASSERT_EQUAL(status, call.status());
            CPPUNIT_ASSERT(contains(call.body(), "status " + std::to_string(status)));
            CPPUNIT_ASSERT(!call.exchange->find(portico::attr::UsageInputTokens));
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), upstream.requests().size()); // 500 and 429 not retried
    }

    void testTimeoutIs504()
    {
        FakeUpstream upstream([](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1500));
            FakeUpstream::sendJson(response, 200, "{}");
        });
        auto config = testUpstream(upstream.url());
        config.readTimeoutMs = 200;
        prometheus::Registry registry;
        UpstreamProxy proxy({config}, Poco::Logger::get("test.upstream"), registry);
        ProxyCall call("{}");
        const auto start = Clock::now();
        proxy.forward(*call.exchange, proxy.upstreams()[0], "POST", "/chat/completions", false);
        CPPUNIT_ASSERT(msSince(start) < 1000);
        CPPUNIT_ASSERT_EQUAL(504, call.status());
        CPPUNIT_ASSERT(contains(call.body(), R"("code":"upstream_timeout")"));
        CPPUNIT_ASSERT(contains(call.body(), R"("type":"server_error")"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), upstream.requests().size()); // a timeout is not retried
    }

    void testRefusedIs502AfterRetries()
    {
        auto config = testUpstream("http://127.0.0.1:" + std::to_string(closedPort()) + "/v1");
        config.retries = 3;
        config.retryBackoffMs = 40;
        config.apiKey = "sk-never-shown";
        prometheus::Registry registry;
        UpstreamProxy proxy({config}, Poco::Logger::get("test.upstream"), registry);
        ProxyCall call("{}");
        const auto start = Clock::now();
        proxy.forward(*call.exchange, proxy.upstreams()[0], "POST", "/chat/completions", false);
        // Three backoffs of at least 20, 40 and 80 ms.
        CPPUNIT_ASSERT(msSince(start) >= 140);
        CPPUNIT_ASSERT_EQUAL(502, call.status());
        CPPUNIT_ASSERT(contains(call.body(), R"("code":"upstream_unreachable")"));
        CPPUNIT_ASSERT(contains(call.body(), config.url));
        CPPUNIT_ASSERT(!contains(call.body(), "sk-never-shown"));
    }

    void testConnectRetryReachesLateUpstream()
    {
        const unsigned short port = closedPort();
        auto config = testUpstream("http://127.0.0.1:" + std::to_string(port) + "/v1");
        config.retries = 8;
        config.retryBackoffMs = 50;
        prometheus::Registry registry;
        UpstreamProxy proxy({config}, Poco::Logger::get("test.upstream"), registry);
        std::unique_ptr<FakeUpstream> late;
        std::thread starter([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(150));
            late = std::make_unique<FakeUpstream>(
                [](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
                    FakeUpstream::sendJson(response, 200, R"({"late":true})");
                },
                port);
        });
        ProxyCall call("{}");
        proxy.forward(*call.exchange, proxy.upstreams()[0], "POST", "/chat/completions", false);
        starter.join();
        CPPUNIT_ASSERT_EQUAL(200, call.status());
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"late":true})"), call.body());
    }

    void testBusyUpstreamRetried()
    {
        std::atomic<int> calls{0};
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            if (++calls <= 2)
                FakeUpstream::sendJson(response, calls == 1 ? 503 : 502, R"({"error":{"message":"busy"}})");
            else
                FakeUpstream::sendJson(response, 200, R"({"ok":true})");
        });
        prometheus::Registry registry;
        UpstreamProxy proxy({testUpstream(upstream.url())}, Poco::Logger::get("test.upstream"), registry);
        ProxyCall call(R"({"model":"m"})");
        proxy.forward(*call.exchange, proxy.upstreams()[0], "POST", "/embeddings", false);
        CPPUNIT_ASSERT_EQUAL(200, call.status());
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"ok":true})"), call.body());
        const auto seen = upstream.requests();
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), seen.size());
        for (const auto& request : seen)
            CPPUNIT_ASSERT_EQUAL(std::string(R"({"model":"m"})"), request.body); // the same body each time
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), upstream.connections()); // drained and reused
    }

    void testBusyPassedThroughWhenRetriesRunOut()
    {
        FakeUpstream upstream([](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            FakeUpstream::sendJson(response, 503, R"({"error":{"message":"still busy"}})");
        });
        auto config = testUpstream(upstream.url());
        config.retries = 1;
        prometheus::Registry registry;
        UpstreamProxy proxy({config}, Poco::Logger::get("test.upstream"), registry);
        ProxyCall call("{}");
        proxy.forward(*call.exchange, proxy.upstreams()[0], "POST", "/chat/completions", false);
        CPPUNIT_ASSERT_EQUAL(503, call.status());
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"error":{"message":"still busy"}})"), call.body());
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), upstream.requests().size());
    }

    void testRouting()
    {
        auto listed = testUpstream("http://127.0.0.1:1/v1", "listed");
        listed.servesAll = false;
        listed.models = {"gpt-4o"};
        auto wildcard = testUpstream("http://127.0.0.1:2/v1", "everything");
        prometheus::Registry registry;
        UpstreamProxy proxy({listed, wildcard}, Poco::Logger::get("test.upstream"), registry);
        CPPUNIT_ASSERT_EQUAL(std::string("listed"), proxy.upstreamFor("gpt-4o")->name);
        CPPUNIT_ASSERT_EQUAL(std::string("everything"), proxy.upstreamFor("portico-echo")->name);
        UpstreamProxy onlyListed({listed}, Poco::Logger::get("test.upstream"), registry);
        CPPUNIT_ASSERT(onlyListed.upstreamFor("portico-echo") == nullptr);
    }

    void testListModels()
    {
        FakeUpstream upstream([](const SeenRequest& request, Poco::Net::HTTPServerResponse& response) {
            if (request.uri == "/v1/models" && request.headers.get("Authorization", "") == "Bearer sk-k")
                FakeUpstream::sendJson(response, 200,
                                       R"({"object":"list","data":[{"id":"a","object":"model"},{"id":"b"}]})");
            else
                FakeUpstream::sendJson(response, 401, R"({"error":{}})");
        });
        auto config = testUpstream(upstream.url());
        config.apiKey = "sk-k";
        config.models = {"configured"};
        prometheus::Registry registry;
        UpstreamProxy proxy({config}, Poco::Logger::get("test.upstream"), registry);
        CPPUNIT_ASSERT((proxy.listModels(config) == std::vector<std::string>{"a", "b"}));

        auto wrongKey = config;
        wrongKey.apiKey = "sk-wrong";
        UpstreamProxy refused({wrongKey}, Poco::Logger::get("test.upstream"), registry);
        CPPUNIT_ASSERT((refused.listModels(wrongKey) == std::vector<std::string>{"configured"}));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(UpstreamProxyTest);
