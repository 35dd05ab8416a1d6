// The translation for /v1/messages served by an OpenAI-compatible upstream: a chat completion
// into a Message, an OpenAI error into Anthropic's, and a chat completions event stream, event
// by event, into Anthropic's Messages stream.

#include "MessagesFromChat.h"
#include "MessagesFromChatStream.h"
#include "Poco/JSON/Array.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include <cppunit/extensions/HelperMacros.h>
#include <string>
#include <vector>

using namespace portico::openai;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

Object::Ptr parse(const std::string& json)
{
    return Poco::JSON::Parser().parse(json).extract<Object::Ptr>();
}

/// The Message for a chat completion (fails when there is none).
Object::Ptr message(const std::string& completion)
{
    const auto out = messageFromChatCompletion(completion);
    CPPUNIT_ASSERT_MESSAGE(completion, out.has_value());
    return parse(*out);
}

/// A completion of one choice with `message` and `finish`, and usage 10 / 4.
std::string completion(const std::string& messageJson, const std::string& finish, const std::string& id = "chatcmpl-abc")
{
    return R"({"id":")" + id + R"(","object":"chat.completion","created":1,"model":"gpt-x",)"
           R"("choices":[{"index":0,"message":)" + messageJson + R"(,"finish_reason":")" + finish + R"("}],)"
           R"("usage":{"prompt_tokens":10,"completion_tokens":4,"total_tokens":14}})";
}

/// One Messages stream event: its `event:` type and its data, parsed.
struct Event
{
    std::string type;
    Object::Ptr data;
};

/// The events of a Messages stream (each "event: X\ndata: {...}\n\n"); fails on another shape.
std::vector<Event> eventsOf(const std::string& stream)
{
    std::vector<Event> events;
    std::size_t at = 0;
    while (at < stream.size())
    {
        const auto end = stream.find("\n\n", at);
        CPPUNIT_ASSERT_MESSAGE(stream, end != std::string::npos);
        const std::string event = stream.substr(at, end - at);
        at = end + 2;
        CPPUNIT_ASSERT_MESSAGE(event, event.compare(0, 7, "event: ") == 0);
        const auto newline = event.find('\n');
        CPPUNIT_ASSERT_MESSAGE(event, newline != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(event, event.compare(newline + 1, 6, "data: ") == 0);
        Event e{event.substr(7, newline - 7), parse(event.substr(newline + 7))};
        // The data's own type is the event's (Anthropic sends both).
        CPPUNIT_ASSERT_EQUAL_MESSAGE(event, e.type, e.data->getValue<std::string>("type"));
        events.push_back(e);
    }
    return events;
}

std::vector<std::string> typesOf(const std::vector<Event>& events)
{
    std::vector<std::string> types;
    for (const auto& e : events)
        types.push_back(e.type);
    return types;
}

std::string join(const std::vector<std::string>& parts)
{
    std::string out;
    for (const auto& p : parts)
        out += (out.empty() ? "" : ",") + p;
    return out;
}

/// Each chat event (its data) through one translator, as the proxy passes them.
std::string translateAll(const std::vector<std::string>& data, MessagesFromChatStream& stream)
{
    std::string out;
    for (const auto& d : data)
        stream.translate("data: " + d + "\n\n", out);
    return out;
}

std::string translateAll(const std::vector<std::string>& data)
{
    MessagesFromChatStream stream;
    return translateAll(data, stream);
}

std::string chunk(const std::string& delta, const std::string& finish = "null")
{
    return R"({"id":"chatcmpl-s1","object":"chat.completion.chunk","created":1,"model":"gpt-x",)"
           R"("choices":[{"index":0,"delta":)" + delta + R"(,"finish_reason":)" + finish + "}]}";
}

const std::string UsageChunk =
    R"({"id":"chatcmpl-s1","object":"chat.completion.chunk","created":1,"model":"gpt-x","choices":[],)"
    R"("usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17}})";

std::string toolCallStart(int index, const std::string& id, const std::string& name)
{
    return chunk(R"({"tool_calls":[{"index":)" + std::to_string(index) + R"(,"id":")" + id +
                 R"(","type":"function","function":{"name":")" + name + R"(","arguments":""}}]})");
}

std::string toolCallArguments(int index, const std::string& fragment)
{
    // `fragment` is JSON text: written into a JSON string with its quotes escaped.
    std::string escaped;
    for (const char c : fragment)
        escaped += c == '"' ? std::string("\\\"") : std::string(1, c);
    return chunk(R"({"tool_calls":[{"index":)" + std::to_string(index) + R"(,"function":{"arguments":")" + escaped +
                 R"("}}]})");
}

/// The concatenated text / partial_json of the content_block_delta events at block `index`.
std::string deltasAt(const std::vector<Event>& events, int index, const std::string& deltaType)
{
    std::string out;
    for (const auto& e : events)
        if (e.type == "content_block_delta" && e.data->getValue<int>("index") == index)
        {
            const auto delta = e.data->getObject("delta");
            CPPUNIT_ASSERT_EQUAL(deltaType, delta->getValue<std::string>("type"));
            out += delta->getValue<std::string>(deltaType == "text_delta" ? "text" : "partial_json");
        }
    return out;
}

const Event& only(const std::vector<Event>& events, const std::string& type)
{
    const Event* found = nullptr;
    for (const auto& e : events)
        if (e.type == type)
        {
            CPPUNIT_ASSERT_MESSAGE("more than one " + type, found == nullptr);
            found = &e;
        }
    CPPUNIT_ASSERT_MESSAGE("no " + type, found != nullptr);
    return *found;
}

} // namespace

class MessagesFromChatTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(MessagesFromChatTest);
    CPPUNIT_TEST(testTextCompletion);
    CPPUNIT_TEST(testCachedTokens);
    CPPUNIT_TEST(testToolCalls);
    CPPUNIT_TEST(testArgumentsThatAreNoObject);
    CPPUNIT_TEST(testStopReasons);
    CPPUNIT_TEST(testNotACompletion);
    CPPUNIT_TEST(testMessageIds);
    CPPUNIT_TEST(testErrors);
    CPPUNIT_TEST(testTextStream);
    CPPUNIT_TEST(testStreamTextThenToolCall);
    CPPUNIT_TEST(testStreamParallelToolCalls);
    CPPUNIT_TEST(testStreamError);
    CPPUNIT_TEST(testStreamDoneAlone);
    CPPUNIT_TEST(testStreamCrlfAndMultiLineData);
    CPPUNIT_TEST_SUITE_END();

public:
    void testTextCompletion()
    {
        const auto m = message(completion(R"({"role":"assistant","content":"Hello there"})", "stop"));
        CPPUNIT_ASSERT_EQUAL(std::string("msg_abc"), m->getValue<std::string>("id"));
        CPPUNIT_ASSERT_EQUAL(std::string("message"), m->getValue<std::string>("type"));
        CPPUNIT_ASSERT_EQUAL(std::string("assistant"), m->getValue<std::string>("role"));
        CPPUNIT_ASSERT_EQUAL(std::string("gpt-x"), m->getValue<std::string>("model"));
        const auto content = m->getArray("content");
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), content->size());
        CPPUNIT_ASSERT_EQUAL(std::string("text"), content->getObject(0)->getValue<std::string>("type"));
        CPPUNIT_ASSERT_EQUAL(std::string("Hello there"), content->getObject(0)->getValue<std::string>("text"));
        CPPUNIT_ASSERT_EQUAL(std::string("end_turn"), m->getValue<std::string>("stop_reason"));
        CPPUNIT_ASSERT(m->has("stop_sequence") && m->isNull("stop_sequence"));
        const auto usage = m->getObject("usage");
        CPPUNIT_ASSERT_EQUAL(10, usage->getValue<int>("input_tokens"));
        CPPUNIT_ASSERT_EQUAL(4, usage->getValue<int>("output_tokens"));
        CPPUNIT_ASSERT_EQUAL(0, usage->getValue<int>("cache_read_input_tokens"));
        // A JSON escape in the text comes back as the same text.
        const auto escaped = message(completion(R"({"role":"assistant","content":"a \"q\"\n\u00e9"})", "stop"));
        CPPUNIT_ASSERT_EQUAL(std::string("a \"q\"\n\xC3\xA9"),
                             escaped->getArray("content")->getObject(0)->getValue<std::string>("text"));
    }

    void testCachedTokens()
    {
        const auto m = message(R"({"id":"chatcmpl-c","object":"chat.completion","model":"gpt-x",)"
                               R"("choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],)"
                               R"("usage":{"prompt_tokens":100,"completion_tokens":7,"total_tokens":107,)"
                               R"("prompt_tokens_details":{"cached_tokens":60}}})");
        const auto usage = m->getObject("usage");
        CPPUNIT_ASSERT_EQUAL(40, usage->getValue<int>("input_tokens"));
        CPPUNIT_ASSERT_EQUAL(60, usage->getValue<int>("cache_read_input_tokens"));
        CPPUNIT_ASSERT_EQUAL(7, usage->getValue<int>("output_tokens"));
    }

    void testToolCalls()
    {
        const auto m = message(completion(
            R"({"role":"assistant","content":null,"tool_calls":[)"
            R"({"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\",\"days\":2}"}},)"
            R"({"id":"call_2","type":"function","function":{"name":"get_time","arguments":"{}"}}]})",
            "tool_calls"));
        const auto content = m->getArray("content");
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), content->size()); // no text block for null content
        const auto first = content->getObject(0);
        CPPUNIT_ASSERT_EQUAL(std::string("tool_use"), first->getValue<std::string>("type"));
        CPPUNIT_ASSERT_EQUAL(std::string("call_1"), first->getValue<std::string>("id"));
        CPPUNIT_ASSERT_EQUAL(std::string("get_weather"), first->getValue<std::string>("name"));
        CPPUNIT_ASSERT_EQUAL(std::string("Paris"), first->getObject("input")->getValue<std::string>("city"));
        CPPUNIT_ASSERT_EQUAL(2, first->getObject("input")->getValue<int>("days"));
        const auto second = content->getObject(1);
        CPPUNIT_ASSERT_EQUAL(std::string("tool_use"), second->getValue<std::string>("type"));
        CPPUNIT_ASSERT_EQUAL(std::string("call_2"), second->getValue<std::string>("id"));
        CPPUNIT_ASSERT_EQUAL(std::string("get_time"), second->getValue<std::string>("name"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), second->getObject("input")->size());
        CPPUNIT_ASSERT_EQUAL(std::string("tool_use"), m->getValue<std::string>("stop_reason"));

        // Text and a tool call: the text block first.
        const auto both = message(completion(
            R"({"role":"assistant","content":"Let me look.","tool_calls":[)"
            R"({"id":"call_9","type":"function","function":{"name":"f","arguments":"{\"x\":1}"}}]})",
            "tool_calls"));
        const auto blocks = both->getArray("content");
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), blocks->size());
        CPPUNIT_ASSERT_EQUAL(std::string("text"), blocks->getObject(0)->getValue<std::string>("type"));
        CPPUNIT_ASSERT_EQUAL(std::string("Let me look."), blocks->getObject(0)->getValue<std::string>("text"));
        CPPUNIT_ASSERT_EQUAL(std::string("call_9"), blocks->getObject(1)->getValue<std::string>("id"));
        CPPUNIT_ASSERT_EQUAL(1, blocks->getObject(1)->getObject("input")->getValue<int>("x"));
    }

    void testArgumentsThatAreNoObject()
    {
        for (const char* arguments : {"", "[1]", "oops", "42", "\\\"s\\\"", "{\\\"a\\\":"})
        {
            const std::string body = completion(
                std::string(R"({"role":"assistant","content":null,"tool_calls":[)"
                            R"({"id":"call_1","type":"function","function":{"name":"f","arguments":")") +
                    arguments + R"("}}]})",
                "tool_calls");
            const auto m = message(body);
            const auto block = m->getArray("content")->getObject(0);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(body, std::string("tool_use"), block->getValue<std::string>("type"));
            const auto input = block->getObject("input");
            CPPUNIT_ASSERT_MESSAGE(body, !input.isNull());
            CPPUNIT_ASSERT_EQUAL_MESSAGE(body, std::size_t(0), input->size());
        }
    }

    void testStopReasons()
    {
        const std::string text = R"({"role":"assistant","content":"x"})";
        CPPUNIT_ASSERT_EQUAL(std::string("max_tokens"), message(completion(text, "length"))->getValue<std::string>("stop_reason"));
        CPPUNIT_ASSERT_EQUAL(std::string("refusal"),
                             message(completion(text, "content_filter"))->getValue<std::string>("stop_reason"));
        CPPUNIT_ASSERT_EQUAL(std::string("tool_use"),
                             message(completion(text, "function_call"))->getValue<std::string>("stop_reason"));
        CPPUNIT_ASSERT_EQUAL(std::string("end_turn"), message(completion(text, "stop"))->getValue<std::string>("stop_reason"));
        CPPUNIT_ASSERT_EQUAL(std::string("end_turn"), std::string(stopReasonOf("stop")));
        CPPUNIT_ASSERT_EQUAL(std::string("end_turn"), std::string(stopReasonOf("")));
        CPPUNIT_ASSERT_EQUAL(std::string("max_tokens"), std::string(stopReasonOf("length")));
        CPPUNIT_ASSERT_EQUAL(std::string("tool_use"), std::string(stopReasonOf("tool_calls")));
        CPPUNIT_ASSERT_EQUAL(std::string("tool_use"), std::string(stopReasonOf("function_call")));
        CPPUNIT_ASSERT_EQUAL(std::string("refusal"), std::string(stopReasonOf("content_filter")));
    }

    void testNotACompletion()
    {
        for (const char* body : {"", "not json", "[1,2]", "{}", R"({"id":"chatcmpl-1","choices":[]})",
                                 R"({"id":"chatcmpl-1","choices":[{"index":0}]})", R"({"id":"chatcmpl-1","choices":"x"})",
                                 R"({"error":{"message":"m","type":"invalid_request_error"}})"})
            CPPUNIT_ASSERT_MESSAGE(body, !messageFromChatCompletion(body).has_value());
    }

    void testMessageIds()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("msg_abc"), messageIdOf("chatcmpl-abc"));
        CPPUNIT_ASSERT_EQUAL(std::string("msg_xyz"), messageIdOf("a-b-xyz"));
        CPPUNIT_ASSERT_EQUAL(std::string("msg_plain"), messageIdOf("plain"));
        CPPUNIT_ASSERT_EQUAL(std::string("msg_abc"), messageIdOf("msg_abc"));
        CPPUNIT_ASSERT_EQUAL(std::string("msg_01-x"), messageIdOf("msg_01-x"));
        // In a Message, too.
        const std::string text = R"({"role":"assistant","content":"x"})";
        CPPUNIT_ASSERT_EQUAL(std::string("msg_abc"),
                             message(completion(text, "stop", "msg_abc"))->getValue<std::string>("id"));
        CPPUNIT_ASSERT_EQUAL(std::string("msg_q7"), message(completion(text, "stop", "chatcmpl-x-q7"))->getValue<std::string>("id"));
    }

    void testErrors()
    {
        const std::string openAi = R"({"error":{"message":"m","type":"invalid_request_error","param":null,"code":"model_not_found"}})";
        const auto notFound = anthropicErrorFromOpenAi(openAi, 404);
        CPPUNIT_ASSERT(notFound.has_value());
        const auto body = parse(*notFound);
        CPPUNIT_ASSERT_EQUAL(std::string("error"), body->getValue<std::string>("type"));
        CPPUNIT_ASSERT_EQUAL(std::string("not_found_error"), body->getObject("error")->getValue<std::string>("type"));
        CPPUNIT_ASSERT_EQUAL(std::string("m"), body->getObject("error")->getValue<std::string>("message"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), body->getObject("error")->size()); // no param, no code

        auto typeFor = [&](int status) {
            const auto out = anthropicErrorFromOpenAi(openAi, status);
            CPPUNIT_ASSERT(out.has_value());
            return parse(*out)->getObject("error")->getValue<std::string>("type");
        };
        CPPUNIT_ASSERT_EQUAL(std::string("rate_limit_error"), typeFor(429));
        CPPUNIT_ASSERT_EQUAL(std::string("invalid_request_error"), typeFor(400));
        CPPUNIT_ASSERT_EQUAL(std::string("authentication_error"), typeFor(401));
        CPPUNIT_ASSERT_EQUAL(std::string("api_error"), typeFor(500));

        for (const char* other : {"", "not json", "{}", R"({"error":"text"})", R"({"id":"chatcmpl-1","choices":[]})"})
            CPPUNIT_ASSERT_MESSAGE(other, !anthropicErrorFromOpenAi(other, 500).has_value());
    }

    void testTextStream()
    {
        const auto events = eventsOf(translateAll({
            chunk(R"({"role":"assistant","content":""})"),
            chunk(R"({"content":"Hel"})"),
            chunk(R"({"content":"lo, "})"),
            chunk(R"({"content":"wor\"ld\""})"),
            chunk("{}", "\"stop\""),
            UsageChunk,
            "[DONE]",
        }));
        CPPUNIT_ASSERT_EQUAL(std::string("message_start,content_block_start,content_block_delta,content_block_delta,"
                                         "content_block_delta,content_block_stop,message_delta,message_stop"),
                             join(typesOf(events)));
        const auto start = events[0].data->getObject("message");
        CPPUNIT_ASSERT_EQUAL(std::string("msg_s1"), start->getValue<std::string>("id"));
        CPPUNIT_ASSERT_EQUAL(std::string("gpt-x"), start->getValue<std::string>("model"));
        CPPUNIT_ASSERT_EQUAL(std::string("message"), start->getValue<std::string>("type"));
        CPPUNIT_ASSERT_EQUAL(std::string("assistant"), start->getValue<std::string>("role"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), start->getArray("content")->size());
        CPPUNIT_ASSERT(start->isNull("stop_reason"));

        CPPUNIT_ASSERT_EQUAL(0, events[1].data->getValue<int>("index"));
        const auto block = events[1].data->getObject("content_block");
        CPPUNIT_ASSERT_EQUAL(std::string("text"), block->getValue<std::string>("type"));
        CPPUNIT_ASSERT_EQUAL(std::string(""), block->getValue<std::string>("text"));
        CPPUNIT_ASSERT_EQUAL(std::string("Hello, wor\"ld\""), deltasAt(events, 0, "text_delta"));
        CPPUNIT_ASSERT_EQUAL(0, only(events, "content_block_stop").data->getValue<int>("index"));

        const auto delta = only(events, "message_delta").data;
        CPPUNIT_ASSERT_EQUAL(std::string("end_turn"), delta->getObject("delta")->getValue<std::string>("stop_reason"));
        CPPUNIT_ASSERT(delta->getObject("delta")->isNull("stop_sequence"));
        CPPUNIT_ASSERT_EQUAL(12, delta->getObject("usage")->getValue<int>("input_tokens"));
        CPPUNIT_ASSERT_EQUAL(5, delta->getObject("usage")->getValue<int>("output_tokens"));
    }

    void testStreamTextThenToolCall()
    {
        const auto events = eventsOf(translateAll({
            chunk(R"({"role":"assistant","content":""})"),
            chunk(R"({"content":"Checking."})"),
            toolCallStart(0, "call_abc", "get_weather"),
            toolCallArguments(0, R"({"city")"),
            toolCallArguments(0, R"(: "Paris"})"),
            chunk("{}", "\"tool_calls\""),
            UsageChunk,
            "[DONE]",
        }));
        CPPUNIT_ASSERT_EQUAL(std::string("message_start,content_block_start,content_block_delta,content_block_stop,"
                                         "content_block_start,content_block_delta,content_block_delta,"
                                         "content_block_stop,message_delta,message_stop"),
                             join(typesOf(events)));
        CPPUNIT_ASSERT_EQUAL(std::string("Checking."), deltasAt(events, 0, "text_delta"));
        CPPUNIT_ASSERT_EQUAL(0, events[3].data->getValue<int>("index")); // the text block closed first
        CPPUNIT_ASSERT_EQUAL(1, events[4].data->getValue<int>("index"));
        const auto tool = events[4].data->getObject("content_block");
        CPPUNIT_ASSERT_EQUAL(std::string("tool_use"), tool->getValue<std::string>("type"));
        CPPUNIT_ASSERT_EQUAL(std::string("call_abc"), tool->getValue<std::string>("id"));
        CPPUNIT_ASSERT_EQUAL(std::string("get_weather"), tool->getValue<std::string>("name"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), tool->getObject("input")->size());
        const std::string arguments = deltasAt(events, 1, "input_json_delta");
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"city": "Paris"})"), arguments);
        CPPUNIT_ASSERT_EQUAL(std::string("Paris"), parse(arguments)->getValue<std::string>("city"));
        CPPUNIT_ASSERT_EQUAL(1, events[7].data->getValue<int>("index"));
        CPPUNIT_ASSERT_EQUAL(std::string("tool_use"),
                             only(events, "message_delta").data->getObject("delta")->getValue<std::string>("stop_reason"));
    }

    void testStreamParallelToolCalls()
    {
        const auto events = eventsOf(translateAll({
            chunk(R"({"role":"assistant","content":null})"),
            toolCallStart(0, "call_1", "get_weather"),
            toolCallArguments(0, R"({"city":"Paris"})"),
            toolCallStart(1, "call_2", "get_time"),
            toolCallArguments(1, R"({"tz":)"),
            toolCallArguments(1, R"("CET"})"),
            chunk("{}", "\"tool_calls\""),
            R"({"id":"chatcmpl-s1","model":"gpt-x","choices":[],)"
            R"("usage":{"prompt_tokens":12,"completion_tokens":9,"prompt_tokens_details":{"cached_tokens":8}}})",
            "[DONE]",
        }));
        CPPUNIT_ASSERT_EQUAL(std::string("message_start,content_block_start,content_block_delta,content_block_stop,"
                                         "content_block_start,content_block_delta,content_block_delta,"
                                         "content_block_stop,message_delta,message_stop"),
                             join(typesOf(events)));
        // Cached prompt tokens are read from the cache, not input.
        const auto usage = only(events, "message_delta").data->getObject("usage");
        CPPUNIT_ASSERT_EQUAL(4, usage->getValue<int>("input_tokens"));
        CPPUNIT_ASSERT_EQUAL(8, usage->getValue<int>("cache_read_input_tokens"));
        CPPUNIT_ASSERT_EQUAL(9, usage->getValue<int>("output_tokens"));
        std::vector<Object::Ptr> starts;
        for (const auto& e : events)
            if (e.type == "content_block_start")
                starts.push_back(e.data);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), starts.size());
        CPPUNIT_ASSERT_EQUAL(0, starts[0]->getValue<int>("index"));
        CPPUNIT_ASSERT_EQUAL(std::string("call_1"), starts[0]->getObject("content_block")->getValue<std::string>("id"));
        CPPUNIT_ASSERT_EQUAL(std::string("get_weather"), starts[0]->getObject("content_block")->getValue<std::string>("name"));
        CPPUNIT_ASSERT_EQUAL(1, starts[1]->getValue<int>("index"));
        CPPUNIT_ASSERT_EQUAL(std::string("call_2"), starts[1]->getObject("content_block")->getValue<std::string>("id"));
        CPPUNIT_ASSERT_EQUAL(std::string("get_time"), starts[1]->getObject("content_block")->getValue<std::string>("name"));
        CPPUNIT_ASSERT_EQUAL(std::string("Paris"),
                             parse(deltasAt(events, 0, "input_json_delta"))->getValue<std::string>("city"));
        CPPUNIT_ASSERT_EQUAL(std::string("CET"), parse(deltasAt(events, 1, "input_json_delta"))->getValue<std::string>("tz"));
        CPPUNIT_ASSERT_EQUAL(std::string("tool_use"),
                             only(events, "message_delta").data->getObject("delta")->getValue<std::string>("stop_reason"));
    }

    void testStreamError()
    {
        MessagesFromChatStream stream;
        const auto before = eventsOf(translateAll({chunk(R"({"role":"assistant","content":""})"), chunk(R"({"content":"Hi"})")},
                                                  stream));
        CPPUNIT_ASSERT_EQUAL(std::string("message_start,content_block_start,content_block_delta"), join(typesOf(before)));

        std::string out;
        stream.translate("data: {\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}\n\n", out);
        const auto events = eventsOf(out);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), events.size());
        CPPUNIT_ASSERT_EQUAL(std::string("error"), events[0].type);
        CPPUNIT_ASSERT_EQUAL(std::string("error"), events[0].data->getValue<std::string>("type"));
        CPPUNIT_ASSERT_EQUAL(std::string("api_error"), events[0].data->getObject("error")->getValue<std::string>("type"));
        CPPUNIT_ASSERT_EQUAL(std::string("boom"), events[0].data->getObject("error")->getValue<std::string>("message"));

        // Nothing after it.
        std::string after;
        stream.translate("data: " + chunk(R"({"content":"more"})") + "\n\n", after);
        stream.translate("data: " + UsageChunk + "\n\n", after);
        stream.translate("data: [DONE]\n\n", after);
        CPPUNIT_ASSERT_EQUAL(std::string(), after);
    }

    void testStreamDoneAlone()
    {
        const auto events = eventsOf(translateAll({"[DONE]"}));
        CPPUNIT_ASSERT_EQUAL(std::string("message_start,message_delta,message_stop"), join(typesOf(events)));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), events[0].data->getObject("message")->getArray("content")->size());
        CPPUNIT_ASSERT_EQUAL(std::string("end_turn"),
                             events[1].data->getObject("delta")->getValue<std::string>("stop_reason"));
        CPPUNIT_ASSERT_EQUAL(0, events[1].data->getObject("usage")->getValue<int>("output_tokens"));
        // A second [DONE] adds nothing.
        MessagesFromChatStream stream;
        std::string out;
        stream.translate("data: [DONE]\n\n", out);
        const auto length = out.size();
        stream.translate("data: [DONE]\n\n", out);
        CPPUNIT_ASSERT_EQUAL(length, out.size());
    }

    void testStreamCrlfAndMultiLineData()
    {
        MessagesFromChatStream stream;
        std::string out;
        stream.translate("data: " + chunk(R"({"role":"assistant","content":"A"})") + "\r\n\r\n", out);
        // One chunk spread over data lines (joined by newlines, which JSON takes as space),
        // without the optional space after "data:", with CRLF and a comment line.
        stream.translate(": keep-alive\r\n"
                         "data: {\"id\":\"chatcmpl-s1\",\"object\":\"chat.completion.chunk\",\r\n"
                         "data:\"model\":\"gpt-x\",\"choices\":[{\"index\":0,\r\n"
                         "data: \"delta\":{\"content\":\"B\"},\"finish_reason\":null}]}\r\n\r\n",
                         out);
        stream.translate("data: " + chunk("{}", "\"length\"") + "\r\n\r\n", out);
        stream.translate("data: {\"id\":\"chatcmpl-s1\",\"choices\":[],\r\n"
                         "data: \"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}\r\n\r\n",
                         out);
        stream.translate("data: [DONE]\r\n\r\n", out);
        const auto events = eventsOf(out);
        CPPUNIT_ASSERT_EQUAL(std::string("message_start,content_block_start,content_block_delta,content_block_delta,"
                                         "content_block_stop,message_delta,message_stop"),
                             join(typesOf(events)));
        CPPUNIT_ASSERT_EQUAL(std::string("AB"), deltasAt(events, 0, "text_delta"));
        const auto delta = only(events, "message_delta").data;
        CPPUNIT_ASSERT_EQUAL(std::string("max_tokens"), delta->getObject("delta")->getValue<std::string>("stop_reason"));
        CPPUNIT_ASSERT_EQUAL(3, delta->getObject("usage")->getValue<int>("input_tokens"));
        CPPUNIT_ASSERT_EQUAL(2, delta->getObject("usage")->getValue<int>("output_tokens"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(MessagesFromChatTest);
