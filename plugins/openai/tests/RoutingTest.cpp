// Where a request goes when upstreams are configured (through UpstreamRouting and the real
// proxy, with an upstream address nothing listens on): listed models go upstream and shadow a
// local model of the same name, the rest stay local, /v1/models shows both sides, and an
// unreachable upstream is a 502 in OpenAI's shape.

#include "OpenAiHarness.h"
#include "portico/Attributes.h"
#include "PorticodProcess.h"
#include "TestAsserts.h"
#include <cppunit/extensions/HelperMacros.h>

using namespace portico::openai::test;

namespace {

/// An [openai] section with one upstream on a port that refuses connections.
std::string upstreamSection(const std::string& models)
{
    // freePort() closes its socket: nothing listens there afterwards.
    return "upstream.url = http://127.0.0.1:" + std::to_string(portico::test::freePort()) +
           "/v1\nupstream.models = " + models + "\nupstream.retries = 0\nupstream.connect_timeout_ms = 2000\n";
}

std::vector<std::string> listedIds(OpenAiHarness& harness)
{
    const auto body = parseObject(harness.get("/v1/models")->sink.body);
    std::vector<std::string> ids;
    const auto data = body->getArray("data");
    for (unsigned i = 0; i < data->size(); ++i)
        ids.push_back(data->getObject(i)->getValue<std::string>("id"));
    return ids;
}

} // namespace

class RoutingTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(RoutingTest);
    CPPUNIT_TEST(testListedModelGoesUpstream);
    CPPUNIT_TEST(testOtherModelsStayLocal);
    CPPUNIT_TEST(testModelsListShowsBothSides);
    CPPUNIT_TEST(testUpstreamShadowsALocalModel);
    CPPUNIT_TEST(testStreamingRequestToUnreachableUpstream);
    CPPUNIT_TEST(testMalformedBodyNeverLeaves);
    CPPUNIT_TEST_SUITE_END();

public:
    void testListedModelGoesUpstream()
    {
        OpenAiHarness harness(upstreamSection("gpt-4o, text-embedding-3-small"));
        const auto result = harness.post("/v1/chat/completions", R"({"model":"gpt-4o","messages":[{"role":"user","content":"x"}]})");
        const auto error = errorOf(*result, 502);
        CPPUNIT_ASSERT_EQUAL(std::string("server_error"), error->getValue<std::string>("type"));
        CPPUNIT_ASSERT_EQUAL(std::string("gpt-4o"), result->exchange->get(portico::attr::Model));
        errorOf(*harness.post("/v1/embeddings", R"({"model":"text-embedding-3-small","input":"x"})"), 502);
    }

    void testOtherModelsStayLocal()
    {
        OpenAiHarness harness(upstreamSection("gpt-4o"));
        CPPUNIT_ASSERT_EQUAL(200, harness.post("/v1/responses", R"({"model":"portico-echo","input":"local"})")->head().status);
        errorOf(*harness.post("/v1/responses", R"({"model":"gpt-3.5","input":"x"})"), 404);
    }

    void testModelsListShowsBothSides()
    {
        OpenAiHarness harness(upstreamSection("gpt-4o"));
        const std::vector<std::string> expected{"portico-echo", "portico-embed", "gpt-4o"};
        CPPUNIT_ASSERT(expected == listedIds(harness));
        const auto model = parseObject(harness.get("/v1/models/gpt-4o")->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::string("default"), stringAt(model, "owned_by"));
        errorOf(*harness.get("/v1/models/gpt-3.5"), 404);
    }

    void testUpstreamShadowsALocalModel()
    {
        OpenAiHarness harness(upstreamSection("portico-echo"));
        errorOf(*harness.post("/v1/responses", R"({"model":"portico-echo","input":"x"})"), 502);
        const auto model = parseObject(harness.get("/v1/models/portico-echo")->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::string("default"), stringAt(model, "owned_by"));
        const std::vector<std::string> expected{"portico-embed", "portico-echo"};
        CPPUNIT_ASSERT(expected == listedIds(harness));
    }

    void testStreamingRequestToUnreachableUpstream()
    {
        OpenAiHarness harness(upstreamSection("*"));
        const auto result = harness.post("/v1/responses", R"({"model":"anything","input":"x","stream":true})");
        errorOf(*result, 502); // nothing was streamed yet: a plain JSON error
        // A "*" upstream that cannot be listed leaves /v1/models empty rather than failing.
        CPPUNIT_ASSERT(listedIds(harness).empty());
    }

    void testMalformedBodyNeverLeaves()
    {
        OpenAiHarness harness(upstreamSection("*"));
        const auto error = errorOf(*harness.post("/v1/chat/completions", "{\"model\":"), 400);
        CPPUNIT_ASSERT_EQUAL(std::string("invalid_json"), error->getValue<std::string>("code"));
        CPPUNIT_ASSERT_EQUAL(std::string("model"), errorOf(*harness.post("/v1/chat/completions", "{}"), 400)->getValue<std::string>("param"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RoutingTest);
