// The translation for upstreams of type anthropic: a chat completions request into a Messages
// request, a Messages answer and error into chat's, and a Messages event stream into a chat
// stream whatever way its bytes are split.

#include "AnthropicAnswer.h"
#include "AnthropicRequest.h"
#include "AnthropicAnswerScan.h"
#include "AnthropicRequestScan.h"
#include "AnthropicStream.h"
#include "Poco/JSON/Stringifier.h"
#include <sstream>
#include "Poco/JSON/Array.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include <cppunit/extensions/HelperMacros.h>
#include <vector>

using namespace portico::openai;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

Object::Ptr parse(const std::string& json)
{
    return Poco::JSON::Parser().parse(json).extract<Object::Ptr>();
}

std::string translateRequest(const std::string& chat)
{
    return anthropicRequestBody(chat, AnthropicRequestSettings{});
}

std::string refusedParam(const std::string& chat)
{
    try
    {
        translateRequest(chat);
    }
    catch (const AnthropicRequestError& error)
    {
        return error.param();
    }
    CPPUNIT_FAIL("not refused: " + chat);
    return {};
}

/// The data of every `data:` event of a chat stream, in order.
std::vector<std::string> dataOf(const std::string& stream)
{
    std::vector<std::string> data;
    std::size_t at = 0;
    while ((at = stream.find("data: ", at)) != std::string::npos)
    {
        const auto end = stream.find("\n\n", at);
        data.push_back(stream.substr(at + 6, end - at - 6));
        at = end;
    }
    return data;
}

const std::string MessagesStream =
    "event: message_start\n"
    "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01X\",\"type\":\"message\",\"role\":\"assistant\","
    "\"model\":\"claude-x\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":25,"
    "\"cache_read_input_tokens\":5,\"output_tokens\":1}}}\n\n"
    "event: ping\ndata: {\"type\": \"ping\"}\n\n"
    "event: content_block_start\n"
    "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello, \\u00e9\"}}\n\n"
    "event: content_block_delta\r\n"
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" world\"}}\r\n\r\n"
    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
    "event: content_block_start\n"
    "data: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\","
    "\"name\":\"get_weather\",\"input\":{}}}\n\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":"
    "\"{\\\"city\\\": \"}}\n\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":"
    "\"\\\"Paris\\\"}\"}}\n\n"
    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n"
    "event: message_delta\n"
    "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},"
    "\"usage\":{\"output_tokens\":17}}\n\n"
    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

} // namespace

class AnthropicTranslationTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(AnthropicTranslationTest);
    CPPUNIT_TEST(testRequestConversation);
    CPPUNIT_TEST(testRequestToolsAndOptions);
    CPPUNIT_TEST(testRequestDefaultsAndImages);
    CPPUNIT_TEST(testRequestsItCannotHonourAreRefused);
    CPPUNIT_TEST(testAnswerWithTextAndToolUse);
    CPPUNIT_TEST(testErrorAnswer);
    CPPUNIT_TEST(testStreamWhateverTheSplit);
    CPPUNIT_TEST(testStreamError);
    CPPUNIT_TEST(testScanGivesWhatPocoGives);
    CPPUNIT_TEST(testScanLeavesTheRestToPoco);
    CPPUNIT_TEST(testAnswerScanGivesWhatPocoGives);
    CPPUNIT_TEST_SUITE_END();

public:
    void testRequestConversation()
    {
        const auto out = parse(translateRequest(R"({
            "model": "claude-x", "max_tokens": 100,
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "developer", "content": [{"type": "text", "text": "Use metric units."}]},
                {"role": "user", "content": "Weather in Paris?"},
                {"role": "assistant", "content": null, "tool_calls": [
                    {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
                {"role": "tool", "tool_call_id": "call_1", "content": "18C"},
                {"role": "user", "content": "And tomorrow?"}
            ]})"));
        CPPUNIT_ASSERT_EQUAL(std::string("claude-x"), out->getValue<std::string>("model"));
        CPPUNIT_ASSERT_EQUAL(100, out->getValue<int>("max_tokens"));
        CPPUNIT_ASSERT_EQUAL(std::string("Be brief.\n\nUse metric units."), out->getValue<std::string>("system"));
        const Array::Ptr messages = out->getArray("messages");
        // user, assistant (tool_use), user (tool_result + the next user text, merged)
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), messages->size());
        CPPUNIT_ASSERT_EQUAL(std::string("user"), messages->getObject(0)->getValue<std::string>("role"));
        const Object::Ptr toolUse = messages->getObject(1)->getArray("content")->getObject(0);
        CPPUNIT_ASSERT_EQUAL(std::string("tool_use"), toolUse->getValue<std::string>("type"));
        CPPUNIT_ASSERT_EQUAL(std::string("call_1"), toolUse->getValue<std::string>("id"));
        CPPUNIT_ASSERT_EQUAL(std::string("Paris"), toolUse->getObject("input")->getValue<std::string>("city"));
        const Array::Ptr last = messages->getObject(2)->getArray("content");
        CPPUNIT_ASSERT_EQUAL(std::string("user"), messages->getObject(2)->getValue<std::string>("role"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), last->size());
        CPPUNIT_ASSERT_EQUAL(std::string("tool_result"), last->getObject(0)->getValue<std::string>("type"));
        CPPUNIT_ASSERT_EQUAL(std::string("call_1"), last->getObject(0)->getValue<std::string>("tool_use_id"));
        CPPUNIT_ASSERT_EQUAL(std::string("18C"), last->getObject(0)->getValue<std::string>("content"));
        CPPUNIT_ASSERT_EQUAL(std::string("And tomorrow?"), last->getObject(1)->getValue<std::string>("text"));
    }

    void testRequestToolsAndOptions()
    {
        const auto out = parse(translateRequest(R"({
            "model": "claude-x", "max_completion_tokens": 50, "max_tokens": 999, "stream": true,
            "stream_options": {"include_usage": true}, "temperature": 0.5, "top_p": 0.9, "stop": "END",
            "seed": 7, "user": "u-42", "parallel_tool_calls": false, "tool_choice": "required",
            "tools": [{"type": "function", "function": {"name": "f", "description": "does f",
                       "parameters": {"type": "object", "properties": {"x": {"type": "integer"}}}}},
                      {"type": "function", "function": {"name": "g"}}],
            "messages": [{"role": "user", "content": "hi"}]})"));
        CPPUNIT_ASSERT_EQUAL(50, out->getValue<int>("max_tokens")); // max_completion_tokens wins
        CPPUNIT_ASSERT(out->getValue<bool>("stream"));
        CPPUNIT_ASSERT_EQUAL(0.5, out->getValue<double>("temperature"));
        CPPUNIT_ASSERT_EQUAL(std::string("END"), out->getArray("stop_sequences")->getElement<std::string>(0));
        CPPUNIT_ASSERT_EQUAL(std::string("u-42"), out->getObject("metadata")->getValue<std::string>("user_id"));
        CPPUNIT_ASSERT(!out->has("seed"));
        CPPUNIT_ASSERT(!out->has("stream_options"));
        const Array::Ptr tools = out->getArray("tools");
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), tools->size());
        CPPUNIT_ASSERT_EQUAL(std::string("does f"), tools->getObject(0)->getValue<std::string>("description"));
        CPPUNIT_ASSERT(tools->getObject(0)->getObject("input_schema")->getObject("properties")->has("x"));
        CPPUNIT_ASSERT_EQUAL(std::string("object"),
                             tools->getObject(1)->getObject("input_schema")->getValue<std::string>("type"));
        const Object::Ptr choice = out->getObject("tool_choice");
        CPPUNIT_ASSERT_EQUAL(std::string("any"), choice->getValue<std::string>("type"));
        CPPUNIT_ASSERT(choice->getValue<bool>("disable_parallel_tool_use"));

        const auto named = parse(translateRequest(R"({"model": "m", "tool_choice": {"type": "function", "function": {"name": "g"}},
            "tools": [{"type": "function", "function": {"name": "g"}}], "messages": [{"role": "user", "content": "x"}]})"));
        CPPUNIT_ASSERT_EQUAL(std::string("tool"), named->getObject("tool_choice")->getValue<std::string>("type"));
        CPPUNIT_ASSERT_EQUAL(std::string("g"), named->getObject("tool_choice")->getValue<std::string>("name"));
    }

    void testRequestDefaultsAndImages()
    {
        const auto out = parse(translateRequest(R"({"model": "m", "messages": [{"role": "user", "content": [
            {"type": "text", "text": "What is this?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}}]}]})"));
        CPPUNIT_ASSERT_EQUAL(4096, out->getValue<int>("max_tokens")); // Anthropic requires one
        const Array::Ptr content = out->getArray("messages")->getObject(0)->getArray("content");
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), content->size());
        const Object::Ptr base64 = content->getObject(1)->getObject("source");
        CPPUNIT_ASSERT_EQUAL(std::string("base64"), base64->getValue<std::string>("type"));
        CPPUNIT_ASSERT_EQUAL(std::string("image/png"), base64->getValue<std::string>("media_type"));
        CPPUNIT_ASSERT_EQUAL(std::string("iVBORw0KGgo="), base64->getValue<std::string>("data"));
        CPPUNIT_ASSERT_EQUAL(std::string("https://example.com/cat.jpg"),
                             content->getObject(2)->getObject("source")->getValue<std::string>("url"));
    }

    void testRequestsItCannotHonourAreRefused()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("n"), refusedParam(R"({"model":"m","n":2,"messages":[{"role":"user","content":"x"}]})"));
        CPPUNIT_ASSERT_EQUAL(std::string("logprobs"),
                             refusedParam(R"({"model":"m","logprobs":true,"messages":[{"role":"user","content":"x"}]})"));
        CPPUNIT_ASSERT_EQUAL(std::string("response_format.type"),
                             refusedParam(R"({"model":"m","response_format":{"type":"json_object"},"messages":[{"role":"user","content":"x"}]})"));
        CPPUNIT_ASSERT_EQUAL(std::string("messages"), refusedParam(R"({"model":"m"})"));
        CPPUNIT_ASSERT_EQUAL(std::string("messages"), refusedParam(R"({"model":"m","messages":[{"role":"system","content":"x"}]})"));
        CPPUNIT_ASSERT_EQUAL(std::string("messages[0].tool_calls[0].function.arguments"),
                             refusedParam(R"({"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{oops"}}]}]})"));
        CPPUNIT_ASSERT_EQUAL(std::string("messages[0].role"), refusedParam(R"({"model":"m","messages":[{"role":"robot","content":"x"}]})"));
        CPPUNIT_ASSERT_EQUAL(std::string(""), refusedParam("[1,2]"));
        CPPUNIT_ASSERT_EQUAL(std::string(""), refusedParam("{not json"));
    }

    void testAnswerWithTextAndToolUse()
    {
        const auto chat = chatCompletionFromMessage(R"({"id":"msg_01","type":"message","role":"assistant","model":"claude-x",
            "content":[{"type":"text","text":"Let me check."},{"type":"tool_use","id":"toolu_9","name":"get_weather","input":{"city":"Paris"}}],
            "stop_reason":"tool_use","stop_sequence":null,
            "usage":{"input_tokens":20,"cache_read_input_tokens":4,"cache_creation_input_tokens":1,"output_tokens":9}})");
        CPPUNIT_ASSERT(chat);
        const auto out = parse(*chat);
        CPPUNIT_ASSERT_EQUAL(std::string("chat.completion"), out->getValue<std::string>("object"));
        CPPUNIT_ASSERT_EQUAL(std::string("msg_01"), out->getValue<std::string>("id"));
        CPPUNIT_ASSERT_EQUAL(std::string("claude-x"), out->getValue<std::string>("model"));
        const Object::Ptr choice = out->getArray("choices")->getObject(0);
        CPPUNIT_ASSERT_EQUAL(std::string("tool_calls"), choice->getValue<std::string>("finish_reason"));
        const Object::Ptr message = choice->getObject("message");
        CPPUNIT_ASSERT_EQUAL(std::string("Let me check."), message->getValue<std::string>("content"));
        const Object::Ptr call = message->getArray("tool_calls")->getObject(0);
        CPPUNIT_ASSERT_EQUAL(std::string("toolu_9"), call->getValue<std::string>("id"));
        CPPUNIT_ASSERT_EQUAL(std::string("get_weather"), call->getObject("function")->getValue<std::string>("name"));
        CPPUNIT_ASSERT_EQUAL(std::string("Paris"),
                             parse(call->getObject("function")->getValue<std::string>("arguments"))->getValue<std::string>("city"));
        const Object::Ptr usage = out->getObject("usage");
        CPPUNIT_ASSERT_EQUAL(25, usage->getValue<int>("prompt_tokens"));
        CPPUNIT_ASSERT_EQUAL(9, usage->getValue<int>("completion_tokens"));
        CPPUNIT_ASSERT_EQUAL(34, usage->getValue<int>("total_tokens"));
        CPPUNIT_ASSERT_EQUAL(4, usage->getObject("prompt_tokens_details")->getValue<int>("cached_tokens"));

        CPPUNIT_ASSERT_EQUAL(std::string("length"), finishReasonOf("max_tokens"));
        CPPUNIT_ASSERT_EQUAL(std::string("stop"), finishReasonOf("stop_sequence"));
        CPPUNIT_ASSERT_EQUAL(std::string("stop"), finishReasonOf("end_turn"));
        CPPUNIT_ASSERT(!chatCompletionFromMessage("{\"object\":\"chat.completion\"}"));
        CPPUNIT_ASSERT(!chatCompletionFromMessage("not json"));
    }

    void testErrorAnswer()
    {
        const auto error = openAiErrorFromAnthropic(
            R"({"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your rate limit."}})");
        CPPUNIT_ASSERT(error);
        const Object::Ptr out = parse(*error)->getObject("error");
        CPPUNIT_ASSERT_EQUAL(std::string("Number of request tokens has exceeded your rate limit."),
                             out->getValue<std::string>("message"));
        CPPUNIT_ASSERT_EQUAL(std::string("rate_limit_error"), out->getValue<std::string>("code"));
        CPPUNIT_ASSERT_EQUAL(std::string("rate_limit_exceeded"), out->getValue<std::string>("type"));
        CPPUNIT_ASSERT(!openAiErrorFromAnthropic(R"({"error":{"message":"an OpenAI error"}})"));
    }

    void testStreamWhateverTheSplit()
    {
        std::string whole;
        AnthropicStream(1 << 20).feed(MessagesStream, whole);
        for (const std::size_t step : {1u, 7u, 64u})
        {
            AnthropicStream stream(1 << 20);
            std::string out;
            for (std::size_t at = 0; at < MessagesStream.size(); at += step)
                stream.feed(std::string_view(MessagesStream).substr(at, step), out);
            CPPUNIT_ASSERT(stream.ended());
            CPPUNIT_ASSERT_EQUAL(dataOf(whole).size(), dataOf(out).size());
        }
        const std::vector<std::string> data = dataOf(whole);
        CPPUNIT_ASSERT_EQUAL(std::string("[DONE]"), data.back());
        std::string text, arguments, finish;
        Object::Ptr usage;
        for (std::size_t i = 0; i + 1 < data.size(); ++i)
        {
            const auto chunk = parse(data[i]);
            CPPUNIT_ASSERT_EQUAL(std::string("chat.completion.chunk"), chunk->getValue<std::string>("object"));
            CPPUNIT_ASSERT_EQUAL(std::string("msg_01X"), chunk->getValue<std::string>("id"));
            CPPUNIT_ASSERT_EQUAL(std::string("claude-x"), chunk->getValue<std::string>("model"));
            const Array::Ptr choices = chunk->getArray("choices");
            if (choices->size() == 0)
            {
                usage = chunk->getObject("usage");
                continue;
            }
            CPPUNIT_ASSERT(chunk->get("usage").isEmpty()); // "usage":null, as with include_usage
            const Object::Ptr choice = choices->getObject(0);
            const Object::Ptr delta = choice->getObject("delta");
            if (i == 0)
                CPPUNIT_ASSERT_EQUAL(std::string("assistant"), delta->getValue<std::string>("role"));
            if (delta->has("content"))
                text += delta->getValue<std::string>("content");
            if (const Array::Ptr calls = delta->getArray("tool_calls"))
            {
                const Object::Ptr call = calls->getObject(0);
                CPPUNIT_ASSERT_EQUAL(0, call->getValue<int>("index"));
                if (call->has("id"))
                    CPPUNIT_ASSERT_EQUAL(std::string("toolu_1"), call->getValue<std::string>("id"));
                arguments += call->getObject("function")->getValue<std::string>("arguments");
            }
            if (!choice->get("finish_reason").isEmpty())
                finish = choice->getValue<std::string>("finish_reason");
        }
        CPPUNIT_ASSERT_EQUAL(std::string("Hello, \xc3\xa9 world"), text);
        CPPUNIT_ASSERT_EQUAL(std::string("Paris"), parse(arguments)->getValue<std::string>("city"));
        CPPUNIT_ASSERT_EQUAL(std::string("tool_calls"), finish);
        CPPUNIT_ASSERT(usage);
        CPPUNIT_ASSERT_EQUAL(30, usage->getValue<int>("prompt_tokens")); // 25 + 5 cache reads
        CPPUNIT_ASSERT_EQUAL(17, usage->getValue<int>("completion_tokens"));
        CPPUNIT_ASSERT_EQUAL(47, usage->getValue<int>("total_tokens"));
    }

    void testStreamError()
    {
        AnthropicStream stream(1 << 20);
        std::string out;
        stream.feed("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"x\","
                    "\"usage\":{\"input_tokens\":3}}}\n\n"
                    "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n",
                    out);
        CPPUNIT_ASSERT(stream.ended());
        const std::vector<std::string> data = dataOf(out);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), data.size());
        const Object::Ptr error = parse(data[1])->getObject("error");
        CPPUNIT_ASSERT_EQUAL(std::string("Overloaded"), error->getValue<std::string>("message"));
        CPPUNIT_ASSERT_EQUAL(std::string("overloaded_error"), error->getValue<std::string>("code"));
    }

    /// `json` parsed and written back with sorted keys: equal for equal meanings.
    static std::string canonical(const std::string& json)
    {
        std::ostringstream out;
        Poco::JSON::Stringifier::stringify(Poco::JSON::Parser().parse(json), out);
        return out.str();
    }

    void testScanGivesWhatPocoGives()
    {
        const std::vector<std::string> requests{
            R"({"model":"m","messages":[{"role":"user","content":"Hi"}]})",
            R"({"model":"m","max_tokens":7,"messages":[{"role":"system","content":"Be \"brief\".\nReally."},)"
            R"({"role":"developer","content":[{"type":"text","text":"One"},{"type":"text","text":" two"}]},)"
            R"({"role":"user","content":"caf\u00e9 \\ /"},{"role":"user","content":[{"type":"text","text":"more"},)"
            R"({"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},)"
            R"({"type":"image_url","image_url":"https://example.com/a.png"},{"type":"text","text":""}]}],"stream":false})",
            R"({"model":"m","max_completion_tokens":1024,"max_tokens":5,"temperature":0.2,"top_p":1,"stop":"END",)"
            R"("stream":true,"user":"u-1","seed":4,"logit_bias":{"1":2},"stream_options":{"include_usage":true},)"
            R"("n":1,"logprobs":false,"messages":[{"role":"user","content":"What is the weather?"},)"
            R"({"role":"assistant","content":"Let me look.","tool_calls":[{"id":"call_1","type":"function",)"
            R"("function":{"name":"get_weather","arguments":"{\"city\":\"Z\u00fcrich\",\"days\":[1,2],\"path\":\"a\/b\"}"}},)"
            R"({"id":"call_2","type":"function","function":{"name":"noop","arguments":""}}]},)"
            R"({"role":"tool","tool_call_id":"call_1","content":"Sunny"},{"role":"tool","tool_call_id":"call_2",)"
            R"("content":[{"type":"text","text":"done"}]},{"role":"assistant","content":null},{"role":"user","content":"Thanks"}],)"
            R"("tools":[{"type":"function","function":{"name":"get_weather","description":"Weather",)"
            R"("parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},)"
            R"({"type":"function","function":{"name":"noop","description":null}}],"tool_choice":"required",)"
            R"("parallel_tool_calls":false})",
            R"({"model":"m","messages":[{"role":"user","content":"x"}],"stop":["a","b"],"tools":[{"type":"function",)"
            R"("function":{"name":"f"}}],"tool_choice":{"type":"function","function":{"name":"f"}}})",
            R"({"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}],)"
            R"("tool_choice":"none","parallel_tool_calls":false})",
            R"({"model":"m","messages":[{"role":"user","content":"x"}],"tools":[],"tool_choice":"auto"})",
            R"({"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}],)"
            R"("parallel_tool_calls":false,"tool_choice":null})",
        };
        for (const auto& request : requests)
        {
            const auto scanned = scannedAnthropicRequest(request, AnthropicRequestSettings{});
            CPPUNIT_ASSERT_MESSAGE("not scanned: " + request, scanned.has_value());
            CPPUNIT_ASSERT_EQUAL_MESSAGE(request, canonical(anthropicRequestBodyByPoco(request, AnthropicRequestSettings{})),
                                         canonical(*scanned));
            CPPUNIT_ASSERT_EQUAL(*scanned, anthropicRequestBody(request, AnthropicRequestSettings{}));
        }
    }

    void testScanLeavesTheRestToPoco()
    {
        // Refusals, escaped names, duplicates, unusual kinds: the Poco translation answers (its
        // errors name the field); the scan gives nothing.
        const std::vector<std::string> requests{
            R"({"model":"m","n":2,"messages":[{"role":"user","content":"x"}]})",
            R"({"model":"m","logprobs":true,"messages":[{"role":"user","content":"x"}]})",
            R"({"model":"m","response_format":{"type":"text"},"messages":[{"role":"user","content":"x"}]})",
            R"({"model":"m","messages":[{"role":"us\u0065r","content":"x"}]})",
            R"({"model":"m","model":"n","messages":[{"role":"user","content":"x"}]})",
            R"({"model":"m","temperature":"0.5","messages":[{"role":"user","content":"x"}]})",
            R"({"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"c","function":{"name":"f","arguments":"[1]"}}]}]})",
            R"({"model":"m","messages":[]})",
            R"({"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"web_search"}]})",
            R"({"model":"m","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{}}]}]})",
            R"([1,2])",
            R"({"model":"m","messages":[{"role":"user","content":"x"}]} trailing)",
        };
        for (const auto& request : requests)
            CPPUNIT_ASSERT_MESSAGE(request, !scannedAnthropicRequest(request, AnthropicRequestSettings{}).has_value());
        // Poco decides: the response_format of type text is taken, the rest refused naming the field.
        CPPUNIT_ASSERT_EQUAL(std::string("n"), refusedParam(requests[0]));
        CPPUNIT_ASSERT(translateRequest(requests[2]).find("\"messages\"") != std::string::npos);
        CPPUNIT_ASSERT(translateRequest(requests[3]).find("\"user\"") != std::string::npos);
    }

    void testAnswerScanGivesWhatPocoGives()
    {
        const std::vector<std::string> messages{
            R"({"id":"msg_1","type":"message","role":"assistant","model":"claude-x","content":[{"type":"text","text":"Hello"}],)"
            R"("stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":1}})",
            R"({"id":"msg_2","type":"message","role":"assistant","model":"claude-x","content":[{"type":"thinking","thinking":"hm",)"
            R"("signature":"s"},{"type":"text","text":"Say \"hi\"\n\u00e9"},{"type":"text","text":" again"},)"
            R"({"type":"tool_use","id":"toolu_1","name":"f","input":{"a":[1,{"b":null}],"c":"d\"e"}}],"stop_reason":"tool_use",)"
            R"("usage":{"input_tokens":10,"output_tokens":5,"cache_read_input_tokens":100,"cache_creation_input_tokens":7,)"
            R"("service_tier":"standard","server_tool_use":{"web_search_requests":0}}})",
            R"({"type":"message","id":"msg_3","model":"claude-x","content":[{"type":"tool_use","id":"toolu_2","name":"g","input":{}}],)"
            R"("stop_reason":"max_tokens","usage":{"input_tokens":1,"output_tokens":null}})",
            R"({"type":"message","id":"msg_4","model":"claude-x","content":[],"stop_reason":null})",
        };
        for (const auto& message : messages)
        {
            const auto scanned = scannedChatCompletion(message, 1733400000);
            CPPUNIT_ASSERT_MESSAGE("not scanned: " + message, scanned.has_value());
            CPPUNIT_ASSERT_EQUAL_MESSAGE(message, canonical(*chatCompletionFromMessageByPoco(message, 1733400000)),
                                         canonical(*scanned));
        }
        // An input written with space and unsorted keys: the same arguments, as written.
        const auto spaced = scannedChatCompletion(
            R"({"type":"message","id":"m","model":"x","content":[{"type":"tool_use","id":"t","name":"f","input":{ "z": 1, "a": 2 }}]})", 1);
        const auto calls = parse(*spaced)->getArray("choices")->getObject(0)->getObject("message")->getArray("tool_calls");
        CPPUNIT_ASSERT_EQUAL(std::string(R"({ "z": 1, "a": 2 })"),
                             calls->getObject(0)->getObject("function")->getValue<std::string>("arguments"));
        // Other shapes are Poco's: an error, escaped keys, a block that is not an object.
        for (const char* other : {R"({"type":"error","error":{"type":"api_error","message":"x"}})",
                                  R"({"type":"message","id":"m","model":"x","content":[{"t\u0079pe":"text","text":"a"}]})",
                                  R"({"type":"message","id":"m","model":"x","content":["a"]})",
                                  R"({"type":"message","id":"m","model":"x","usage":{"input_tokens":1.5}})"})
            CPPUNIT_ASSERT_MESSAGE(other, !scannedChatCompletion(other, 1).has_value());
        CPPUNIT_ASSERT(chatCompletionFromMessage(R"({"type":"message","id":"m","model":"x","content":["a"]})").has_value());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AnthropicTranslationTest);
