// GET /v1/models and /v1/models/{id} with a "*" upstream: its list is fetched on the event loop
// (GET <url>/models with its key), cached for a few seconds (answered at once, without asking
// again), and an upstream that cannot be listed, or does not answer within models_timeout_ms,
// falls back to its configured names with a warning (cached too, for a shorter while). Requests
// on one loop that need the list while it is being fetched share that fetch, also when the
// request that started it goes away.

#include "FakeUpstream.h"
#include "ProxyTestSupport.h"
#include "TempDir.h"
#include "http/ExchangeRun.h"
#include "Poco/Exception.h"
#include <cppunit/extensions/HelperMacros.h>
#include <atomic>
#include <thread>

using namespace portico::openai;
using namespace portico::openai::test;

namespace {

/// Runs a GET of each of `targets` at once on the harness's loop, as one event loop serves
/// several connections, until every one has ended; `during` may act on the runs meanwhile
/// (from the loop, after `delay`).
std::vector<std::unique_ptr<ProxyResult>> getTogether(
    OpenAiHarness& harness, const std::vector<std::string>& targets,
    const std::function<void(std::vector<std::unique_ptr<portico::ExchangeRun>>&)>& during = {},
    std::chrono::milliseconds delay = std::chrono::milliseconds(0))
{
    portico::EventLoop& loop = harness.chain().loop();
    // Not owned: the harness keeps the chain.
    const std::shared_ptr<const portico::Chain> chain(std::shared_ptr<const portico::Chain>(), &harness.chain().chain());
    std::vector<std::unique_ptr<ProxyResult>> results;
    std::vector<std::unique_ptr<portico::ExchangeRun>> runs;
    std::size_t done = 0;
    for (const auto& target : targets)
    {
        results.push_back(std::make_unique<ProxyResult>());
        runs.push_back(std::make_unique<portico::ExchangeRun>(portico::RunEnvironment{loop}, chain,
                                                              portico::test::makeExchange("GET", target),
                                                              results.back()->sink, [&done] { ++done; }));
    }
    for (auto& run : runs)
        run->start();
    if (during)
        loop.after(delay, [&] { during(runs); });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (done < runs.size())
    {
        if (std::chrono::steady_clock::now() > deadline)
            throw Poco::TimeoutException("the exchanges did not end within the test's timeout");
        loop.runOnce(std::chrono::milliseconds(5));
    }
    for (std::size_t i = 0; i < runs.size(); ++i)
    {
        results[i]->outcome = runs[i]->outcome();
        results[i]->exchange = runs[i]->releaseExchange();
    }
    return results;
}

std::vector<std::string> ids(const ProxyResult& result)
{
    const auto body = parseObject(result.body());
    std::vector<std::string> found;
    const auto data = body->getArray("data");
    for (unsigned i = 0; i < data->size(); ++i)
        found.push_back(data->getObject(i)->getValue<std::string>("id"));
    return found;
}

} // namespace

class ModelListTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ModelListTest);
    CPPUNIT_TEST(testWildcardUpstreamListed);
    CPPUNIT_TEST(testListCached);
    CPPUNIT_TEST(testFailureFallsBackToConfiguredNames);
    CPPUNIT_TEST(testSilentUpstreamFallsBackWithinTheBound);
    CPPUNIT_TEST(testConcurrentListingsShareOneFetch);
    CPPUNIT_TEST(testWaitersGoOnWhenTheFirstClientLeaves);
    CPPUNIT_TEST(testRetrieveWildcardModel);
    CPPUNIT_TEST_SUITE_END();

public:
    void testWildcardUpstreamListed()
    {
        FakeUpstream upstream([](const SeenRequest& request, Poco::Net::HTTPServerResponse& response) {
            if (request.method == "GET" && request.uri == "/v1/models" &&
                request.headers.get("Authorization", "") == "Bearer sk-k" &&
                request.headers.get("Accept", "") == "application/json")
                FakeUpstream::sendJson(response, 200,
                                       R"({"object":"list","data":[{"id":"a","object":"model"},{"id":"b"}]})");
            else
                FakeUpstream::sendJson(response, 401, R"({"error":{}})");
        });
        portico::test::TempDir dir;
        OpenAiHarness harness(upstreamSection(
            upstream.url(), {{"upstream.api_key_file", dir.write("k", "sk-k\n")}, {"local.enabled", "false"}}));
        auto result = runRequest(harness, "GET", "/v1/models", "");
        CPPUNIT_ASSERT_EQUAL(200, result->status());
        CPPUNIT_ASSERT((ids(*result) == std::vector<std::string>{"a", "b"}));
        const auto model = parseObject(result->body())->getArray("data")->getObject(0);
        CPPUNIT_ASSERT_EQUAL(std::string("default"), model->getValue<std::string>("owned_by"));
        CPPUNIT_ASSERT_EQUAL(1.0, harness.metric("portico_upstream_request_duration_seconds",
                                                 {{"upstream", "default"}, {"status", "200"}}));
    }

    void testListCached()
    {
        std::atomic<int> lists{0};
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            ++lists;
            FakeUpstream::sendJson(response, 200, R"({"object":"list","data":[{"id":"a"}]})");
        });
        OpenAiHarness harness(upstreamSection(upstream.url()));
        for (int i = 0; i < 3; ++i)
        {
            auto result = runRequest(harness, "GET", "/v1/models", "");
            // "*" takes every name, the local ones too: only what the upstream lists.
            CPPUNIT_ASSERT((ids(*result) == std::vector<std::string>{"a"}));
        }
        CPPUNIT_ASSERT_EQUAL(1, lists.load());
        // The cached list answers /v1/models/{id} too.
        CPPUNIT_ASSERT_EQUAL(200, runRequest(harness, "GET", "/v1/models/a", "")->status());
        CPPUNIT_ASSERT_EQUAL(1, lists.load());
    }

    void testFailureFallsBackToConfiguredNames()
    {
        std::atomic<int> lists{0};
        FakeUpstream upstream([&](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            ++lists;
            FakeUpstream::sendJson(response, 401, R"({"error":{"message":"bad key"}})");
        });
        OpenAiHarness harness(upstreamSection(upstream.url(), {{"upstream.models", "configured, *"},
                                                               {"local.enabled", "false"}}));
        CapturedWarnings log;
        auto result = runRequest(harness, "GET", "/v1/models", "");
        CPPUNIT_ASSERT_EQUAL(200, result->status());
        CPPUNIT_ASSERT((ids(*result) == std::vector<std::string>{"configured"}));
        const auto warnings = log.warnings();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), warnings.size());
        CPPUNIT_ASSERT_MESSAGE(warnings[0], contains(warnings[0], "listing the models of upstream 'default' failed"));
        CPPUNIT_ASSERT_MESSAGE(warnings[0], contains(warnings[0], "answered 401"));
        // The fallback is cached too (for a shorter while than a real list): an upstream that
        // fails is not asked again on every request.
        result = runRequest(harness, "GET", "/v1/models", "");
        CPPUNIT_ASSERT((ids(*result) == std::vector<std::string>{"configured"}));
        CPPUNIT_ASSERT_EQUAL(1, lists.load());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), log.warnings().size());
    }

    void testSilentUpstreamFallsBackWithinTheBound()
    {
        // The upstream accepts the connection and reads the request, then says nothing. The
        // read timeout is ten minutes (the default, made for generations); models_timeout_ms
        // bounds the listing.
        ScriptedServer server([](Poco::Net::StreamSocket& socket, int) {
            if (ScriptedServer::readRequest(socket).empty())
                return;
            // Until the proxy hangs up (or 5 s).
            socket.poll(Poco::Timespan(5, 0), Poco::Net::Socket::SELECT_READ);
        });
        OpenAiHarness harness(upstreamSection("http://127.0.0.1:" + std::to_string(server.port()) + "/v1",
                                              {{"upstream.models", "configured, *"},
                                               {"upstream.read_timeout_ms", "600000"},
                                               {"upstream.models_timeout_ms", "300"},
                                               {"local.enabled", "false"}}));
        CapturedWarnings log;
        const auto start = std::chrono::steady_clock::now();
        auto results = getTogether(harness, {"/v1/models", "/v1/models"});
        const double elapsed = msSince(start);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(elapsed) + " ms", elapsed >= 290 && elapsed < 1500);
        for (const auto& result : results)
        {
            CPPUNIT_ASSERT_EQUAL(200, result->status());
            CPPUNIT_ASSERT((ids(*result) == std::vector<std::string>{"configured"}));
        }
        CPPUNIT_ASSERT_EQUAL(1, server.accepted()); // one listing for both
        const auto warnings = log.warnings();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), warnings.size());
        CPPUNIT_ASSERT_MESSAGE(warnings[0], contains(warnings[0], "did not answer within 300 ms") &&
                                                contains(warnings[0], "upstream.models_timeout_ms"));
        CPPUNIT_ASSERT_EQUAL(1.0, harness.metric("portico_upstream_request_duration_seconds",
                                                 {{"upstream", "default"}, {"status", "timeout"}}));
        // The fallback is cached: the next listing does not wait again.
        const auto again = std::chrono::steady_clock::now();
        auto result = runRequest(harness, "GET", "/v1/models", "");
        CPPUNIT_ASSERT((ids(*result) == std::vector<std::string>{"configured"}));
        CPPUNIT_ASSERT(msSince(again) < 100);
        CPPUNIT_ASSERT_EQUAL(1, server.accepted());
    }

    void testConcurrentListingsShareOneFetch()
    {
        FakeUpstream upstream([](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            FakeUpstream::sendJson(response, 200, R"({"object":"list","data":[{"id":"a"},{"id":"b"}]})");
        });
        OpenAiHarness harness(upstreamSection(upstream.url()));
        auto results = getTogether(harness, {"/v1/models", "/v1/models/b", "/v1/models", "/v1/models/c"});
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), upstream.requests().size());
        CPPUNIT_ASSERT((ids(*results[0]) == std::vector<std::string>{"a", "b"}));
        CPPUNIT_ASSERT_EQUAL(200, results[1]->status());
        CPPUNIT_ASSERT_EQUAL(std::string("b"), stringAt(parseObject(results[1]->body()), "id"));
        CPPUNIT_ASSERT((ids(*results[2]) == std::vector<std::string>{"a", "b"}));
        CPPUNIT_ASSERT_EQUAL(404, results[3]->status());
        for (const auto& result : results)
            CPPUNIT_ASSERT(result->outcome == portico::Outcome::Completed);
    }

    void testWaitersGoOnWhenTheFirstClientLeaves()
    {
        // The first request's exchange carries the fetch; its client leaves before the list
        // came: that fetch is abandoned, and the requests that waited for it fetch again.
        FakeUpstream upstream([](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            FakeUpstream::sendJson(response, 200, R"({"object":"list","data":[{"id":"a"}]})");
        });
        OpenAiHarness harness(upstreamSection(upstream.url()));
        auto results = getTogether(
            harness, {"/v1/models", "/v1/models", "/v1/models"},
            [](std::vector<std::unique_ptr<portico::ExchangeRun>>& runs) { runs[0]->clientGone(); },
            std::chrono::milliseconds(100));
        CPPUNIT_ASSERT(results[0]->outcome == portico::Outcome::ClientGone);
        for (std::size_t i = 1; i < results.size(); ++i)
        {
            CPPUNIT_ASSERT(results[i]->outcome == portico::Outcome::Completed);
            CPPUNIT_ASSERT((ids(*results[i]) == std::vector<std::string>{"a"}));
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), upstream.requests().size());
        // The abandoned call's connection was closed, not pooled; the second one's was kept.
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), upstream.connections());
    }

    void testRetrieveWildcardModel()
    {
        FakeUpstream upstream([](const SeenRequest&, Poco::Net::HTTPServerResponse& response) {
            FakeUpstream::sendJson(response, 200, R"({"object":"list","data":[{"id":"org/model-x"}]})");
        });
        OpenAiHarness harness(upstreamSection(upstream.url()));
        auto result = runRequest(harness, "GET", "/v1/models/org/model-x", "");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(result->body(), 200, result->status());
        CPPUNIT_ASSERT_EQUAL(std::string("org/model-x"), stringAt(parseObject(result->body()), "id"));
        auto missing = runRequest(harness, "GET", "/v1/models/not-listed", "");
        CPPUNIT_ASSERT_EQUAL(404, missing->status());
        CPPUNIT_ASSERT(contains(missing->body(), "model_not_found"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ModelListTest);
