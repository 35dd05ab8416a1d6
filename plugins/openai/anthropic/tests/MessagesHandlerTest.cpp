// POST /v1/messages and /v1/messages/count_tokens through the openai plugin in a real in-memory
// chain: the Message, stop reasons, tool use, the stream's events, token counts, Anthropic's
// validation errors and error shape, the model's place, the usage attributes.

#include "OpenAiHarness.h"
#include "ChainHarness.h"
#include "portico/Attributes.h"
#include "TestAsserts.h"
#include "Poco/JSON/Parser.h"
#include <cppunit/extensions/HelperMacros.h>

using namespace portico::openai::test;

namespace {

std::string messages(const std::string& fields, const std::string& model = "portico-echo")
{
    return R"({"model":")" + model +
           R"(","max_tokens":100,"system":"Be brief","messages":[{"role":"user","content":"Hello big world"}])" +
           (fields.empty() ? std::string() : "," + fields) + "}";
}

const std::string WeatherTool =
    R"("tools":[{"name":"get_weather","description":"The weather","input_schema":{"type":"object",
        "properties":{"city":{"type":"string"},"days":{"type":"integer"},"unit":{"type":"string","enum":["c","f"]},
        "note":{"type":"string"}},"required":["city","days","unit"]}}])";

/// The Anthropic error of an answer: its type and message (fails unless the shape is Anthropic's).
std::pair<std::string, std::string> anthropicError(const Result& result, int status)
{
    CPPUNIT_ASSERT_EQUAL(status, result.head().status);
    const auto body = parseObject(result.sink.body);
    CPPUNIT_ASSERT_EQUAL(std::string("error"), stringAt(body, "type"));
    CPPUNIT_ASSERT(!body->getObject("error")->has("code"));
    return {stringAt(body, "error.type"), stringAt(body, "error.message")};
}

} // namespace

class MessagesHandlerTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(MessagesHandlerTest);
    CPPUNIT_TEST(testMessageShape);
    CPPUNIT_TEST(testBlocksTurnsAndTokens);
    CPPUNIT_TEST(testStopSequenceAndMaxTokens);
    CPPUNIT_TEST(testToolUse);
    CPPUNIT_TEST(testStreamEvents);
    CPPUNIT_TEST(testStreamToolUse);
    CPPUNIT_TEST(testClientGoneStopsTheStream);
    CPPUNIT_TEST(testErrorEventAfterTheStart);
    CPPUNIT_TEST(testCountTokens);
    CPPUNIT_TEST(testValidationErrors);
    CPPUNIT_TEST(testModelPlaces);
    CPPUNIT_TEST(testCoreErrorsTakeAnthropicsShape);
    CPPUNIT_TEST(testUsageAttributesAndMetrics);
    CPPUNIT_TEST_SUITE_END();

public:
    void testMessageShape()
    {
        OpenAiHarness harness;
        const auto result = harness.post("/v1/messages", messages(""));
        CPPUNIT_ASSERT_EQUAL(200, result->head().status);
        const auto body = parseObject(result->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::string("msg_"), stringAt(body, "id").substr(0, 4));
        CPPUNIT_ASSERT_EQUAL(std::string("message"), stringAt(body, "type"));
        CPPUNIT_ASSERT_EQUAL(std::string("assistant"), stringAt(body, "role"));
        CPPUNIT_ASSERT_EQUAL(std::string("portico-echo"), stringAt(body, "model"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), body->getArray("content")->size());
        CPPUNIT_ASSERT_EQUAL(std::string("text"), stringAt(body, "content[0].type"));
        CPPUNIT_ASSERT_EQUAL(std::string("Hello big world"), stringAt(body, "content[0].text"));
        CPPUNIT_ASSERT_EQUAL(std::string("end_turn"), stringAt(body, "stop_reason"));
        CPPUNIT_ASSERT(body->has("stop_sequence") && body->isNull("stop_sequence"));
        CPPUNIT_ASSERT_EQUAL(5LL, intAt(body, "usage.input_tokens")); // "Be brief" + "Hello big world"
        CPPUNIT_ASSERT_EQUAL(3LL, intAt(body, "usage.output_tokens"));
    }

    void testBlocksTurnsAndTokens()
    {
        OpenAiHarness harness;
        // System as blocks, a multi-turn conversation with an image, a tool call and its result:
        // the last user message (the tool result's text and a text block) is echoed.
        const std::string body = R"({"model":"portico-echo","max_tokens":50,
            "system":[{"type":"text","text":"Be brief","cache_control":{"type":"ephemeral"}}],
            "messages":[
              {"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
                                        {"type":"text","text":"What is here?"}]},
              {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"look","input":{"q":"x"}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"A cat"},
                                        {"type":"text","text":"Say it"}]}],
            "temperature":0.5,"top_p":0.9,"top_k":5,"metadata":{"user_id":"u1"}})";
        const auto result = harness.post("/v1/messages", body);
        CPPUNIT_ASSERT_EQUAL(200, result->head().status);
        const auto message = parseObject(result->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::string("A cat\nSay it"), stringAt(message, "content[0].text"));
        const auto count = harness.post("/v1/messages/count_tokens", R"({"model":"portico-echo",
            "system":[{"type":"text","text":"Be brief"}],
            "messages":[
              {"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
                                        {"type":"text","text":"What is here?"}]},
              {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"look","input":{"q":"x"}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"A cat"},
                                        {"type":"text","text":"Say it"}]}]})");
        // The same input tokens for the message and its count; the image counts 85.
        CPPUNIT_ASSERT_EQUAL(intAt(message, "usage.input_tokens"), intAt(parseObject(count->sink.body), "input_tokens"));
        CPPUNIT_ASSERT(intAt(message, "usage.input_tokens") > 85);
    }

    void testStopSequenceAndMaxTokens()
    {
        OpenAiHarness harness;
        const auto cut = parseObject(harness.post("/v1/messages", R"({"model":"portico-echo","max_tokens":2,
            "messages":[{"role":"user","content":"Hello big world"}]})")->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::string("Hello big"), stringAt(cut, "content[0].text"));
        CPPUNIT_ASSERT_EQUAL(std::string("max_tokens"), stringAt(cut, "stop_reason"));
        CPPUNIT_ASSERT(cut->isNull("stop_sequence"));
        CPPUNIT_ASSERT_EQUAL(2LL, intAt(cut, "usage.output_tokens"));
        const auto stopped = parseObject(harness.post("/v1/messages", messages(R"("stop_sequences":["zzz"," world"," big"])"))->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::string("Hello"), stringAt(stopped, "content[0].text"));
        CPPUNIT_ASSERT_EQUAL(std::string("stop_sequence"), stringAt(stopped, "stop_reason"));
        CPPUNIT_ASSERT_EQUAL(std::string(" big"), stringAt(stopped, "stop_sequence"));
    }

    void testToolUse()
    {
        OpenAiHarness harness;
        for (const std::string& choice : {std::string(R"({"type":"any"})"), std::string(R"({"type":"tool","name":"get_weather"})")})
        {
            const auto body = parseObject(
                harness.post("/v1/messages", messages(WeatherTool + R"(,"tool_choice":)" + choice))->sink.body);
            CPPUNIT_ASSERT_EQUAL(std::string("tool_use"), stringAt(body, "stop_reason"));
            CPPUNIT_ASSERT_EQUAL(std::string("tool_use"), stringAt(body, "content[0].type"));
            CPPUNIT_ASSERT_EQUAL(std::string("toolu_"), stringAt(body, "content[0].id").substr(0, 6));
            CPPUNIT_ASSERT_EQUAL(std::string("get_weather"), stringAt(body, "content[0].name"));
            CPPUNIT_ASSERT_EQUAL(std::string("Hello big world"), stringAt(body, "content[0].input.city"));
            CPPUNIT_ASSERT_EQUAL(0LL, intAt(body, "content[0].input.days"));
            CPPUNIT_ASSERT_EQUAL(std::string("c"), stringAt(body, "content[0].input.unit"));
            CPPUNIT_ASSERT(!body->getArray("content")->getObject(0)->getObject("input")->has("note"));
            CPPUNIT_ASSERT(intAt(body, "usage.output_tokens") > 0);
        }
        // auto (and none) answer with text, as chat does.
        const auto text = parseObject(harness.post("/v1/messages", messages(WeatherTool))->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::string("text"), stringAt(text, "content[0].type"));
        CPPUNIT_ASSERT_EQUAL(std::string("end_turn"), stringAt(text, "stop_reason"));
    }

    void testStreamEvents()
    {
        OpenAiHarness harness;
        const auto result = harness.post("/v1/messages", messages(R"("stream":true)"));
        CPPUNIT_ASSERT_EQUAL(std::string("text/event-stream"), result->head().contentType);
        const auto events = parseSse(result->sink.body);
        const std::vector<std::string> names{"message_start", "content_block_start", "ping", "content_block_delta",
                                             "content_block_delta", "content_block_delta", "content_block_stop",
                                             "message_delta", "message_stop"};
        CPPUNIT_ASSERT_EQUAL(names.size(), events.size());
        std::string text;
        for (std::size_t i = 0; i < names.size(); ++i)
        {
            CPPUNIT_ASSERT_EQUAL(names[i], events[i].event);
            const auto data = parseObject(events[i].data);
            CPPUNIT_ASSERT_EQUAL(names[i], stringAt(data, "type")); // the event name is the data's type
            if (names[i] == "content_block_delta")
            {
                CPPUNIT_ASSERT_EQUAL(std::string("text_delta"), stringAt(data, "delta.type"));
                text += stringAt(data, "delta.text");
            }
        }
        CPPUNIT_ASSERT_EQUAL(std::string("Hello big world"), text);
        const auto start = parseObject(events[0].data);
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), start->getObject("message")->getArray("content")->size());
        CPPUNIT_ASSERT(start->getObject("message")->isNull("stop_reason"));
        CPPUNIT_ASSERT_EQUAL(5LL, intAt(start, "message.usage.input_tokens"));
        CPPUNIT_ASSERT_EQUAL(std::string("text"), stringAt(parseObject(events[1].data), "content_block.type"));
        const auto delta = parseObject(events[7].data);
        CPPUNIT_ASSERT_EQUAL(std::string("end_turn"), stringAt(delta, "delta.stop_reason"));
        CPPUNIT_ASSERT_EQUAL(3LL, intAt(delta, "usage.output_tokens"));
        CPPUNIT_ASSERT_EQUAL(std::string("3"), result->exchange->get(portico::attr::UsageOutputTokens));
    }

    void testStreamToolUse()
    {
        OpenAiHarness harness("local.token_delay_ms = 1\n");
        const auto result =
            harness.post("/v1/messages", messages(WeatherTool + R"(,"tool_choice":{"type":"any"},"stream":true)"));
        const auto events = parseSse(result->sink.body);
        const auto block = parseObject(events[1].data);
        CPPUNIT_ASSERT_EQUAL(std::string("tool_use"), stringAt(block, "content_block.type"));
        CPPUNIT_ASSERT_EQUAL(std::string("get_weather"), stringAt(block, "content_block.name"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), block->getObject("content_block")->getObject("input")->size());
        std::string json;
        std::size_t deltas = 0;
        for (const auto& event : events)
            if (event.event == "content_block_delta")
            {
                const auto data = parseObject(event.data);
                CPPUNIT_ASSERT_EQUAL(std::string("input_json_delta"), stringAt(data, "delta.type"));
                json += stringAt(data, "delta.partial_json");
                ++deltas;
            }
        CPPUNIT_ASSERT(deltas > 3);
        const auto input = parseObject(json);
        CPPUNIT_ASSERT_EQUAL(std::string("Hello big world"), stringAt(input, "city"));
        const auto delta = parseObject(events[events.size() - 2].data);
        CPPUNIT_ASSERT_EQUAL(std::string("tool_use"), stringAt(delta, "delta.stop_reason"));
        CPPUNIT_ASSERT_EQUAL(static_cast<long long>(deltas), intAt(delta, "usage.output_tokens"));
        CPPUNIT_ASSERT_EQUAL(std::string("message_stop"), events.back().event);
    }

    void testClientGoneStopsTheStream()
    {
        OpenAiHarness harness;
        Result result;
        result.exchange = portico::test::makeExchange(
            "POST", "/v1/messages", {},
            R"({"model":"portico-echo","max_tokens":50,"messages":[{"role":"user","content":"a b c d e f"}],"stream":true})");
        result.sink.failAfterChunks = 5; // message_start, content_block_start, ping and two deltas
        harness.run(result);
        CPPUNIT_ASSERT(result.outcome == portico::Outcome::ClientGone);
        CPPUNIT_ASSERT_EQUAL(std::size_t(5), result.sink.chunks.size());
        CPPUNIT_ASSERT_EQUAL(std::string("2"), result.exchange->get(portico::attr::UsageOutputTokens));
        CPPUNIT_ASSERT_EQUAL(2.0, harness.metric("portico_tokens_total", {{"model", "portico-echo"}, {"kind", "output"}}));
    }

    void testErrorEventAfterTheStart()
    {
        OpenAiHarness harness;
        auto exchange = portico::test::makeExchange(
            "POST", "/v1/messages", {{"Content-Type", "application/json"}},
            R"({"model":"portico-echo","max_tokens":50,"messages":[{"role":"user","content":"a b c"}],"stream":true})");
        portico::test::FailingSink sink(3); // message_start and content_block_start go out, the ping fails
        const auto outcome = harness.chain().run(exchange, sink);
        CPPUNIT_ASSERT(outcome == portico::Outcome::Error);
        CPPUNIT_ASSERT(sink.streamAborted && !sink.streamEnded); // cut: no terminating chunk
        const auto events = parseSse(sink.body);
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), events.size());
        CPPUNIT_ASSERT_EQUAL(std::string("content_block_start"), events[1].event);
        CPPUNIT_ASSERT_EQUAL(std::string("error"), events[2].event);
        const auto error = parseObject(events[2].data);
        CPPUNIT_ASSERT_EQUAL(std::string("error"), stringAt(error, "type"));
        CPPUNIT_ASSERT_EQUAL(std::string("api_error"), stringAt(error, "error.type"));
        PORTICO_ASSERT_NOT_CONTAINS(sink.body, "message_stop");
    }

    void testCountTokens()
    {
        OpenAiHarness harness;
        const auto result = harness.post("/v1/messages/count_tokens",
                                         R"({"model":"portico-echo","system":"Be brief","messages":[{"role":"user","content":"Hello big world"}]})");
        CPPUNIT_ASSERT_EQUAL(200, result->head().status);
        const auto body = parseObject(result->sink.body);
        CPPUNIT_ASSERT_EQUAL(5LL, intAt(body, "input_tokens"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), body->size());
        // Tools count as input.
        const auto withTools = parseObject(harness.post("/v1/messages/count_tokens",
            R"({"model":"portico-echo","messages":[{"role":"user","content":"Hello big world"}],)" + WeatherTool + "}")->sink.body);
        CPPUNIT_ASSERT(intAt(withTools, "input_tokens") > 3);
        // max_tokens belongs to messages, not to a count.
        const auto [type, message] = anthropicError(*harness.post("/v1/messages/count_tokens",
            R"({"model":"portico-echo","max_tokens":5,"messages":[{"role":"user","content":"x"}]})"), 400);
        CPPUNIT_ASSERT_EQUAL(std::string("max_tokens: Extra inputs are not permitted"), message);
    }

    void testValidationErrors()
    {
        OpenAiHarness harness;
        const std::vector<std::pair<std::string, std::string>> cases{
            {R"({"model":"portico-echo","messages":[{"role":"user","content":"x"}]})", "max_tokens: Field required"},
            {R"({"model":"portico-echo","max_tokens":5})", "messages: Field required"},
            {R"({"max_tokens":5,"messages":[{"role":"user","content":"x"}]})", "model: Field required"},
            {messages(R"("tempreature":1)"), "tempreature: Extra inputs are not permitted"},
            {messages(R"("max_tokens":0)"), "max_tokens: Input should be greater than or equal to 1"},
            {R"({"model":"portico-echo","max_tokens":"5","messages":[{"role":"user","content":"x"}]})",
             "max_tokens: Input should be a valid integer"},
            {R"({"model":"portico-echo","max_tokens":5,"messages":[{"role":"user","content":5}]})",
             "messages.0.content: Input should be a valid string or a valid list"},
            {R"({"model":"portico-echo","max_tokens":5,"messages":[{"role":"system","content":"x"}]})",
             "messages.0.role: Input should be 'user' or 'assistant'"},
            {R"({"model":"portico-echo","max_tokens":5,"messages":[{"role":"user","content":[{"type":"text"}]}]})",
             "messages.0.content.0.text: Field required"},
            {R"({"model":"portico-echo","max_tokens":5,"messages":[{"role":"user","content":[{"type":"video","x":1}]}]})",
             "messages.0.content.0.type: Input tag 'video' found using 'type' does not match any of the expected tags: 'text', 'image', 'tool_use', 'tool_result'"},
            {R"({"model":"portico-echo","max_tokens":5,"messages":[]})",
             "messages: List should have at least 1 item after validation, not 0"},
            {messages(R"("stop_sequences":"x")"), "stop_sequences: Input should be a valid list"},
            {messages(R"("temperature":1.5)"), "temperature: Input should be less than or equal to 1"},
            {messages(R"("stream":"yes")"), "stream: Input should be a valid boolean"},
            {messages(R"("tool_choice":{"type":"any"})"), "tool_choice: tool_choice may only be specified while providing tools."},
            {messages(WeatherTool + R"(,"tool_choice":{"type":"tool","name":"nope"})"),
             "tool_choice.name: Tool 'nope' not found in the request's tools"},
            {messages(R"("metadata":{"user":"x"})"), "metadata.user: Extra inputs are not permitted"},
            {"[1]", "The request body must be a JSON object, but it is an array."},
        };
        for (const auto& [body, expected] : cases)
        {
            const auto result = harness.post("/v1/messages", body);
            const auto [type, message] = anthropicError(*result, 400);
            CPPUNIT_ASSERT_EQUAL(std::string("invalid_request_error"), type);
            CPPUNIT_ASSERT_EQUAL(expected, message);
            CPPUNIT_ASSERT(!result->exchange->find(portico::attr::UsageInputTokens));
        }
    }

    void testModelPlaces()
    {
        OpenAiHarness harness("models.my-echo.alias_of = portico-echo\n"
                              "upstream.url = http://127.0.0.1:9/v1\n"
                              "upstream.models = gpt-up\n");
        // An alias of portico-echo is served locally, under the name it was asked by.
        const auto alias = harness.post("/v1/messages", messages("", "my-echo"));
        CPPUNIT_ASSERT_EQUAL(200, alias->head().status);
        CPPUNIT_ASSERT_EQUAL(std::string("my-echo"), stringAt(parseObject(alias->sink.body), "model"));
        CPPUNIT_ASSERT_EQUAL(std::string("my-echo"), alias->exchange->get(portico::attr::Model));
        const auto [unknownType, unknownMessage] = anthropicError(*harness.post("/v1/messages", messages("", "claude-x")), 404);
        CPPUNIT_ASSERT_EQUAL(std::string("not_found_error"), unknownType);
        CPPUNIT_ASSERT_EQUAL(std::string("model: claude-x"), unknownMessage);
        // An OpenAI-compatible upstream's model goes there as a chat request: nothing listens on
        // port 9, so the proxy's 502 comes back in Anthropic's shape.
        const auto [upType, upMessage] = anthropicError(*harness.post("/v1/messages", messages("", "gpt-up")), 502);
        CPPUNIT_ASSERT_EQUAL(std::string("api_error"), upType);
        PORTICO_ASSERT_CONTAINS(upMessage, "cannot connect");
        // Its token count is the local tokenizer's estimate (chat has none).
        const auto upCount = harness.post("/v1/messages/count_tokens",
                                          R"({"model":"gpt-up","messages":[{"role":"user","content":"Hello, world!"}]})");
        CPPUNIT_ASSERT_EQUAL(200, upCount->head().status);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"input_tokens":4})"), upCount->sink.body);
        const auto [embedType, embedMessage] = anthropicError(*harness.post("/v1/messages", messages("", "portico-embed")), 400);
        PORTICO_ASSERT_CONTAINS(embedMessage, "embedding model");
        anthropicError(*harness.post("/v1/messages/count_tokens",
                                     R"({"model":"nope","messages":[{"role":"user","content":"x"}]})"), 404);
    }

    void testCoreErrorsTakeAnthropicsShape()
    {
        OpenAiHarness harness;
        const auto [type, message] = anthropicError(*harness.post("/v1/messages/batches", "{}"), 404);
        CPPUNIT_ASSERT_EQUAL(std::string("not_found_error"), type);
        const auto wrongMethod = harness.get("/v1/messages");
        CPPUNIT_ASSERT_EQUAL(std::string("invalid_request_error"), anthropicError(*wrongMethod, 405).first);
        // OpenAI's routes keep OpenAI's shape.
        errorOf(*harness.post("/v1/chat/completion", "{}"), 404);
    }

    void testUsageAttributesAndMetrics()
    {
        OpenAiHarness harness;
        const auto result = harness.post("/v1/messages", messages(""));
        CPPUNIT_ASSERT_EQUAL(std::string("5"), result->exchange->get(portico::attr::UsageInputTokens));
        CPPUNIT_ASSERT_EQUAL(std::string("3"), result->exchange->get(portico::attr::UsageOutputTokens));
        CPPUNIT_ASSERT_EQUAL(std::string("portico-echo"), result->exchange->get(portico::attr::Model));
        CPPUNIT_ASSERT_EQUAL(3.0, harness.metric("portico_tokens_total", {{"model", "portico-echo"}, {"kind", "output"}}));
        CPPUNIT_ASSERT_EQUAL(5.0, harness.metric("portico_tokens_total", {{"model", "portico-echo"}, {"kind", "input"}}));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(MessagesHandlerTest);
