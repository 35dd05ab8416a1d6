// POST /v1/responses through the plugin in a real in-memory chain: the Response object's shape
// (the fields openai-node's Response type requires), conversation input, max_output_tokens,
// the stream's events and numbering, its agreement with the non-streamed answer, validation,
// usage and metrics.

#include "OpenAiHarness.h"
#include "portico/Attributes.h"
#include "TestAsserts.h"
#include <cppunit/extensions/HelperMacros.h>

using namespace portico::openai::test;

namespace {

std::string request(const std::string& fields)
{
    return R"({"model":"portico-echo",)" + fields + "}";
}

/// The fields openai-node's `Response` interface declares without '?' (output_text is the SDK's
/// own), plus the ones Portico always sends.
const char* requiredFields[] = {"id", "object", "created_at", "status", "error", "incomplete_details",
                                "instructions", "metadata", "model", "output", "parallel_tool_calls",
                                "temperature", "tool_choice", "tools", "top_p", "usage", "text",
                                "truncation", "max_output_tokens", "reasoning", "service_tier"};

/// A Response with the fields that differ per call (ids, times) blanked.
std::string comparable(Poco::JSON::Object::Ptr response)
{
    response->set("id", "");
    response->set("created_at", 0);
    response->set("completed_at", 0);
    const auto output = response->getArray("output");
    for (unsigned i = 0; i < output->size(); ++i)
        output->getObject(i)->set("id", "");
    std::ostringstream out;
    response->stringify(out);
    return out.str();
}

} // namespace

class ResponsesHandlerTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ResponsesHandlerTest);
    CPPUNIT_TEST(testResponseShape);
    CPPUNIT_TEST(testMessageListInput);
    CPPUNIT_TEST(testInstructionsAndMetadataEchoed);
    CPPUNIT_TEST(testMaxOutputTokensMakesItIncomplete);
    CPPUNIT_TEST(testStreamEvents);
    CPPUNIT_TEST(testStreamEqualsNonStreamed);
    CPPUNIT_TEST(testIncompleteStreamEndsWithResponseIncomplete);
    CPPUNIT_TEST(testValidationErrors);
    CPPUNIT_TEST(testUsageAttributesAndMetrics);
    CPPUNIT_TEST_SUITE_END();

public:
    void testResponseShape()
    {
        OpenAiHarness harness;
        const auto result = harness.post("/v1/responses", request(R"("input":"Hello there, friend")"));
        CPPUNIT_ASSERT_EQUAL(200, result->head().status);
        const auto body = parseObject(result->sink.body);
        for (const char* field : requiredFields)
            CPPUNIT_ASSERT_MESSAGE(std::string("missing ") + field, body->has(field));
        PORTICO_ASSERT_CONTAINS(stringAt(body, "id").substr(0, 5), "resp_");
        CPPUNIT_ASSERT_EQUAL(std::size_t(53), stringAt(body, "id").size());
        CPPUNIT_ASSERT_EQUAL(std::string("response"), stringAt(body, "object"));
        CPPUNIT_ASSERT_EQUAL(std::string("completed"), stringAt(body, "status"));
        CPPUNIT_ASSERT_EQUAL(std::string("portico-echo"), stringAt(body, "model"));
        CPPUNIT_ASSERT(body->isNull("error") && body->isNull("incomplete_details"));
        CPPUNIT_ASSERT_EQUAL(std::string("message"), stringAt(body, "output[0].type"));
        PORTICO_ASSERT_CONTAINS(stringAt(body, "output[0].id").substr(0, 4), "msg_");
        CPPUNIT_ASSERT_EQUAL(std::string("assistant"), stringAt(body, "output[0].role"));
        CPPUNIT_ASSERT_EQUAL(std::string("completed"), stringAt(body, "output[0].status"));
        CPPUNIT_ASSERT_EQUAL(std::string("output_text"), stringAt(body, "output[0].content[0].type"));
        CPPUNIT_ASSERT_EQUAL(std::string("Hello there, friend"), stringAt(body, "output[0].content[0].text"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), body->getArray("output")->getObject(0)->getArray("content")->getObject(0)->getArray("annotations")->size());
        CPPUNIT_ASSERT_EQUAL(4LL, intAt(body, "usage.input_tokens"));
        CPPUNIT_ASSERT_EQUAL(4LL, intAt(body, "usage.output_tokens"));
        CPPUNIT_ASSERT_EQUAL(8LL, intAt(body, "usage.total_tokens"));
        CPPUNIT_ASSERT_EQUAL(0LL, intAt(body, "usage.input_tokens_details.cached_tokens"));
        CPPUNIT_ASSERT_EQUAL(0LL, intAt(body, "usage.output_tokens_details.reasoning_tokens"));
    }

    void testMessageListInput()
    {
        OpenAiHarness harness;
        const auto body = parseObject(harness.post("/v1/responses", request(R"("input":[
            {"role":"developer","content":"Be nice"},
            {"role":"user","content":"first"},
            {"type":"message","role":"assistant","content":[{"type":"output_text","text":"reply","annotations":[]}]},
            {"role":"user","content":[{"type":"input_text","text":"last"},{"type":"input_text","text":"words"}]}])"))
                                          ->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::string("last\nwords"), stringAt(body, "output[0].content[0].text"));
        CPPUNIT_ASSERT_EQUAL(6LL, intAt(body, "usage.input_tokens"));
    }

    void testInstructionsAndMetadataEchoed()
    {
        OpenAiHarness harness;
        const auto body = parseObject(harness.post("/v1/responses", request(R"("input":"x","instructions":"Be terse",
            "metadata":{"team":"search"},"temperature":0.5,"top_p":0.9,"user":"u-1","tools":[])"))->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::string("Be terse"), stringAt(body, "instructions"));
        CPPUNIT_ASSERT_EQUAL(std::string("search"), stringAt(body, "metadata.team"));
        CPPUNIT_ASSERT_EQUAL(0.5, at(body, "temperature").convert<double>());
        CPPUNIT_ASSERT_EQUAL(0.9, at(body, "top_p").convert<double>());
        CPPUNIT_ASSERT_EQUAL(std::string("u-1"), stringAt(body, "user"));
        CPPUNIT_ASSERT_EQUAL(3LL, intAt(body, "usage.input_tokens"));
    }

    void testMaxOutputTokensMakesItIncomplete()
    {
        OpenAiHarness harness;
        const auto body = parseObject(harness.post("/v1/responses", request(R"("input":"one two three four","max_output_tokens":2)"))->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::string("incomplete"), stringAt(body, "status"));
        CPPUNIT_ASSERT_EQUAL(std::string("max_output_tokens"), stringAt(body, "incomplete_details.reason"));
        CPPUNIT_ASSERT_EQUAL(std::string("incomplete"), stringAt(body, "output[0].status"));
        CPPUNIT_ASSERT_EQUAL(std::string("one two"), stringAt(body, "output[0].content[0].text"));
        CPPUNIT_ASSERT_EQUAL(2LL, intAt(body, "usage.output_tokens"));
        CPPUNIT_ASSERT_EQUAL(2LL, intAt(body, "max_output_tokens"));
    }

    void testStreamEvents()
    {
        OpenAiHarness harness;
        const auto result = harness.post("/v1/responses", request(R"("input":"hi there you","stream":true)"));
        CPPUNIT_ASSERT_EQUAL(200, result->head().status);
        CPPUNIT_ASSERT_EQUAL(std::string("text/event-stream"), result->head().contentType);
        CPPUNIT_ASSERT(result->sink.streamEnded);
        const auto events = parseSse(result->sink.body);
        const std::vector<std::string> expected = {
            "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
            "response.output_text.delta", "response.output_text.delta", "response.output_text.delta",
            "response.output_text.done", "response.content_part.done", "response.output_item.done",
            "response.completed"};
        CPPUNIT_ASSERT_EQUAL(expected.size(), events.size());
        // One event per chunk: each is flushed on its own.
        CPPUNIT_ASSERT_EQUAL(expected.size(), result->sink.chunks.size());
        std::string text;
        for (std::size_t i = 0; i < events.size(); ++i)
        {
            CPPUNIT_ASSERT_EQUAL(expected[i], events[i].event);
            CPPUNIT_ASSERT_EQUAL(std::size_t(2), events[i].lines.size()); // event: + data:, no id:
            const auto data = parseObject(events[i].data);
            CPPUNIT_ASSERT_EQUAL(expected[i], stringAt(data, "type"));
            CPPUNIT_ASSERT_EQUAL(static_cast<long long>(i), intAt(data, "sequence_number"));
            if (expected[i] == "response.output_text.delta")
                text += stringAt(data, "delta");
        }
        CPPUNIT_ASSERT_EQUAL(std::string("hi there you"), text);
        PORTICO_ASSERT_NOT_CONTAINS(result->sink.body, "[DONE]");
        const auto created = parseObject(events[0].data);
        CPPUNIT_ASSERT_EQUAL(std::string("in_progress"), stringAt(created, "response.status"));
        CPPUNIT_ASSERT(at(created, "response.usage").isEmpty());
        const auto added = parseObject(events[2].data);
        CPPUNIT_ASSERT_EQUAL(std::string("in_progress"), stringAt(added, "item.status"));
        const auto done = parseObject(events[7].data);
        CPPUNIT_ASSERT_EQUAL(std::string("hi there you"), stringAt(done, "text"));
        CPPUNIT_ASSERT_EQUAL(stringAt(added, "item.id"), stringAt(done, "item_id"));
        const auto completed = parseObject(events.back().data);
        CPPUNIT_ASSERT_EQUAL(std::string("completed"), stringAt(completed, "response.status"));
        CPPUNIT_ASSERT_EQUAL(stringAt(created, "response.id"), stringAt(completed, "response.id"));
    }

    void testStreamEqualsNonStreamed()
    {
        OpenAiHarness harness;
        const std::string fields = R"("input":"compare both ways","instructions":"x","max_output_tokens":50)";
        const auto whole = parseObject(harness.post("/v1/responses", request(fields))->sink.body);
        const auto events = parseSse(harness.post("/v1/responses", request(fields + R"(,"stream":true)"))->sink.body);
        const auto final = parseObject(events.back().data)->getObject("response");
        CPPUNIT_ASSERT_EQUAL(comparable(whole), comparable(final));
    }

    void testIncompleteStreamEndsWithResponseIncomplete()
    {
        OpenAiHarness harness;
        const auto events = parseSse(harness.post("/v1/responses", request(R"("input":"a b c d e","max_output_tokens":3,"stream":true)"))->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::string("response.incomplete"), events.back().event);
        const auto last = parseObject(events.back().data);
        CPPUNIT_ASSERT_EQUAL(std::string("max_output_tokens"), stringAt(last, "response.incomplete_details.reason"));
        CPPUNIT_ASSERT_EQUAL(3LL, intAt(last, "response.usage.output_tokens"));
        std::size_t deltas = 0;
        for (const auto& event : events)
            deltas += event.event == "response.output_text.delta";
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), deltas);
    }

    void testValidationErrors()
    {
        OpenAiHarness harness("local.max_output_tokens = 1000\n");
        const std::vector<std::pair<std::string, std::string>> cases = {
            {"{not json", ""},
            {"[]", ""},
            {R"({"input":"x"})", "model"},
            {R"({"model":7,"input":"x"})", "model"},
            {request(R"("stream":true)"), "input"},
            {request(R"("input":"")"), "input"},
            {request(R"("input":[])"), "input"},
            {request(R"("input":42)"), "input"},
            {request(R"("input":[{"role":"robot","content":"x"}])"), "input[0].role"},
            {request(R"("input":[{"role":"user"}])"), "input[0].content"},
            {request(R"("input":[{"role":"user","content":[{"type":"input_image","image_url":"http://x"}]}])"),
             "input[0].content[0].type"},
            {request(R"("input":[{"type":"function_call_output","call_id":"c","output":"x"}])"), "input[0].type"},
            {request(R"("input":"x","max_output_tokens":0)"), "max_output_tokens"},
            {request(R"("input":"x","max_output_tokens":1001)"), "max_output_tokens"},
            {request(R"("input":"x","max_output_tokens":2.5)"), "max_output_tokens"},
            {request(R"("input":"x","temperature":3)"), "temperature"},
            {request(R"("input":"x","stream":"yes")"), "stream"},
            {request(R"("input":"x","stream_options":{"include_obfuscation":false})"), "stream_options"},
            {request(R"("input":"x","metadata":{"k":1})"), "metadata.k"},
            {request(R"("input":"x","previous_response_id":"resp_1")"), "previous_response_id"},
            {request(R"("input":"x","instructions":["x"])"), "instructions"},
            {request(R"("input":"x","max_tokens":5)"), "max_tokens"},
        };
        for (const auto& [body, param] : cases)
        {
            const auto error = errorOf(*harness.post("/v1/responses", body), 400);
            const auto got = error->isNull("param") ? std::string() : error->getValue<std::string>("param");
            CPPUNIT_ASSERT_EQUAL_MESSAGE(body, param, got);
        }
        const auto error = errorOf(*harness.post("/v1/responses", R"({"model":"gpt-5","input":"x","stream":true})"), 404);
        CPPUNIT_ASSERT_EQUAL(std::string("model_not_found"), error->getValue<std::string>("code"));
    }

    void testUsageAttributesAndMetrics()
    {
        OpenAiHarness harness;
        auto result = harness.post("/v1/responses", request(R"("input":"count these tokens")"));
        CPPUNIT_ASSERT_EQUAL(std::string("portico-echo"), result->exchange->get(portico::attr::Model));
        CPPUNIT_ASSERT_EQUAL(std::string("3"), result->exchange->get(portico::attr::UsageInputTokens));
        CPPUNIT_ASSERT_EQUAL(std::string("3"), result->exchange->get(portico::attr::UsageOutputTokens));
        CPPUNIT_ASSERT_EQUAL(std::string("portico-echo"), result->exchange->get(portico::attr::ResponseModel));
        const std::string* reasons = result->exchange->find(portico::attr::ResponseFinishReasons);
        CPPUNIT_ASSERT(reasons && reasons->empty()); // a Response has a status, not finish reasons
        const std::string* limit = result->exchange->find(portico::attr::RequestMaxTokens);
        CPPUNIT_ASSERT(limit && limit->empty()); // the request set none
        result = harness.post("/v1/responses", request(R"("input":"two more","stream":true,"max_output_tokens":9)"));
        CPPUNIT_ASSERT_EQUAL(std::string("9"), result->exchange->get(portico::attr::RequestMaxTokens));
        CPPUNIT_ASSERT_EQUAL(std::string("2"), result->exchange->get(portico::attr::UsageOutputTokens));
        CPPUNIT_ASSERT_EQUAL(5.0, harness.metric("portico_tokens_total", {{"model", "portico-echo"}, {"kind", "input"}}));
        CPPUNIT_ASSERT_EQUAL(5.0, harness.metric("portico_tokens_total", {{"model", "portico-echo"}, {"kind", "output"}}));
        CPPUNIT_ASSERT_EQUAL(1.0, harness.metric("portico_stream_time_to_first_token_seconds", {{"model", "portico-echo"}}));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ResponsesHandlerTest);
