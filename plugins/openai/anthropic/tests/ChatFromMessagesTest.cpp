// A /v1/messages request turned into the chat completions request an OpenAI-compatible
// upstream serves (anthropic/ChatFromMessages.h). Each body is validated by
// MessagesRequest::parse first, as the handler does, so the inputs are ones it really gets.

#include "anthropic/AnthropicError.h"
#include "anthropic/ChatFromMessages.h"
#include "anthropic/MessagesRequest.h"
#include "Poco/JSON/Array.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include <cppunit/extensions/HelperMacros.h>
#include <string>

using namespace portico::openai;
using namespace portico::openai::anthropic;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

Object::Ptr parseJson(const std::string& json)
{
    return Poco::JSON::Parser().parse(json).extract<Object::Ptr>();
}

/// The chat request for Messages request `messagesBody` (validated first: fails if invalid).
Object::Ptr chatFor(const std::string& messagesBody)
{
    const Object::Ptr body = parseJson(messagesBody);
    try
    {
        MessagesRequest::parse(*body, LocalBackendConfig{}, MessagesRequest::Kind::Create);
    }
    catch (const AnthropicError& error)
    {
        CPPUNIT_FAIL(std::string("invalid test body: ") + error.what() + "\n" + messagesBody);
    }
    const std::string chat = chatRequestFromMessages(*body);
    try
    {
        return parseJson(chat);
    }
    catch (const Poco::Exception& error)
    {
        CPPUNIT_FAIL("not JSON: " + chat + " (" + error.displayText() + ")");
    }
    return nullptr;
}

std::string request(const std::string& messages, const std::string& fields = "")
{
    return R"({"model":"gpt-x","max_tokens":100,"messages":)" + messages + (fields.empty() ? "" : "," + fields) + "}";
}

const std::string Hello = R"([{"role":"user","content":"Hello"}])";

const std::string WeatherTool =
    R"("tools":[{"name":"get_weather","description":"The weather","input_schema":{"type":"object",)"
    R"("properties":{"city":{"type":"string"}},"required":["city"]}},)"
    R"({"name":"get_time","input_schema":{"type":"object","properties":{}}}])";

std::string str(const Object::Ptr& object, const std::string& key)
{
    CPPUNIT_ASSERT_MESSAGE("no " + key, object && object->has(key));
    return object->getValue<std::string>(key);
}

} // namespace

class ChatFromMessagesTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ChatFromMessagesTest);
    CPPUNIT_TEST(testSystemString);
    CPPUNIT_TEST(testSystemBlocks);
    CPPUNIT_TEST(testUserStringAndNoSystem);
    CPPUNIT_TEST(testUserBlocksAndImages);
    CPPUNIT_TEST(testToolResults);
    CPPUNIT_TEST(testAssistantTextAndToolUse);
    CPPUNIT_TEST(testOptions);
    CPPUNIT_TEST(testNoStreamNoOptions);
    CPPUNIT_TEST(testTools);
    CPPUNIT_TEST(testToolChoice);
    CPPUNIT_TEST_SUITE_END();

public:
    void testSystemString()
    {
        const auto chat = chatFor(request(Hello, R"("system":"Be brief.")"));
        CPPUNIT_ASSERT_EQUAL(std::string("gpt-x"), str(chat, "model"));
        const auto messages = chat->getArray("messages");
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), messages->size());
        CPPUNIT_ASSERT_EQUAL(std::string("system"), str(messages->getObject(0), "role"));
        CPPUNIT_ASSERT_EQUAL(std::string("Be brief."), str(messages->getObject(0), "content"));
        CPPUNIT_ASSERT_EQUAL(std::string("user"), str(messages->getObject(1), "role"));
        CPPUNIT_ASSERT_EQUAL(std::string("Hello"), str(messages->getObject(1), "content"));
    }

    void testSystemBlocks()
    {
        const auto chat = chatFor(request(
            Hello, R"("system":[{"type":"text","text":"Be brief."},)"
                   R"({"type":"text","text":"Use metric units.","cache_control":{"type":"ephemeral"}}])"));
        const auto messages = chat->getArray("messages");
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), messages->size());
        CPPUNIT_ASSERT_EQUAL(std::string("system"), str(messages->getObject(0), "role"));
        CPPUNIT_ASSERT_EQUAL(std::string("Be brief.\nUse metric units."), str(messages->getObject(0), "content"));
    }

    void testUserStringAndNoSystem()
    {
        const auto chat = chatFor(request(R"([{"role":"user","content":"Hi \"there\""},)"
                                          R"({"role":"assistant","content":"Hello!"},)"
                                          R"({"role":"user","content":"Again"}])"));
        const auto messages = chat->getArray("messages");
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), messages->size());
        CPPUNIT_ASSERT_EQUAL(std::string("user"), str(messages->getObject(0), "role"));
        CPPUNIT_ASSERT_EQUAL(std::string("Hi \"there\""), str(messages->getObject(0), "content"));
        CPPUNIT_ASSERT_EQUAL(std::string("assistant"), str(messages->getObject(1), "role"));
        CPPUNIT_ASSERT_EQUAL(std::string("Hello!"), str(messages->getObject(1), "content"));
        CPPUNIT_ASSERT(!messages->getObject(1)->has("tool_calls"));
        CPPUNIT_ASSERT_EQUAL(std::string("Again"), str(messages->getObject(2), "content"));
    }

    void testUserBlocksAndImages()
    {
        const auto chat = chatFor(request(
            R"([{"role":"user","content":[{"type":"text","text":"What is this?"},)"
            R"({"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},)"
            R"({"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}},)"
            R"({"type":"text","text":"And that?"}]}])"));
        const auto messages = chat->getArray("messages");
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), messages->size());
        const auto user = messages->getObject(0);
        CPPUNIT_ASSERT_EQUAL(std::string("user"), str(user, "role"));
        const auto parts = user->getArray("content");
        CPPUNIT_ASSERT(!parts.isNull());
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), parts->size());
        CPPUNIT_ASSERT_EQUAL(std::string("text"), str(parts->getObject(0), "type"));
        CPPUNIT_ASSERT_EQUAL(std::string("What is this?"), str(parts->getObject(0), "text"));
        CPPUNIT_ASSERT_EQUAL(std::string("image_url"), str(parts->getObject(1), "type"));
        CPPUNIT_ASSERT_EQUAL(std::string("data:image/png;base64,iVBORw0KGgo="),
                             str(parts->getObject(1)->getObject("image_url"), "url"));
        CPPUNIT_ASSERT_EQUAL(std::string("image_url"), str(parts->getObject(2), "type"));
        CPPUNIT_ASSERT_EQUAL(std::string("https://example.com/cat.jpg"),
                             str(parts->getObject(2)->getObject("image_url"), "url"));
        CPPUNIT_ASSERT_EQUAL(std::string("And that?"), str(parts->getObject(3), "text"));
    }

    void testToolResults()
    {
        const auto chat = chatFor(request(
            R"([{"role":"user","content":"Weather in Paris and Rome?"},)"
            R"({"role":"assistant","content":[{"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Paris"}},)"
            R"({"type":"tool_use","id":"call_2","name":"get_weather","input":{"city":"Rome"}}]},)"
            R"({"role":"user","content":[{"type":"text","text":"Here you are."},)"
            R"({"type":"tool_result","tool_use_id":"call_1","content":"18C"},)"
            R"({"type":"tool_result","tool_use_id":"call_2","content":[{"type":"text","text":"21C"},{"type":"text","text":"sunny"}]}]}])",
            WeatherTool));
        const auto messages = chat->getArray("messages");
        CPPUNIT_ASSERT_EQUAL(std::size_t(5), messages->size());
        CPPUNIT_ASSERT_EQUAL(std::string("assistant"), str(messages->getObject(1), "role"));
        // The tool messages first, in order, then the user's text.
        const auto first = messages->getObject(2);
        CPPUNIT_ASSERT_EQUAL(std::string("tool"), str(first, "role"));
        CPPUNIT_ASSERT_EQUAL(std::string("call_1"), str(first, "tool_call_id"));
        CPPUNIT_ASSERT_EQUAL(std::string("18C"), str(first, "content"));
        const auto second = messages->getObject(3);
        CPPUNIT_ASSERT_EQUAL(std::string("tool"), str(second, "role"));
        CPPUNIT_ASSERT_EQUAL(std::string("call_2"), str(second, "tool_call_id"));
        CPPUNIT_ASSERT_EQUAL(std::string("21C\nsunny"), str(second, "content"));
        const auto user = messages->getObject(4);
        CPPUNIT_ASSERT_EQUAL(std::string("user"), str(user, "role"));
        const auto parts = user->getArray("content");
        CPPUNIT_ASSERT(!parts.isNull());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), parts->size());
        CPPUNIT_ASSERT_EQUAL(std::string("text"), str(parts->getObject(0), "type"));
        CPPUNIT_ASSERT_EQUAL(std::string("Here you are."), str(parts->getObject(0), "text"));

        // Tool results alone: tool messages and no user message.
        const auto alone = chatFor(request(
            R"([{"role":"user","content":"Weather?"},)"
            R"({"role":"assistant","content":[{"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Paris"}}]},)"
            R"({"role":"user","content":[{"type":"tool_result","tool_use_id":"call_1","content":"18C"}]}])",
            WeatherTool));
        const auto aloneMessages = alone->getArray("messages");
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), aloneMessages->size());
        CPPUNIT_ASSERT_EQUAL(std::string("tool"), str(aloneMessages->getObject(2), "role"));
        CPPUNIT_ASSERT_EQUAL(std::string("18C"), str(aloneMessages->getObject(2), "content"));
    }

    void testAssistantTextAndToolUse()
    {
        const auto chat = chatFor(request(
            R"([{"role":"user","content":"Weather?"},)"
            R"({"role":"assistant","content":[{"type":"text","text":"Let me check."},)"
            R"({"type":"tool_use","id":"toolu_01","name":"get_weather","input":{"city":"Paris","days":2,"opts":{"unit":"c"}}}]},)"
            R"({"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01","content":"18C"}]}])",
            WeatherTool));
        const auto messages = chat->getArray("messages");
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), messages->size());
        const auto assistant = messages->getObject(1);
        CPPUNIT_ASSERT_EQUAL(std::string("assistant"), str(assistant, "role"));
        CPPUNIT_ASSERT_EQUAL(std::string("Let me check."), str(assistant, "content"));
        const auto calls = assistant->getArray("tool_calls");
        CPPUNIT_ASSERT(!calls.isNull());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), calls->size());
        const auto call = calls->getObject(0);
        CPPUNIT_ASSERT_EQUAL(std::string("toolu_01"), str(call, "id"));
        CPPUNIT_ASSERT_EQUAL(std::string("function"), str(call, "type"));
        CPPUNIT_ASSERT_EQUAL(std::string("get_weather"), str(call->getObject("function"), "name"));
        // The arguments are JSON text: parsed back, the input.
        const auto arguments = parseJson(str(call->getObject("function"), "arguments"));
        CPPUNIT_ASSERT_EQUAL(std::string("Paris"), str(arguments, "city"));
        CPPUNIT_ASSERT_EQUAL(2, arguments->getValue<int>("days"));
        CPPUNIT_ASSERT_EQUAL(std::string("c"), str(arguments->getObject("opts"), "unit"));
        CPPUNIT_ASSERT_EQUAL(std::string("toolu_01"), str(messages->getObject(2), "tool_call_id"));

        // tool_use alone: content null.
        const auto bare = chatFor(request(
            R"([{"role":"user","content":"Weather?"},)"
            R"({"role":"assistant","content":[{"type":"tool_use","id":"toolu_02","name":"get_time","input":{}}]},)"
            R"({"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_02","content":"noon"}]}])",
            WeatherTool));
        const auto bareAssistant = bare->getArray("messages")->getObject(1);
        CPPUNIT_ASSERT(bareAssistant->has("content") && bareAssistant->isNull("content"));
        const auto bareCall = bareAssistant->getArray("tool_calls")->getObject(0);
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), parseJson(str(bareCall->getObject("function"), "arguments"))->size());
    }

    void testOptions()
    {
        const auto chat = chatFor(request(Hello, R"("temperature":0.5,"top_p":0.9,"top_k":40,)"
                                                 R"("stop_sequences":["END","STOP"],"metadata":{"user_id":"u-42"},)"
                                                 R"("stream":true)"));
        CPPUNIT_ASSERT_EQUAL(100, chat->getValue<int>("max_tokens"));
        CPPUNIT_ASSERT_EQUAL(0.5, chat->getValue<double>("temperature"));
        CPPUNIT_ASSERT_EQUAL(0.9, chat->getValue<double>("top_p"));
        CPPUNIT_ASSERT(!chat->has("top_k"));
        const auto stop = chat->getArray("stop");
        CPPUNIT_ASSERT(!stop.isNull());
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), stop->size());
        CPPUNIT_ASSERT_EQUAL(std::string("END"), stop->getElement<std::string>(0));
        CPPUNIT_ASSERT_EQUAL(std::string("STOP"), stop->getElement<std::string>(1));
        CPPUNIT_ASSERT(!chat->has("stop_sequences"));
        CPPUNIT_ASSERT_EQUAL(std::string("u-42"), str(chat, "user"));
        CPPUNIT_ASSERT(!chat->has("metadata"));
        CPPUNIT_ASSERT(chat->getValue<bool>("stream"));
        CPPUNIT_ASSERT(chat->getObject("stream_options")->getValue<bool>("include_usage"));
        CPPUNIT_ASSERT(!chat->has("tools"));
        CPPUNIT_ASSERT(!chat->has("tool_choice"));
    }

    void testNoStreamNoOptions()
    {
        const auto chat = chatFor(request(Hello, R"("stream":false)"));
        CPPUNIT_ASSERT_EQUAL(100, chat->getValue<int>("max_tokens"));
        for (const char* key : {"stream", "stream_options", "temperature", "top_p", "stop", "user", "tools",
                                "tool_choice", "parallel_tool_calls", "system", "max_completion_tokens"})
            CPPUNIT_ASSERT_MESSAGE(key, !chat->has(key));
    }

    void testTools()
    {
        const auto chat = chatFor(request(Hello, WeatherTool));
        const auto tools = chat->getArray("tools");
        CPPUNIT_ASSERT(!tools.isNull());
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), tools->size());
        const auto weather = tools->getObject(0);
        CPPUNIT_ASSERT_EQUAL(std::string("function"), str(weather, "type"));
        const auto function = weather->getObject("function");
        CPPUNIT_ASSERT_EQUAL(std::string("get_weather"), str(function, "name"));
        CPPUNIT_ASSERT_EQUAL(std::string("The weather"), str(function, "description"));
        const auto parameters = function->getObject("parameters");
        CPPUNIT_ASSERT_EQUAL(std::string("object"), str(parameters, "type"));
        CPPUNIT_ASSERT_EQUAL(std::string("string"), str(parameters->getObject("properties")->getObject("city"), "type"));
        CPPUNIT_ASSERT_EQUAL(std::string("city"), parameters->getArray("required")->getElement<std::string>(0));
        const auto time = tools->getObject(1)->getObject("function");
        CPPUNIT_ASSERT_EQUAL(std::string("get_time"), str(time, "name"));
        CPPUNIT_ASSERT(!time->has("description"));
        CPPUNIT_ASSERT_EQUAL(std::string("object"), str(time->getObject("parameters"), "type"));
        CPPUNIT_ASSERT(!chat->has("tool_choice")); // none given: chat's default
        CPPUNIT_ASSERT(!chat->has("parallel_tool_calls"));
    }

    void testToolChoice()
    {
        auto choiceFor = [](const std::string& choice) { return chatFor(request(Hello, WeatherTool + ",\"tool_choice\":" + choice)); };
        CPPUNIT_ASSERT_EQUAL(std::string("auto"), str(choiceFor(R"({"type":"auto"})"), "tool_choice"));
        CPPUNIT_ASSERT_EQUAL(std::string("required"), str(choiceFor(R"({"type":"any"})"), "tool_choice"));
        CPPUNIT_ASSERT_EQUAL(std::string("none"), str(choiceFor(R"({"type":"none"})"), "tool_choice"));
        const auto named = choiceFor(R"({"type":"tool","name":"get_weather"})")->getObject("tool_choice");
        CPPUNIT_ASSERT(!named.isNull());
        CPPUNIT_ASSERT_EQUAL(std::string("function"), str(named, "type"));
        CPPUNIT_ASSERT_EQUAL(std::string("get_weather"), str(named->getObject("function"), "name"));

        const auto serial = choiceFor(R"({"type":"auto","disable_parallel_tool_use":true})");
        CPPUNIT_ASSERT_EQUAL(std::string("auto"), str(serial, "tool_choice"));
        CPPUNIT_ASSERT(serial->has("parallel_tool_calls"));
        CPPUNIT_ASSERT(!serial->getValue<bool>("parallel_tool_calls"));
        const auto serialAny = choiceFor(R"({"type":"any","disable_parallel_tool_use":true})");
        CPPUNIT_ASSERT_EQUAL(std::string("required"), str(serialAny, "tool_choice"));
        CPPUNIT_ASSERT(!serialAny->getValue<bool>("parallel_tool_calls"));
        const auto serialTool = choiceFor(R"({"type":"tool","name":"get_time","disable_parallel_tool_use":true})");
        CPPUNIT_ASSERT_EQUAL(std::string("get_time"), str(serialTool->getObject("tool_choice")->getObject("function"), "name"));
        CPPUNIT_ASSERT(!serialTool->getValue<bool>("parallel_tool_calls"));
        CPPUNIT_ASSERT(!choiceFor(R"({"type":"auto","disable_parallel_tool_use":false})")->has("parallel_tool_calls"));
        CPPUNIT_ASSERT(!choiceFor(R"({"type":"auto"})")->has("parallel_tool_calls"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ChatFromMessagesTest);
