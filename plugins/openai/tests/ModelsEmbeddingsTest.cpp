// GET /v1/models, GET /v1/models/{id} and POST /v1/embeddings through the plugin in a real
// in-memory chain: shapes, encodings, batches, every validation error, usage and metrics.

#include "EmbeddingEncoding.h"
#include "OpenAiHarness.h"
#include "portico/Attributes.h"
#include "TestAsserts.h"
#include "Poco/JSON/Array.h"
#include <cmath>
#include <cppunit/extensions/HelperMacros.h>

using namespace portico::openai::test;
using portico::openai::embeddingFromBase64;

namespace {

std::vector<float> floats(const Poco::Dynamic::Var& array)
{
    std::vector<float> out;
    const auto values = array.extract<Poco::JSON::Array::Ptr>();
    for (std::size_t i = 0; i < values->size(); ++i)
        out.push_back(values->get(static_cast<unsigned>(i)).convert<float>());
    return out;
}

std::string embed(const std::string& fields)
{
    return R"({"model":"portico-embed",)" + fields + "}";
}

} // namespace

class ModelsEmbeddingsTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ModelsEmbeddingsTest);
    CPPUNIT_TEST(testModelList);
    CPPUNIT_TEST(testModelRetrieve);
    CPPUNIT_TEST(testUnknownModelIs404);
    CPPUNIT_TEST(testAKeysAllowedModelsOnly);
    CPPUNIT_TEST(testLocalDisabledServesNothing);
    CPPUNIT_TEST(testEmbeddingShape);
    CPPUNIT_TEST(testBase64AndFloatAgree);
    CPPUNIT_TEST(testBatchInOrder);
    CPPUNIT_TEST(testTokenInputs);
    CPPUNIT_TEST(testDimensions);
    CPPUNIT_TEST(testValidationErrors);
    CPPUNIT_TEST(testWrongModelForEndpoint);
    CPPUNIT_TEST(testUsageAttributesAndMetric);
    CPPUNIT_TEST_SUITE_END();

public:
    void testModelList()
    {
        OpenAiHarness harness;
        const auto result = harness.get("/v1/models");
        CPPUNIT_ASSERT_EQUAL(200, result->head().status);
        const auto body = parseObject(result->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::string("list"), stringAt(body, "object"));
        CPPUNIT_ASSERT_EQUAL(std::string("portico-echo"), stringAt(body, "data[0].id"));
        CPPUNIT_ASSERT_EQUAL(std::string("model"), stringAt(body, "data[0].object"));
        CPPUNIT_ASSERT_EQUAL(std::string("portico"), stringAt(body, "data[0].owned_by"));
        CPPUNIT_ASSERT(intAt(body, "data[0].created") > 1700000000);
        CPPUNIT_ASSERT_EQUAL(std::string("portico-embed"), stringAt(body, "data[1].id"));
        CPPUNIT_ASSERT(at(body, "data[2]").isEmpty());
    }

    void testModelRetrieve()
    {
        OpenAiHarness harness;
        const auto result = harness.get("/v1/models/portico-embed");
        CPPUNIT_ASSERT_EQUAL(200, result->head().status);
        const auto body = parseObject(result->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::string("portico-embed"), stringAt(body, "id"));
        CPPUNIT_ASSERT_EQUAL(std::string("model"), stringAt(body, "object"));
        // Percent-encoded ids are decoded.
        CPPUNIT_ASSERT_EQUAL(200, harness.get("/v1/models/portico%2Decho")->head().status);
    }

    void testUnknownModelIs404()
    {
        OpenAiHarness harness;
        for (const char* target : {"/v1/models/gpt-4o", "/v1/models/meta-llama/Llama-3"})
        {
            const auto error = errorOf(*harness.get(target), 404);
            CPPUNIT_ASSERT_EQUAL(std::string("model_not_found"), error->getValue<std::string>("code"));
            CPPUNIT_ASSERT_EQUAL(std::string("model"), error->getValue<std::string>("param"));
        }
        const auto error = errorOf(*harness.post("/v1/embeddings", R"({"model":"nope","input":"x"})"), 404);
        CPPUNIT_ASSERT_EQUAL(std::string("model_not_found"), error->getValue<std::string>("code"));
        PORTICO_ASSERT_CONTAINS(error->getValue<std::string>("message"), "'nope'");
    }

    void testAKeysAllowedModelsOnly()
    {
        // What auth sets for a virtual key limited to some models: the list shows only those,
        // and another model is not found.
        OpenAiHarness harness;
        const auto limited = [&](const std::string& target, const std::string& allowed) {
            auto result = std::make_unique<Result>();
            result->exchange = portico::test::makeExchange("GET", target);
            result->exchange->set(portico::attr::AllowedModels, allowed);
            harness.run(*result);
            return result;
        };
        auto body = parseObject(limited("/v1/models", "portico-echo")->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::string("portico-echo"), stringAt(body, "data[0].id"));
        CPPUNIT_ASSERT(at(body, "data[1]").isEmpty());
        body = parseObject(limited("/v1/models", "gpt-4o*\nportico-e?bed")->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::string("portico-embed"), stringAt(body, "data[0].id"));
        CPPUNIT_ASSERT(at(body, "data[1]").isEmpty());
        body = parseObject(limited("/v1/models", "gpt-4o")->sink.body);
        CPPUNIT_ASSERT(at(body, "data[0]").isEmpty());
        CPPUNIT_ASSERT_EQUAL(200, limited("/v1/models/portico-echo", "portico-*")->head().status);
        const auto error = errorOf(*limited("/v1/models/portico-embed", "portico-echo"), 404);
        CPPUNIT_ASSERT_EQUAL(std::string("model_not_found"), error->getValue<std::string>("code"));
        // Without the attribute: every model, as before.
        CPPUNIT_ASSERT_EQUAL(std::string("portico-embed"), stringAt(parseObject(harness.get("/v1/models")->sink.body), "data[1].id"));
    }

    void testLocalDisabledServesNothing()
    {
        OpenAiHarness harness("local.enabled = false\n");
        const auto body = parseObject(harness.get("/v1/models")->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), body->getArray("data")->size());
        errorOf(*harness.get("/v1/models/portico-echo"), 404);
        errorOf(*harness.post("/v1/embeddings", embed(R"("input":"x")")), 404);
    }

    void testEmbeddingShape()
    {
        OpenAiHarness harness;
        const auto result = harness.post("/v1/embeddings", embed(R"("input":"hello world")"));
        CPPUNIT_ASSERT_EQUAL(200, result->head().status);
        const auto body = parseObject(result->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::string("list"), stringAt(body, "object"));
        CPPUNIT_ASSERT_EQUAL(std::string("portico-embed"), stringAt(body, "model"));
        CPPUNIT_ASSERT_EQUAL(std::string("embedding"), stringAt(body, "data[0].object"));
        CPPUNIT_ASSERT_EQUAL(0LL, intAt(body, "data[0].index"));
        const auto vector = floats(at(body, "data[0].embedding"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(256), vector.size());
        double squares = 0;
        for (float x : vector)
            squares += static_cast<double>(x) * x;
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1.0, std::sqrt(squares), 1e-5);
        CPPUNIT_ASSERT_EQUAL(2LL, intAt(body, "usage.prompt_tokens"));
        CPPUNIT_ASSERT_EQUAL(2LL, intAt(body, "usage.total_tokens"));
    }

    void testBase64AndFloatAgree()
    {
        OpenAiHarness harness;
        const auto asFloat = parseObject(harness.post("/v1/embeddings", embed(R"("input":"same vector","encoding_format":"float")"))->sink.body);
        const auto asBase64 = parseObject(harness.post("/v1/embeddings", embed(R"("input":"same vector","encoding_format":"base64")"))->sink.body);
        CPPUNIT_ASSERT(embeddingFromBase64(stringAt(asBase64, "data[0].embedding")) ==
                       floats(at(asFloat, "data[0].embedding")));
    }

    void testBatchInOrder()
    {
        OpenAiHarness harness;
        const auto batch = parseObject(harness.post("/v1/embeddings", embed(R"("input":["first text","second text","third"])"))->sink.body);
        for (int i = 0; i < 3; ++i)
            CPPUNIT_ASSERT_EQUAL(static_cast<long long>(i), intAt(batch, "data[" + std::to_string(i) + "].index"));
        const auto single = parseObject(harness.post("/v1/embeddings", embed(R"("input":"second text")"))->sink.body);
        CPPUNIT_ASSERT(floats(at(batch, "data[1].embedding")) == floats(at(single, "data[0].embedding")));
        CPPUNIT_ASSERT_EQUAL(5LL, intAt(batch, "usage.prompt_tokens"));
    }

    void testTokenInputs()
    {
        OpenAiHarness harness;
        auto body = parseObject(harness.post("/v1/embeddings", embed(R"("input":[1,2,3])"))->sink.body);
        CPPUNIT_ASSERT(at(body, "data[1]").isEmpty());
        CPPUNIT_ASSERT_EQUAL(3LL, intAt(body, "usage.prompt_tokens"));
        body = parseObject(harness.post("/v1/embeddings", embed(R"("input":[[1,2],[3,4,5]])"))->sink.body);
        CPPUNIT_ASSERT_EQUAL(1LL, intAt(body, "data[1].index"));
        CPPUNIT_ASSERT_EQUAL(5LL, intAt(body, "usage.prompt_tokens"));
    }

    void testDimensions()
    {
        OpenAiHarness harness("local.embed.max_dimensions = 1024\n");
        const auto body = parseObject(harness.post("/v1/embeddings", embed(R"("input":"x","dimensions":1024)"))->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1024), floats(at(body, "data[0].embedding")).size());
        const auto error = errorOf(*harness.post("/v1/embeddings", embed(R"("input":"x","dimensions":1025)")), 400);
        CPPUNIT_ASSERT_EQUAL(std::string("dimensions"), error->getValue<std::string>("param"));
    }

    void testValidationErrors()
    {
        OpenAiHarness harness("local.embed.max_inputs = 3\nlocal.embed.max_input_tokens = 4\n");
        const std::vector<std::pair<std::string, std::string>> cases = {
            {R"({"model":"portico-embed","input":"x")", ""},
            {R"({"input":"x"})", "model"},
            {embed(R"("input":"")"), "input"},
            {embed(R"("input":[])"), "input"},
            {embed(R"("input":["a","b","c","d"])"), "input"},
            {embed(R"("input":{"text":"x"})"), "input"},
            {embed(R"("input":["a",2])"), "input[1]"},
            {embed(R"("input":["a",""])"), "input[1]"},
            {embed(R"("input":[[1],[2,-1]])"), "input[1][1]"},
            {embed(R"("input":"one two three four five")"), "input"},
            {embed(R"("input":"x","dimensions":0)"), "dimensions"},
            {embed(R"("input":"x","dimensions":-3)"), "dimensions"},
            {embed(R"("input":"x","dimensions":"8")"), "dimensions"},
            {embed(R"("input":"x","encoding_format":"int8")"), "encoding_format"},
            {embed(R"("input":"x","extra":true)"), "extra"},
        };
        for (const auto& [body, param] : cases)
        {
            const auto result = harness.post("/v1/embeddings", body);
            const auto error = errorOf(*result, 400);
            const auto got = error->isNull("param") ? std::string() : error->getValue<std::string>("param");
            CPPUNIT_ASSERT_EQUAL_MESSAGE(body, param, got);
            CPPUNIT_ASSERT_EQUAL(std::string("invalid_request_error"), error->getValue<std::string>("type"));
        }
    }

    void testWrongModelForEndpoint()
    {
        OpenAiHarness harness;
        const auto error = errorOf(*harness.post("/v1/embeddings", R"({"model":"portico-echo","input":"x"})"), 400);
        CPPUNIT_ASSERT_EQUAL(std::string("model"), error->getValue<std::string>("param"));
        PORTICO_ASSERT_CONTAINS(error->getValue<std::string>("message"), "portico-embed");
    }

    void testUsageAttributesAndMetric()
    {
        OpenAiHarness harness;
        const auto result = harness.post("/v1/embeddings", embed(R"("input":["one two","three"])"));
        CPPUNIT_ASSERT_EQUAL(std::string("portico-embed"), result->exchange->get(portico::attr::Model));
        CPPUNIT_ASSERT_EQUAL(std::string("3"), result->exchange->get(portico::attr::UsageInputTokens));
        CPPUNIT_ASSERT_EQUAL(std::string("0"), result->exchange->get(portico::attr::UsageOutputTokens));
        // Said, so that no plugin reads the vectors back for them: the model, no finish reasons, no
        // output limit.
        CPPUNIT_ASSERT_EQUAL(std::string("portico-embed"), result->exchange->get(portico::attr::ResponseModel));
        const std::string* reasons = result->exchange->find(portico::attr::ResponseFinishReasons);
        CPPUNIT_ASSERT(reasons && reasons->empty());
        const std::string* limit = result->exchange->find(portico::attr::RequestMaxTokens);
        CPPUNIT_ASSERT(limit && limit->empty()); // embeddings have no output limit
        CPPUNIT_ASSERT_EQUAL(3.0, harness.metric("portico_tokens_total", {{"model", "portico-embed"}, {"kind", "input"}}));
        harness.post("/v1/embeddings", embed(R"("input":"four")"));
        CPPUNIT_ASSERT_EQUAL(4.0, harness.metric("portico_tokens_total", {{"model", "portico-embed"}, {"kind", "input"}}));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ModelsEmbeddingsTest);
