// POST /v1/chat/completions through the plugin in a real in-memory chain: chat.completion and
// chunk shapes, n, stop, the token limits, include_usage, [DONE], validation, usage, metrics.

#include "OpenAiHarness.h"
#include "ChatShapes.h"
#include "portico/Attributes.h"
#include "TestAsserts.h"
#include <cppunit/extensions/HelperMacros.h>

using namespace portico::openai::test;

namespace {

std::string chat(const std::string& fields)
{
    return R"({"model":"portico-echo","messages":[{"role":"system","content":"Be brief"},{"role":"user","content":"Hello big world"}])" +
           (fields.empty() ? std::string() : "," + fields) + "}";
}

} // namespace

class ChatHandlerTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ChatHandlerTest);
    CPPUNIT_TEST(testCompletionShape);
    CPPUNIT_TEST(testSeveralChoices);
    CPPUNIT_TEST(testTokenLimitsAndStop);
    CPPUNIT_TEST(testStreamChunks);
    CPPUNIT_TEST(testStreamWithUsage);
    CPPUNIT_TEST(testContentChunkFraming);
    CPPUNIT_TEST(testStreamAndWholeGiveTheSameText);
    CPPUNIT_TEST(testValidationErrors);
    CPPUNIT_TEST(testUsageAttributesAndMetrics);
    CPPUNIT_TEST_SUITE_END();

public:
    void testCompletionShape()
    {
        OpenAiHarness harness;
        const auto result = harness.post("/v1/chat/completions", chat(""));
        CPPUNIT_ASSERT_EQUAL(200, result->head().status);
        const auto body = parseObject(result->sink.body);
        PORTICO_ASSERT_CONTAINS(stringAt(body, "id").substr(0, 9), "chatcmpl-");
        CPPUNIT_ASSERT_EQUAL(std::string("chat.completion"), stringAt(body, "object"));
        CPPUNIT_ASSERT(intAt(body, "created") > 1700000000);
        CPPUNIT_ASSERT_EQUAL(std::string("portico-echo"), stringAt(body, "model"));
        CPPUNIT_ASSERT_EQUAL(0LL, intAt(body, "choices[0].index"));
        CPPUNIT_ASSERT_EQUAL(std::string("assistant"), stringAt(body, "choices[0].message.role"));
        CPPUNIT_ASSERT_EQUAL(std::string("Hello big world"), stringAt(body, "choices[0].message.content"));
        CPPUNIT_ASSERT(at(body, "choices[0].message.refusal").isEmpty());
        CPPUNIT_ASSERT(body->getArray("choices")->getObject(0)->has("logprobs"));
        CPPUNIT_ASSERT_EQUAL(std::string("stop"), stringAt(body, "choices[0].finish_reason"));
        CPPUNIT_ASSERT_EQUAL(5LL, intAt(body, "usage.prompt_tokens"));
        CPPUNIT_ASSERT_EQUAL(3LL, intAt(body, "usage.completion_tokens"));
        CPPUNIT_ASSERT_EQUAL(8LL, intAt(body, "usage.total_tokens"));
    }

    void testSeveralChoices()
    {
        OpenAiHarness harness;
        const auto body = parseObject(harness.post("/v1/chat/completions", chat(R"("n":3)"))->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), body->getArray("choices")->size());
        CPPUNIT_ASSERT_EQUAL(2LL, intAt(body, "choices[2].index"));
        CPPUNIT_ASSERT_EQUAL(9LL, intAt(body, "usage.completion_tokens"));
    }

    void testTokenLimitsAndStop()
    {
        OpenAiHarness harness;
        for (const char* limit : {R"("max_tokens":2)", R"("max_completion_tokens":2)"})
        {
            const auto body = parseObject(harness.post("/v1/chat/completions", chat(limit))->sink.body);
            CPPUNIT_ASSERT_EQUAL(std::string("Hello big"), stringAt(body, "choices[0].message.content"));
            CPPUNIT_ASSERT_EQUAL(std::string("length"), stringAt(body, "choices[0].finish_reason"));
            CPPUNIT_ASSERT_EQUAL(2LL, intAt(body, "usage.completion_tokens"));
        }
        const auto stopped = parseObject(harness.post("/v1/chat/completions", chat(R"("stop":[" world"])"))->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::string("Hello big"), stringAt(stopped, "choices[0].message.content"));
        CPPUNIT_ASSERT_EQUAL(std::string("stop"), stringAt(stopped, "choices[0].finish_reason"));
    }

    void testStreamChunks()
    {
        OpenAiHarness harness;
        const auto result = harness.post("/v1/chat/completions", chat(R"("stream":true)"));
        CPPUNIT_ASSERT_EQUAL(std::string("text/event-stream"), result->head().contentType);
        const auto events = parseSse(result->sink.body);
        // role, 3 tokens, finish, [DONE]
        CPPUNIT_ASSERT_EQUAL(std::size_t(6), events.size());
        CPPUNIT_ASSERT_EQUAL(std::string("[DONE]"), events.back().data);
        std::string id;
        for (std::size_t i = 0; i + 1 < events.size(); ++i)
        {
            CPPUNIT_ASSERT(events[i].event.empty());
            const auto chunk = parseObject(events[i].data);
            CPPUNIT_ASSERT_EQUAL(std::string("chat.completion.chunk"), stringAt(chunk, "object"));
            CPPUNIT_ASSERT(!chunk->has("usage")); // only with include_usage
            if (id.empty())
                id = stringAt(chunk, "id");
            CPPUNIT_ASSERT_EQUAL(id, stringAt(chunk, "id"));
        }
        const auto first = parseObject(events[0].data);
        CPPUNIT_ASSERT_EQUAL(std::string("assistant"), stringAt(first, "choices[0].delta.role"));
        CPPUNIT_ASSERT(at(first, "choices[0].finish_reason").isEmpty());
        CPPUNIT_ASSERT_EQUAL(std::string(" big"), stringAt(parseObject(events[2].data), "choices[0].delta.content"));
        const auto last = parseObject(events[4].data);
        CPPUNIT_ASSERT_EQUAL(std::string("stop"), stringAt(last, "choices[0].finish_reason"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), last->getArray("choices")->getObject(0)->getObject("delta")->size());
    }

    void testStreamWithUsage()
    {
        OpenAiHarness harness;
        const auto events = parseSse(harness.post("/v1/chat/completions",
                                                  chat(R"("stream":true,"stream_options":{"include_usage":true},"max_tokens":1)"))
                                         ->sink.body);
        CPPUNIT_ASSERT_EQUAL(std::size_t(5), events.size()); // role, 1 token, finish, usage, [DONE]
        CPPUNIT_ASSERT_EQUAL(std::string("length"), stringAt(parseObject(events[2].data), "choices[0].finish_reason"));
        CPPUNIT_ASSERT(parseObject(events[0].data)->has("usage"));
        CPPUNIT_ASSERT(parseObject(events[0].data)->isNull("usage"));
        const auto usage = parseObject(events[3].data);
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), usage->getArray("choices")->size());
        CPPUNIT_ASSERT_EQUAL(5LL, intAt(usage, "usage.prompt_tokens"));
        CPPUNIT_ASSERT_EQUAL(1LL, intAt(usage, "usage.completion_tokens"));
        CPPUNIT_ASSERT_EQUAL(std::string("[DONE]"), events[4].data);
    }

    void testContentChunkFraming()
    {
        // Content chunks are a prebuilt frame per choice with the content put in: a model name
        // that looks like the content field, and content that needs escaping, stay intact.
        for (const bool includeUsage : {false, true})
        {
            const portico::openai::ChatIdentity identity{"chatcmpl-x", 1700000001, R"(m"content":""x)"};
            const portico::openai::ChatChunks chunks(identity, includeUsage);
            for (const std::string& content : {std::string("plain"), std::string("q\"uo\nte\\ \u00e9"), std::string()})
            {
                const auto chunk = parseObject(chunks.contentChunk(2, content));
                CPPUNIT_ASSERT_EQUAL(content, stringAt(chunk, "choices[0].delta.content"));
                CPPUNIT_ASSERT_EQUAL(identity.model, stringAt(chunk, "model"));
                CPPUNIT_ASSERT_EQUAL(2LL, intAt(chunk, "choices[0].index"));
                CPPUNIT_ASSERT(at(chunk, "choices[0].finish_reason").isEmpty());
                CPPUNIT_ASSERT_EQUAL(includeUsage, chunk->has("usage"));
                CPPUNIT_ASSERT_EQUAL(std::size_t(1), chunk->getArray("choices")->getObject(0)->getObject("delta")->size());
            }
            // Choice 0 after choice 2: each index has its own frame.
            CPPUNIT_ASSERT_EQUAL(0LL, intAt(parseObject(chunks.contentChunk(0, "a")), "choices[0].index"));
        }
    }

    void testStreamAndWholeGiveTheSameText()
    {
        OpenAiHarness harness;
        const std::string messages = R"({"model":"portico-echo","messages":[{"role":"user","content":[{"type":"text","text":"Same text, both ways!"}]}])";
        const auto whole = parseObject(harness.post("/v1/chat/completions", messages + "}")->sink.body);
        const auto events = parseSse(harness.post("/v1/chat/completions", messages + R"(,"stream":true,"n":2})")->sink.body);
        std::string text[2];
        for (std::size_t i = 0; i + 1 < events.size(); ++i)
        {
            const auto chunk = parseObject(events[i].data);
            const auto content = at(chunk, "choices[0].delta.content");
            if (content.isString())
                text[intAt(chunk, "choices[0].index")] += content.toString();
        }
        CPPUNIT_ASSERT_EQUAL(stringAt(whole, "choices[0].message.content"), text[0]);
        CPPUNIT_ASSERT_EQUAL(text[0], text[1]);
    }

    void testValidationErrors()
    {
        OpenAiHarness harness;
        const std::vector<std::pair<std::string, std::string>> cases = {
            {R"({"model":"portico-echo"})", "messages"},
            {R"({"model":"portico-echo","messages":[]})", "messages"},
            {R"({"model":"portico-echo","messages":"hi"})", "messages"},
            {R"({"model":"portico-echo","messages":[{"content":"x"}]})", "messages[0].role"},
            {R"({"model":"portico-echo","messages":[{"role":"user"}]})", "messages[0].content"},
            {R"({"model":"portico-echo","messages":[{"role":"user","content":5}]})", "messages[0].content"},
            {R"({"model":"portico-echo","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]})",
             "messages[0].content[0].type"},
            {chat(R"("max_tokens":0)"), "max_tokens"},
            {chat(R"("max_tokens":2,"max_completion_tokens":2)"), "max_tokens"},
            {chat(R"("n":0)"), "n"},
            {chat(R"("stop":["a","b","c","d","e"])"), "stop"},
            {chat(R"("stop":7)"), "stop"},
            {chat(R"("stream_options":{"include_usage":true})"), "stream_options"},
            {chat(R"("stream":true,"stream_options":{"include_usage":"yes"})"), "stream_options.include_usage"},
            {chat(R"("temperature":-1)"), "temperature"},
            {chat(R"("input":"x")"), "input"},
        };
        for (const auto& [body, param] : cases)
        {
            const auto error = errorOf(*harness.post("/v1/chat/completions", body), 400);
            const auto got = error->isNull("param") ? std::string() : error->getValue<std::string>("param");
            CPPUNIT_ASSERT_EQUAL_MESSAGE(body, param, got);
        }
        errorOf(*harness.post("/v1/chat/completions", R"({"model":"portico-embed","messages":[{"role":"user","content":"x"}]})"), 400);
    }

    void testUsageAttributesAndMetrics()
    {
        OpenAiHarness harness;
        auto result = harness.post("/v1/chat/completions", chat(R"("stream":true,"n":2)"));
        CPPUNIT_ASSERT_EQUAL(std::string("5"), result->exchange->get(portico::attr::UsageInputTokens));
        CPPUNIT_ASSERT_EQUAL(std::string("6"), result->exchange->get(portico::attr::UsageOutputTokens));
        CPPUNIT_ASSERT_EQUAL(6.0, harness.metric("portico_tokens_total", {{"model", "portico-echo"}, {"kind", "output"}}));
        CPPUNIT_ASSERT_EQUAL(1.0, harness.metric("portico_stream_time_to_first_token_seconds", {{"model", "portico-echo"}}));
        // A stream says its model; not its finish reason (a stream cut short never sent one).
        CPPUNIT_ASSERT_EQUAL(std::string("portico-echo"), result->exchange->get(portico::attr::ResponseModel));
        CPPUNIT_ASSERT(!result->exchange->find(portico::attr::ResponseFinishReasons));
        const std::string* limit = result->exchange->find(portico::attr::RequestMaxTokens);
        CPPUNIT_ASSERT(limit && limit->empty()); // the request set none

        // A whole answer says both, as its body does.
        result = harness.post("/v1/chat/completions", chat(R"("n":2,"max_tokens":1)"));
        const auto body = parseObject(result->sink.body);
        CPPUNIT_ASSERT_EQUAL(stringAt(body, "model"), result->exchange->get(portico::attr::ResponseModel));
        CPPUNIT_ASSERT_EQUAL(std::string("length"), stringAt(body, "choices[1].finish_reason"));
        CPPUNIT_ASSERT_EQUAL(std::string("length"), result->exchange->get(portico::attr::ResponseFinishReasons));
        CPPUNIT_ASSERT_EQUAL(std::string("1"), result->exchange->get(portico::attr::RequestMaxTokens));
        // The newer name says the same.
        result = harness.post("/v1/chat/completions", chat(R"("max_completion_tokens":7)"));
        CPPUNIT_ASSERT_EQUAL(std::string("7"), result->exchange->get(portico::attr::RequestMaxTokens));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ChatHandlerTest);
