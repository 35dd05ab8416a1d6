// GET /v1/models and /v1/models/{id} with a "*" upstream: its list is fetched on the event loop
// (GET <url>/models with its key), cached for a few seconds (answered at once, without asking
// again), and an upstream that cannot be listed falls back to its configured names with a
// warning (and is asked again next time).

#include "FakeUpstream.h"
#include "ProxyTestSupport.h"
#include "TempDir.h"
#include <cppunit/extensions/HelperMacros.h>
#include <atomic>

using namespace portico::openai;
using namespace portico::openai::test;

namespace {

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
        // Not cached: asked again.
        runRequest(harness, "GET", "/v1/models", "");
        CPPUNIT_ASSERT_EQUAL(2, lists.load());
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
