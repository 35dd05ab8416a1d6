// Non-streaming forwarding through the openai plugin in a real chain, against in-process
// upstreams: what goes upstream (the upstream's key, never the client's; traceparent; the body
// unchanged), what comes back (status, type and body as given, X-Upstream-Request-Id, usage,
// the duration histogram), and the failure answers: 504 on timeout, 502 when refused after the
// retries, a 503 retried with backoff (a 502 only for a request with an Idempotency-Key),
// routing between a listed and a "*" upstream.

#include "FakeUpstream.h"
#include "ProxyTestSupport.h"
#include "TempDir.h"
#include "portico/Attributes.h"
#include <cppunit/extensions/HelperMacros.h>
#include <atomic>
#include <thread>

using namespace portico::openai;
using namespace portico::openai::test;
using Clock = std::chrono::steady_clock;

namespace {

const char* const Traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const char* const Chat = R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]})";

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
    CPPUNIT_TEST(testBadGatewayRetriedOnlyWhenReplayable);
    CPPUNIT_TEST(testBusyPassedThroughWhenRetriesRunOut);
    CPPUNIT_TEST(testRouting);
    CPPUNIT_TEST(testEveryEndpointAndPath);
    CPPUNIT_TEST_SUITE_END();

public:
    void testRequestAndAnswerPassThrough()
    {
        const std::string answer = R"({"id":"chatcmpl-1","object":"chat.completion","choices":[],)"
                                   R"("usage":{"prompt_tokens":11,"completion_tokens":7,"total_tokens":18,)"
                                   R"("prompt_tokens_details":{"cached_tokens":8}}})";
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            response.set("x-request-id", "req_upstream_42");
            FakeUpstream::sendJson(response, 200, answer);
        });
        portico::test::TempDir dir;
        const auto keyFile = dir.write("upstream.key", "sk-upstream-secret\n");
        OpenAiHarness harness(upstreamSection(upstream.url(), {{"upstream.api_key_file", keyFile}}));

        auto result = runRequest(harness, "POST", "/v1/chat/completions", Chat,
                                 {{"Authorization", "Bearer client-key"},
                                  {"Cookie", "session=1"},
                                  {"OpenAI-Beta", "assistants=v2"},
                                  {"OpenAI-Organization", "org-client"},
                                  {"Idempotency-Key", "idem-1"},
                                  {"User-Agent", "OpenAI/Python 1.0"},
                                  {"tracestate", "vendor=1"},
                                  {"traceparent", "00-11111111111111111111111111111111-2222222222222222-01"}},
                                 [](ProxyResult& call) { call.exchange->set(portico::attr::TraceparentOut, Traceparent); });

        CPPUNIT_ASSERT(result->outcome == portico::Outcome::Completed);
        CPPUNIT_ASSERT_EQUAL(200, result->status());
        CPPUNIT_ASSERT(result->sink.sentWhole);
        CPPUNIT_ASSERT_EQUAL(answer, result->body());
        CPPUNIT_ASSERT_EQUAL(std::string("application/json"), result->sink.sentHead.contentType);
        CPPUNIT_ASSERT_EQUAL(std::string("req_upstream_42"), result->header("X-Upstream-Request-Id"));
        CPPUNIT_ASSERT_EQUAL(std::string("11"), result->attribute(portico::attr::UsageInputTokens));
        CPPUNIT_ASSERT_EQUAL(std::string("7"), result->attribute(portico::attr::UsageOutputTokens));
        CPPUNIT_ASSERT_EQUAL(std::string("8"), result->attribute(portico::attr::UsageCachedInputTokens));
        CPPUNIT_ASSERT_EQUAL(std::string("gpt-4o"), result->attribute(portico::attr::Model));
        CPPUNIT_ASSERT(result->exchange->find(portico::attr::UpstreamMs));

        const auto seen = upstream.requests().at(0);
        CPPUNIT_ASSERT_EQUAL(std::string("POST"), seen.method);
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/chat/completions"), seen.uri);
        CPPUNIT_ASSERT_EQUAL(std::string(Chat), seen.body);
        CPPUNIT_ASSERT_EQUAL(std::string("Bearer sk-upstream-secret"), seen.headers.get("Authorization"));
        // The same trace and flags; the parent is this attempt's own span (AttemptTrace), which
        // the attempt's line in upstream.attempts names.
        const std::string sent = seen.headers.get("traceparent");
        CPPUNIT_ASSERT_EQUAL(std::size_t(55), sent.size());
        CPPUNIT_ASSERT_EQUAL(std::string(Traceparent).substr(0, 36), sent.substr(0, 36));
        CPPUNIT_ASSERT_EQUAL(std::string("-01"), sent.substr(52));
        const std::string attemptSpan = sent.substr(36, 16);
        CPPUNIT_ASSERT(attemptSpan != "b7ad6b7169203331");
        const std::string attempts = result->attribute(portico::attr::UpstreamAttempts);
        CPPUNIT_ASSERT_MESSAGE(attempts, attempts.find(" " + attemptSpan + " 200 127.0.0.1:") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(attempts, attempts.size() > 0 && attempts.back() == '\n' &&
                                             attempts.find('\n') == attempts.size() - 1);
        CPPUNIT_ASSERT_EQUAL(std::string("vendor=1"), seen.headers.get("tracestate"));
        CPPUNIT_ASSERT_EQUAL(std::string("assistants=v2"), seen.headers.get("OpenAI-Beta"));
        CPPUNIT_ASSERT_EQUAL(std::string("idem-1"), seen.headers.get("Idempotency-Key"));
        CPPUNIT_ASSERT_EQUAL(std::string("OpenAI/Python 1.0"), seen.headers.get("User-Agent"));
        CPPUNIT_ASSERT_EQUAL(std::string("application/json"), seen.headers.get("Content-Type"));
        CPPUNIT_ASSERT_EQUAL(std::string("application/json"), seen.headers.get("Accept"));
        CPPUNIT_ASSERT_EQUAL(std::string("identity"), seen.headers.get("Accept-Encoding"));
        CPPUNIT_ASSERT(!seen.headers.has("Cookie"));
        CPPUNIT_ASSERT(!seen.headers.has("OpenAI-Organization"));

        // The histogram has the upstream and its status.
        CPPUNIT_ASSERT_EQUAL(1.0, harness.metric("portico_upstream_request_duration_seconds",
                                                 {{"upstream", "default"}, {"status", "200"}}));
    }

    void testUpstreamErrorsPassedThrough()
    {
        std::atomic<int> next{0};
        const int statuses[] = {400, 500, 429};
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            const int status = statuses[next++];
            response.set("Retry-After", "3");
            FakeUpstream::sendJson(response, status,
                                   R"({"error":{"message":"status )" + std::to_string(status) +
                                       R"(","type":"invalid_request_error","param":"model","code":null}})");
        });
        OpenAiHarness harness(upstreamSection(upstream.url()));
        for (int status : statuses)
        {
            auto result = runRequest(harness, "POST", "/v1/responses", R"({"model":"m","input":"x"})");
            CPPUNIT_ASSERT_EQUAL(status, result->status());
            CPPUNIT_ASSERT(contains(result->body(), "status " + std::to_string(status)));
            CPPUNIT_ASSERT(!result->exchange->find(portico::attr::UsageInputTokens));
            CPPUNIT_ASSERT_EQUAL(1.0, harness.metric("portico_upstream_request_duration_seconds",
                                                     {{"upstream", "default"}, {"status", std::to_string(status)}}));
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), upstream.requests().size()); // 500 and 429 not retried
    }

    void testTimeoutIs504()
    {
        FakeUpstream upstream([](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1500));
            FakeUpstream::sendJson(response, 200, "{}");
        });
        OpenAiHarness harness(upstreamSection(upstream.url(), {{"upstream.read_timeout_ms", "200"}}));
        CapturedWarnings log;
        const auto start = Clock::now();
        auto result = postChat(harness, Chat);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(msSince(start)) + " ms", msSince(start) < 1000);
        CPPUNIT_ASSERT_EQUAL(504, result->status());
        CPPUNIT_ASSERT(contains(result->body(), R"("code":"upstream_timeout")"));
        CPPUNIT_ASSERT(contains(result->body(), R"("type":"server_error")"));
        CPPUNIT_ASSERT(contains(result->body(), upstream.url()));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), upstream.requests().size()); // a timeout is not retried
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), log.warnings().size());
        CPPUNIT_ASSERT_EQUAL(1.0, harness.metric("portico_upstream_request_duration_seconds",
                                                 {{"upstream", "default"}, {"status", "timeout"}}));
    }

    void testRefusedIs502AfterRetries()
    {
        const std::string url = "http://127.0.0.1:" + std::to_string(closedPort()) + "/v1";
        portico::test::TempDir dir;
        const auto keyFile = dir.write("upstream.key", "sk-never-shown\n");
        OpenAiHarness harness(upstreamSection(
            url, {{"upstream.retries", "3"}, {"upstream.retry_backoff_ms", "40"}, {"upstream.api_key_file", keyFile}}));
        CapturedWarnings log;
        const auto start = Clock::now();
        auto result = postChat(harness, Chat);
        // Three backoffs of at least 20, 40 and 80 ms.
        CPPUNIT_ASSERT_MESSAGE(std::to_string(msSince(start)), msSince(start) >= 140);
        CPPUNIT_ASSERT_EQUAL(502, result->status());
        CPPUNIT_ASSERT(contains(result->body(), R"("code":"upstream_unreachable")"));
        CPPUNIT_ASSERT(contains(result->body(), "upstream 'default' (" + url + ")"));
        CPPUNIT_ASSERT(!contains(result->body(), "sk-never-shown"));
        // One warning for the failure (the retries are information).
        const auto warnings = log.warnings();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), warnings.size());
        CPPUNIT_ASSERT(!contains(warnings[0], "sk-never-shown"));
        CPPUNIT_ASSERT_EQUAL(1.0, harness.metric("portico_upstream_request_duration_seconds",
                                                 {{"upstream", "default"}, {"status", "connect_error"}}));
    }

    void testConnectRetryReachesLateUpstream()
    {
        const unsigned short port = closedPort();
        OpenAiHarness harness(upstreamSection("http://127.0.0.1:" + std::to_string(port) + "/v1",
                                              {{"upstream.retries", "8"}, {"upstream.retry_backoff_ms", "50"}}));
        std::unique_ptr<FakeUpstream> late;
        std::thread starter([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(150));
            late = std::make_unique<FakeUpstream>(
                [](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
                    FakeUpstream::sendJson(response, 200, R"({"late":true})");
                },
                port);
        });
        auto result = postChat(harness, Chat);
        starter.join();
        CPPUNIT_ASSERT_EQUAL(200, result->status());
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"late":true})"), result->body());
    }

    void testBusyUpstreamRetried()
    {
        std::atomic<int> calls{0};
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            const int call = ++calls;
            if (call <= 2)
                FakeUpstream::sendJson(response, call == 1 ? 503 : 502, R"({"error":{"message":"busy"}})");
            else
                FakeUpstream::sendJson(response, 200, R"({"ok":true})");
        });
        OpenAiHarness harness(upstreamSection(upstream.url()));
        // With an Idempotency-Key (passed on from the client) the request is safe to repeat:
        // the 502 is retried too.
        auto result = runRequest(harness, "POST", "/v1/embeddings", R"({"model":"m","input":"x"})",
                                 {{"Idempotency-Key", "idem-busy"}});
        CPPUNIT_ASSERT_EQUAL(200, result->status());
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"ok":true})"), result->body());
        const auto seen = upstream.requests();
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), seen.size());
        for (const auto& request : seen)
            CPPUNIT_ASSERT_EQUAL(std::string(R"({"model":"m","input":"x"})"), request.body); // the same body each time
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), upstream.connections()); // drained and reused
    }

    void testBadGatewayRetriedOnlyWhenReplayable()
    {
        // Without an Idempotency-Key a POST's 503 is retried (the upstream did not take the
        // work), its 502 is not (a gateway may have passed the request on): passed through.
        std::atomic<int> calls{0};
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            const int call = ++calls;
            if (call <= 2)
                FakeUpstream::sendJson(response, call == 1 ? 503 : 502, R"({"error":{"message":"busy"}})");
            else
                FakeUpstream::sendJson(response, 200, R"({"ok":true})");
        });
        OpenAiHarness harness(upstreamSection(upstream.url()));
        auto result = runRequest(harness, "POST", "/v1/embeddings", R"({"model":"m","input":"x"})");
        CPPUNIT_ASSERT_EQUAL(502, result->status());
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"error":{"message":"busy"}})"), result->body());
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), upstream.requests().size());
    }

    void testBusyPassedThroughWhenRetriesRunOut()
    {
        FakeUpstream upstream([](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            FakeUpstream::sendJson(response, 503, R"({"error":{"message":"still busy"}})");
        });
        OpenAiHarness harness(upstreamSection(upstream.url(), {{"upstream.retries", "1"}}));
        auto result = postChat(harness, Chat);
        CPPUNIT_ASSERT_EQUAL(503, result->status());
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"error":{"message":"still busy"}})"), result->body());
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), upstream.requests().size());
    }

    void testRouting()
    {
        FakeUpstream listed([](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            FakeUpstream::sendJson(response, 200, R"({"from":"listed"})");
        });
        FakeUpstream everything([](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            FakeUpstream::sendJson(response, 200, R"({"from":"everything"})");
        });
        OpenAiHarness harness(upstreamSection(listed.url(), {{"upstream.models", "gpt-4o"},
                                                             {"upstreams.everything.url", everything.url()},
                                                             {"upstreams.everything.read_timeout_ms", "2000"}}));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"from":"listed"})"), postChat(harness, Chat)->body());
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"from":"everything"})"),
                             postChat(harness, R"({"model":"portico-echo","messages":[]})")->body());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), listed.requests().size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), everything.requests().size());
    }

    void testEveryEndpointAndPath()
    {
        FakeUpstream upstream([](const SeenRequest& request, Poco::Net::HTTPServerResponse& response) {
            FakeUpstream::sendJson(response, 200, R"({"path":")" + request.uri + R"("})");
        });
        OpenAiHarness harness(upstreamSection(upstream.url()));
        for (const char* path : {"/v1/chat/completions", "/v1/responses", "/v1/embeddings"})
        {
            auto result = runRequest(harness, "POST", path, R"({"model":"m","input":"x","messages":[]})");
            CPPUNIT_ASSERT_EQUAL(std::string(R"({"path":")") + path + R"("})", result->body());
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(UpstreamProxyTest);
