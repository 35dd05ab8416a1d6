// The tree-less translation of a /v1/messages request into a chat completions request
// (anthropic/ChatFromMessagesScan.h) side by side with the reference it stands in for:
// MessagesRequest::parse (no max_tokens cap) then chatRequestFromMessages on Poco's tree.
// Whenever the scan gives a request, the body is valid and the request is the reference's as a
// JSON value (key order free; a tool call's arguments compared as the JSON they hold). The
// plain shapes must take the scan; every invalid body must be left to the slow path, whose 400
// names the field. The fuzz_messages_scan harness (tests/fuzz) checks the same on any input.

#include "anthropic/AnthropicError.h"
#include "anthropic/ChatFromMessages.h"
#include "anthropic/ChatFromMessagesScan.h"
#include "anthropic/MessagesRequest.h"
#include "JsonBody.h"
#include "Poco/Exception.h"
#include "Poco/JSON/Array.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include <cppunit/extensions/HelperMacros.h>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <vector>

using namespace portico::openai;
using namespace portico::openai::anthropic;
using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

constexpr std::size_t Depth = 64;

Var parseAny(const std::string& json)
{
    return Poco::JSON::Parser().parse(json);
}

bool isObject(const Var& value)
{
    return value.type() == typeid(Object::Ptr);
}

bool isArray(const Var& value)
{
    return value.type() == typeid(Array::Ptr);
}

/// The body as Poco's object, or nothing when it is not JSON or not an object.
Object::Ptr objectOf(const std::string& body)
{
    try
    {
        const Var value = parseAny(body);
        return isObject(value) ? value.extract<Object::Ptr>() : nullptr;
    }
    catch (const Poco::Exception&)
    {
        return nullptr;
    }
}

LocalBackendConfig uncapped()
{
    LocalBackendConfig limits;
    limits.maxOutputTokens = std::numeric_limits<std::int64_t>::max();
    return limits;
}

/// MessagesRequest::parse's refusal of `body`, or nothing when it accepts it.
std::optional<std::string> refusal(const Object& body)
{
    try
    {
        MessagesRequest::parse(body, uncapped(), MessagesRequest::Kind::Create);
        return std::nullopt;
    }
    catch (const AnthropicError& error)
    {
        return std::string(error.what());
    }
}

/// Deep equality of two parsed JSON values; `path` names where, for the message. A tool call's
/// function.arguments (messages.N.tool_calls.N.function.arguments) is compared as the JSON it
/// holds. Numbers: integers exactly, otherwise as doubles (0.1 and 1e-1 are the same number).
bool sameJson(const Var& a, const Var& b, const std::vector<std::string>& path, std::string& why);

std::string pathText(const std::vector<std::string>& path)
{
    std::string text;
    for (const auto& part : path)
        text += (text.empty() ? "" : ".") + part;
    return text.empty() ? "(top)" : text;
}

bool isArgumentsPath(const std::vector<std::string>& path)
{
    return path.size() == 6 && path[0] == "messages" && path[2] == "tool_calls" && path[4] == "function" &&
           path[5] == "arguments";
}

bool sameJson(const Var& a, const Var& b, const std::vector<std::string>& path, std::string& why)
{
    auto differ = [&](const std::string& what) {
        why = pathText(path) + ": " + what;
        return false;
    };
    if (a.isEmpty() || b.isEmpty())
        return a.isEmpty() && b.isEmpty() ? true : differ("null on one side only");
    if (isObject(a) || isObject(b))
    {
        if (!isObject(a) || !isObject(b))
            return differ("object on one side only");
        const Object& x = *a.extract<Object::Ptr>();
        const Object& y = *b.extract<Object::Ptr>();
        if (x.size() != y.size())
            return differ("objects of " + std::to_string(x.size()) + " and " + std::to_string(y.size()) + " members");
        for (const auto& member : x)
        {
            if (!y.has(member.first))
                return differ("member '" + member.first + "' on one side only");
            auto inner = path;
            inner.push_back(member.first);
            if (!sameJson(member.second, y.get(member.first), inner, why))
                return false;
        }
        return true;
    }
    if (isArray(a) || isArray(b))
    {
        if (!isArray(a) || !isArray(b))
            return differ("array on one side only");
        const Array& x = *a.extract<Array::Ptr>();
        const Array& y = *b.extract<Array::Ptr>();
        if (x.size() != y.size())
            return differ("arrays of " + std::to_string(x.size()) + " and " + std::to_string(y.size()) + " items");
        for (unsigned i = 0; i < x.size(); ++i)
        {
            auto inner = path;
            inner.push_back(std::to_string(i));
            if (!sameJson(x.get(i), y.get(i), inner, why))
                return false;
        }
        return true;
    }
    if (a.isBoolean() || b.isBoolean())
    {
        if (!a.isBoolean() || !b.isBoolean())
            return differ("boolean on one side only");
        return a.extract<bool>() == b.extract<bool>() ? true : differ("different booleans");
    }
    if (a.isString() || b.isString())
    {
        if (!a.isString() || !b.isString())
            return differ("string on one side only");
        const std::string x = a.extract<std::string>(), y = b.extract<std::string>();
        if (isArgumentsPath(path))
        {
            Var px, py;
            try
            {
                px = parseAny(x);
                py = parseAny(y);
            }
            catch (const Poco::Exception&)
            {
                return x == y ? true : differ("arguments that are not both JSON and differ: " + x + " | " + y);
            }
            auto inner = path;
            inner.push_back("(as JSON)");
            return sameJson(px, py, inner, why);
        }
        return x == y ? true : differ("strings differ: \"" + x + "\" | \"" + y + "\"");
    }
    if (a.isNumeric() && b.isNumeric())
    {
        if (a.isInteger() && b.isInteger())
            return a.convert<std::string>() == b.convert<std::string>()
                       ? true
                       : differ("integers " + a.convert<std::string>() + " | " + b.convert<std::string>());
        return a.convert<double>() == b.convert<double>()
                   ? true
                   : differ("numbers " + a.convert<std::string>() + " | " + b.convert<std::string>());
    }
    return differ("values of different kinds");
}

/// Why `scanned` is not equivalent to the reference for `body` (valid), or "" when it is.
std::string differenceFromReference(const std::string& body, const std::string& scanned)
{
    const Object::Ptr object = objectOf(body);
    const std::string reference = chatRequestFromMessages(*object);
    Var ref, got;
    try
    {
        ref = parseAny(reference);
    }
    catch (const Poco::Exception& error)
    {
        return "the reference is not JSON: " + reference;
    }
    try
    {
        got = parseAny(scanned);
    }
    catch (const Poco::Exception& error)
    {
        return "the scan's request is not JSON (" + error.displayText() + "): " + scanned;
    }
    std::string why;
    if (!sameJson(ref, got, {}, why))
        return why + "\n  reference: " + reference + "\n  scanned:   " + scanned;
    return {};
}

std::string request(const std::string& messages, const std::string& fields = "")
{
    return R"({"model":"gpt-x","max_tokens":100,"messages":)" + messages + (fields.empty() ? "" : "," + fields) + "}";
}

/// A request with `fields` in place of model and max_tokens (to leave one out or change it).
std::string bare(const std::string& fields)
{
    return "{" + fields + "}";
}

const std::string Hello = R"([{"role":"user","content":"Hello"}])";

const std::string WeatherTool =
    R"("tools":[{"name":"get_weather","description":"The weather","input_schema":{"type":"object",)"
    R"("properties":{"city":{"type":"string"}},"required":["city"]}},)"
    R"({"name":"get_time","input_schema":{"type":"object","properties":{}}}])";

const std::string ToolConversation =
    R"([{"role":"user","content":"Weather in Paris and Rome?"},)"
    R"({"role":"assistant","content":[{"type":"text","text":"Let me check."},)"
    R"({"type":"tool_use","id":"toolu_01","name":"get_weather","input":{"city":"Paris","days":2,"opts":{"unit":"c","hours":[1,2,3],"deep":{"a":{"b":true}}}}},)"
    R"({"type":"tool_use","id":"toolu_02","name":"get_weather","input":{"city":"Rome","ratio":0.5,"neg":-3,"flag":false}}]},)"
    R"({"role":"user","content":[{"type":"text","text":"Here you are."},)"
    R"({"type":"tool_result","tool_use_id":"toolu_01","content":"18C"},)"
    R"({"type":"tool_result","tool_use_id":"toolu_02","is_error":false,"content":[{"type":"text","text":"21C"},)"
    R"({"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},{"type":"text","text":"sunny"}]}]}])";

/// The valid bodies of the usual shapes: the scan must translate each.
std::vector<std::string> plainBodies()
{
    return {
        request(Hello),
        request(Hello, R"("system":"Be \"brief\".\nUse caf\u00e9 \\ and \/ and\ttabs.")"),
        request(R"([{"role":"user","content":"Gr\u00fc\u00dfe \"quoted\" back\\slash\nnew line, caf\u00e9, raw UTF-8: héllo ✓ 😀 日本"}])"),
        request(Hello, R"("system":[{"type":"text","text":"Be brief."},{"type":"text","text":"Use metric units.\n\u00e9"}])"),
        // Empty texts: a newline only between texts, never before the first non-empty one
        // (found by fuzz_messages_scan: the scan wrote "\nMetric units.").
        request(Hello, R"("system":[{"type":"text","text":""},{"type":"text","text":"Metric units."}])"),
        request(Hello, R"("system":[{"type":"text","text":""},{"type":"text","text":""},{"type":"text","text":"a"},)"
                       R"({"type":"text","text":""},{"type":"text","text":"b"}])"),
        request(R"([{"role":"user","content":"Hi \"there\""},{"role":"assistant","content":"Hello!"},)"
                R"({"role":"user","content":"Again"}])"),
        request(R"([{"role":"user","content":[{"type":"text","text":"What is this?"},)"
                R"({"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},)"
                R"({"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg?a=1&b=\u00e9"}},)"
                R"({"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/4AAQ"}},)"
                R"({"type":"image","source":{"type":"base64","media_type":"image/gif","data":"R0lGOD"}},)"
                R"({"type":"image","source":{"type":"base64","media_type":"image/webp","data":"UklGR"}},)"
                R"({"type":"text","text":"And that?"}]}])"),
        request(ToolConversation, WeatherTool),
        request(R"([{"role":"user","content":"Weather?"},)"
                R"({"role":"assistant","content":[{"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Paris"}}]},)"
                R"({"role":"user","content":[{"type":"tool_result","tool_use_id":"call_1","content":"18C","is_error":true}]}])",
                WeatherTool),
        request(R"([{"role":"user","content":"Time?"},)"
                R"({"role":"assistant","content":[{"type":"tool_use","id":"toolu_02","name":"get_time","input":{}}]},)"
                R"({"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_02","content":[{"type":"text","text":"noon"}]},)"
                R"({"type":"text","text":"thanks"}]}])",
                WeatherTool),
        request(R"([{"role":"user","content":"Time?"},)"
                R"({"role":"assistant","content":[{"type":"tool_use","id":"toolu_02","name":"get_time","input":{}}]},)"
                R"({"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_02","content":[{"type":"text","text":""},)"
                R"({"type":"image","source":{"type":"url","url":"https://x/y.png"}},{"type":"text","text":"noon"}]}]}])",
                WeatherTool),
        request(Hello, R"("temperature":0.5,"top_p":0.9,"top_k":40,"stop_sequences":["END","STOP\n","\u00e9"],)"
                       R"("metadata":{"user_id":"u-42"},"stream":true)"),
        request(Hello, R"("temperature":1e-1,"stream":false)"),
        request(Hello, R"("temperature":1,"top_p":1,"top_k":0)"),
        request(Hello, R"("temperature":0,"top_p":0,"stop_sequences":[])"),
        bare(R"("model":"gpt-x","max_tokens":4096,"temperature":0.25,"top_p":2.5E-1,"messages":)" + Hello),
        request(Hello, WeatherTool),
        request(Hello, WeatherTool + R"(,"tool_choice":{"type":"auto"})"),
        request(Hello, WeatherTool + R"(,"tool_choice":{"type":"any"})"),
        request(Hello, WeatherTool + R"(,"tool_choice":{"type":"tool","name":"get_weather"})"),
        request(Hello, WeatherTool + R"(,"tool_choice":{"type":"none"})"),
        request(Hello, WeatherTool + R"(,"tool_choice":{"type":"auto","disable_parallel_tool_use":true})"),
        request(Hello, WeatherTool + R"(,"tool_choice":{"type":"auto","disable_parallel_tool_use":false})"),
        request(Hello, WeatherTool + R"(,"tool_choice":{"type":"any","disable_parallel_tool_use":true})"),
        request(Hello, WeatherTool + R"(,"tool_choice":{"type":"tool","name":"get_time","disable_parallel_tool_use":true})"),
        request(Hello, R"("tools":[{"name":"search-docs_v2","description":"Search \"docs\"\nby caf\u00e9",)"
                       R"("input_schema":{"type":"object","properties":{"q":{"type":"string","description":"the query"},)"
                       R"("limit":{"type":"integer","minimum":1,"maximum":50,"default":10},)"
                       R"("filters":{"type":"array","items":{"type":"string","enum":["a","b"]}}},)"
                       R"("required":["q"],"additionalProperties":false}},)"
                       R"({"name":"get_weather","input_schema":{"type":"object"}},)"
                       R"({"name":"x","description":"","input_schema":{}}],"tool_choice":{"type":"tool","name":"x"})"),
        // Everything at once, with the members in another order.
        R"({"stream":true,"metadata":{"user_id":"user-42_abc"},"tool_choice":{"type":"any"},)" + WeatherTool +
            R"(,"top_k":5,"top_p":0.95,"temperature":0.7,"stop_sequences":["\n\nHuman:"],)"
            R"("system":[{"type":"text","text":"You are helpful."}],"messages":)" +
            ToolConversation + R"(,"max_tokens":1024,"model":"claude-sonnet-4-5"})",
        // Spaces and new lines between the tokens, as a pretty-printer writes them.
        "{\n  \"model\": \"gpt-x\",\n  \"max_tokens\": 256,\n  \"system\": \"Be brief.\",\n"
        "  \"messages\": [\n    {\n      \"role\": \"user\",\n      \"content\": [\n"
        "        { \"type\": \"text\", \"text\": \"Hello\" }\n      ]\n    }\n  ],\n"
        "  \"temperature\" : 0.5 ,\n  \"stream\" : false\n}\n",
    };
}

/// Bodies that MessagesRequest::parse refuses: the scan must give nothing for each.
std::vector<std::string> invalidBodies()
{
    const std::string name65(65, 'a');
    const std::string user257(257, 'u');
    return {
        request(Hello, R"("foo":1)"),                                                             // unknown field
        request(R"([{"role":"user","content":[{"type":"text","text":"x","extra":1}]}])"),         // unknown block field
        request(R"([{"role":"user","content":"x","name":"bob"}])"),                              // unknown message field
        bare(R"("model":5,"max_tokens":100,"messages":)" + Hello),                                // model a number
        bare(R"("max_tokens":100,"messages":)" + Hello),                                          // no model
        bare(R"("model":"gpt-x","max_tokens":"100","messages":)" + Hello),                        // max_tokens a string
        bare(R"("model":"gpt-x","messages":)" + Hello),                                           // no max_tokens
        bare(R"("model":"gpt-x","max_tokens":0,"messages":)" + Hello),                            // max_tokens 0
        bare(R"("model":"gpt-x","max_tokens":-1,"messages":)" + Hello),                           // max_tokens < 0
        bare(R"("model":"gpt-x","max_tokens":1.5,"messages":)" + Hello),                          // fractional
        bare(R"("model":"gpt-x","max_tokens":100,"messages":{"role":"user","content":"x"})"),     // messages an object
        bare(R"("model":"gpt-x","max_tokens":100)"),                                              // no messages
        request("[]"),                                                                            // empty messages
        request(R"([{"role":"system","content":"x"}])"),                                          // role system
        request(R"([{"role":"user"}])"),                                                          // no content
        request(R"([{"role":"user","content":42}])"),                                             // content a number
        request(R"(["hello"])"),                                                                  // message a string
        request(R"([{"role":"user","content":["hello"]}])"),                                      // block a string
        request(R"([{"role":"user","content":[{"type":"text","text":5}]}])"),                     // text a number
        request(R"([{"role":"user","content":[{"type":"video","url":"x"}]}])"),                   // block type video
        request(R"([{"role":"user","content":[{"text":"x"}]}])"),                                 // block without type
        request(Hello, R"("temperature":1.5)"),
        request(Hello, R"("temperature":-0.5)"),
        request(Hello, R"("temperature":"0.5")"),
        request(Hello, R"("top_p":-0.1)"),
        request(Hello, R"("top_p":1.01)"),
        request(Hello, R"("top_k":-1)"),
        request(Hello, R"("top_k":2.5)"),
        request(Hello, R"("stream":"true")"),
        request(Hello, R"("stop_sequences":["END",7])"),
        request(Hello, R"("stop_sequences":"END")"),
        request(Hello, R"("metadata":{"user_id":")" + user257 + R"("})"),
        request(Hello, R"("metadata":{"user_id":"u","session":"s"})"),
        request(Hello, R"("metadata":{"user_id":7})"),
        request(Hello, R"("metadata":"u-1")"),
        request(Hello, R"("system":5)"),
        request(Hello, R"("system":[{"type":"image","source":{"type":"url","url":"https://x"}}])"),
        request(Hello, R"("system":[{"type":"text","text":"x","extra":true}])"),
        request(R"([{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/bmp","data":"Qk0="}}]}])"),
        request(R"([{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png"}}]}])"),
        request(R"([{"role":"user","content":[{"type":"image","source":{"type":"file","file_id":"f"}}]}])"),
        request(R"([{"role":"user","content":[{"type":"image","source":{"type":"url","url":"https://x","detail":"low"}}]}])"),
        request(R"([{"role":"user","content":[{"type":"image"}]}])"),
        request(R"([{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"get_weather"}]}])"),  // no input
        request(R"([{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"get_weather","input":"{}"}]}])"),
        request(R"([{"role":"assistant","content":[{"type":"tool_use","name":"get_weather","input":{}}]}])"), // no id
        request(R"([{"role":"user","content":[{"type":"tool_result","content":"x"}]}])"),       // no tool_use_id
        request(R"([{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","is_error":"yes"}]}])"),
        request(R"([{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":5}]}])"),
        request(R"([{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"tool_use","id":"a","name":"b","input":{}}]}]}])"),
        request(R"([{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"text","text":"x"},{"type":"image","source":{"type":"base64","media_type":"image/tiff","data":"x"}}]}]}])"),
        request(Hello, R"("tools":[{"name":"get weather","input_schema":{"type":"object"}}])"),
        request(Hello, R"("tools":[{"name":")" + name65 + R"(","input_schema":{"type":"object"}}])"),
        request(Hello, R"("tools":[{"name":"","input_schema":{"type":"object"}}])"),
        request(Hello, R"("tools":[{"name":"f","input_schema":{"type":"object"}},{"name":"f","input_schema":{"type":"object"}}])"),
        request(Hello, R"("tools":[{"name":"f","input_schema":{"type":"array"}}])"),
        request(Hello, R"("tools":[{"name":"f"}])"),                                               // no input_schema
        request(Hello, R"("tools":[{"name":"f","input_schema":"object"}])"),
        request(Hello, R"("tools":[{"name":"f","description":3,"input_schema":{"type":"object"}}])"),
        request(Hello, R"("tools":[{"type":"web_search_20250305","name":"web_search"}])"),
        request(Hello, R"("tools":{"name":"f","input_schema":{"type":"object"}})"),
        request(Hello, WeatherTool + R"(,"tool_choice":{"type":"tool","name":"get_news"})"),
        request(Hello, WeatherTool + R"(,"tool_choice":{"type":"tool"})"),
        request(Hello, WeatherTool + R"(,"tool_choice":{"type":"function","name":"get_time"})"),
        request(Hello, WeatherTool + R"(,"tool_choice":{"type":"none","disable_parallel_tool_use":true})"),
        request(Hello, WeatherTool + R"(,"tool_choice":{"type":"auto","disable_parallel_tool_use":"yes"})"),
        request(Hello, WeatherTool + R"(,"tool_choice":"auto")"),
        request(Hello, R"("tool_choice":{"type":"any"})"),
        request(Hello, R"("tool_choice":{"type":"tool","name":"f"})"),
        request(R"([{"role":"user","content":[{"type":"text","text":"x","cache_control":{"type":"persistent"}}]}])"),
    };
}

/// Valid bodies of unusual shapes: the scan may decline them, but what it gives must be right.
std::vector<std::string> unusualBodies()
{
    return {
        request(R"([{"role":"user","content":[{"type":"text","text":"x","cache_control":{"type":"ephemeral"}}]}])"),
        request(Hello, R"("system":[{"type":"text","text":"a","cache_control":{"type":"ephemeral","ttl":"1h"}},{"type":"text","text":"b"}])"),
        request(Hello, R"("tools":[{"name":"f","input_schema":{"type":"object"},"cache_control":{"type":"ephemeral"}}])"),
        request(R"([{"role":"user","content":[{"type":"text","text":"x","citations":[]}]}])"),
        request(R"([{"role":"user","content":[{"type":"image","cache_control":{"type":"ephemeral"},"source":{"type":"url","url":"https://x"}}]}])"),
        request(Hello, R"("system":null)"),
        request(Hello, R"("temperature":null,"top_p":null,"top_k":null,"stream":null,"stop_sequences":null)"),
        request(Hello, R"("metadata":{"user_id":null})"),
        request(Hello, R"("metadata":null,"tools":null,"tool_choice":null)"),
        request(Hello, WeatherTool + R"(,"tool_choice":{"type":"auto","disable_parallel_tool_use":null})"),
        request(Hello, R"("tools":[{"name":"f","description":null,"input_schema":{"type":"object"}}])"),
        request(R"([{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":null,"is_error":null}]}])"),
        request(R"([{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":{"a":null,"b":[null,1,"x"]}}]}])"),
        R"({"model":"a","model":"b","max_tokens":100,"messages":)" + Hello + "}",
        request(R"([{"role":"user","content":"a","content":"b"}])"),
        request(Hello, R"("temperature":0.1,"temperature":0.2)"),
        R"({"mod\u0065l":"gpt-x","max_tokens":100,"messages":)" + Hello + "}",
        request(R"([{"role":"us\u0065r","content":"x"}])"),
        request(R"([{"role":"user","content":[{"type":"t\u0065xt","text":"x"}]}])"),
        request(R"([{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":{"k\u00e9y":"v","a\"b":1}}]}])"),
        request(Hello, R"("tools":[{"name":"f","input_schema":{"type":"object","properties":{"caf\u00e9":{"type":"string"}}}}])"),
        request(Hello, R"("tools":[],"tool_choice":{"type":"auto"})"),
        request(Hello, R"("tool_choice":{"type":"none"})"),
        request(Hello, R"("tool_choice":{"type":"auto","disable_parallel_tool_use":true})"),
        request(Hello, R"("metadata":{})"),
        request(Hello, R"("tools":[{"type":"custom","name":"f","input_schema":{"type":"object"}}])"),
        request(R"([{"role":"user","content":[{"type":"tool_result","tool_use_id":"t"}]}])"),
        request(R"([{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[]}]}])"),
        request(R"([{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":""}]}])"),
        request(R"([{"role":"user","content":""}])"),
        request(R"([{"role":"user","content":[]}])"),
        request(R"([{"role":"assistant","content":[]}])"),
        request(R"([{"role":"assistant","content":[{"type":"text","text":""}]}])"),
        request(R"([{"role":"assistant","content":[{"type":"text","text":""},{"type":"tool_use","id":"t","name":"f","input":{}}]}])"),
        request(R"([{"role":"assistant","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}])"),
        request(R"([{"role":"assistant","content":"first"},{"role":"assistant","content":"second"}])"),
        request(Hello, R"("system":"")"),
        request(Hello, R"("system":[])"),
        request(R"([{"role":"user","content":"emoji \ud83d\ude00 nul \u0000 bell \u0007 \b\f\r"}])"),
        request(Hello, R"("max_tokens":7)"), // given twice
        bare(R"("model":"gpt-x","max_tokens":9223372036854775807,"messages":)" + Hello),
        bare(R"("model":"gpt-x","max_tokens":1e3,"messages":)" + Hello),
        bare(R"("model":"gpt-x","max_tokens":100.0,"messages":)" + Hello),
        request(Hello, R"("temperature":-0,"top_p":1.0,"top_k":1e1)"),
        request(Hello, R"("temperature":5E-1,"top_p":0.000001)"),
        request(Hello, R"("temperature":0.30000000000000004)"),
        request(R"([{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":{"m":-0.0,"e":1E+2,"f":-1.5e-7}}]}])"),
        request(Hello, R"("metadata":{"user_id":"user \u00e9 \"42\""})"),
        request(Hello, R"("metadata":{"user_id":")" + std::string(256, 'u') + R"("})"),
        request(Hello, R"("tools":[{"name":"f","input_schema":{"type":"object","x-n":1.5e300,"deep":[[[[[[[[{"a":[]}]]]]]]]]}}])"),
        bare(R"("model":"","max_tokens":1,"messages":)" + Hello),
        request(Hello, R"("stop_sequences":["", " "])"),
    };
}

/// Neither JSON objects nor anything MessagesRequest::parse reads.
std::vector<std::string> notObjects()
{
    return {
        "",
        "[1,2]",
        "\"text\"",
        "null",
        request(Hello) + " trailing",
        request(Hello).substr(0, 40),
        request(Hello) + "}",
        R"({"model":"gpt-x",})",
        R"({"model":"gpt-x","max_tokens":100,"messages":[{"role":"user","content":"x"}],})",
        R"({'model':'gpt-x'})",
        // Numbers Poco's parser refuses.
        request(R"([{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":{"n":1e400}}]}])"),
        request(R"([{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":{"n":123456789012345678901234567890}}]}])"),
        R"({"model":"gpt-x" /* c */,"max_tokens":100,"messages":[{"role":"user","content":"x"}]})",
    };
}

} // namespace

class ChatFromMessagesScanTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ChatFromMessagesScanTest);
    CPPUNIT_TEST(testPlainShapesAreScannedAsTheReference);
    CPPUNIT_TEST(testInvalidBodiesAreLeftToTheValidation);
    CPPUNIT_TEST(testUnusualBodiesAreRightOrDeclined);
    CPPUNIT_TEST(testNonObjectsAreDeclined);
    CPPUNIT_TEST(testDepthLimit);
    CPPUNIT_TEST(testEquivalenceIsNotVacuous);
    CPPUNIT_TEST_SUITE_END();

public:
    void testPlainShapesAreScannedAsTheReference()
    {
        const auto bodies = plainBodies();
        CPPUNIT_ASSERT(bodies.size() >= 15);
        for (const auto& body : bodies)
        {
            const Object::Ptr object = objectOf(body);
            CPPUNIT_ASSERT_MESSAGE("test body is not a JSON object: " + body, object);
            const auto refused = refusal(*object);
            CPPUNIT_ASSERT_MESSAGE("test body is invalid (" + refused.value_or("") + "): " + body, !refused);
            const auto scanned = scannedChatRequest(body, Depth);
            CPPUNIT_ASSERT_MESSAGE("the scan declined a plain body: " + body, scanned.has_value());
            const std::string difference = differenceFromReference(body, *scanned);
            CPPUNIT_ASSERT_MESSAGE("body: " + body + "\n" + difference, difference.empty());
        }
    }

    void testInvalidBodiesAreLeftToTheValidation()
    {
        const auto bodies = invalidBodies();
        CPPUNIT_ASSERT(bodies.size() >= 25);
        for (const auto& body : bodies)
        {
            const Object::Ptr object = objectOf(body);
            CPPUNIT_ASSERT_MESSAGE("test body is not a JSON object: " + body, object);
            CPPUNIT_ASSERT_MESSAGE("test body is valid: " + body, refusal(*object).has_value());
            const auto scanned = scannedChatRequest(body, Depth);
            CPPUNIT_ASSERT_MESSAGE("the scan translated an invalid body (" + refusal(*object).value_or("") +
                                       "): " + body + "\n  scanned: " + scanned.value_or(""),
                                   !scanned.has_value());
        }
    }

    void testUnusualBodiesAreRightOrDeclined()
    {
        std::size_t taken = 0;
        std::string declined;
        const auto bodies = unusualBodies();
        for (const auto& body : bodies)
        {
            const Object::Ptr object = objectOf(body);
            CPPUNIT_ASSERT_MESSAGE("test body is not a JSON object: " + body, object);
            const auto refused = refusal(*object);
            CPPUNIT_ASSERT_MESSAGE("test body is invalid (" + refused.value_or("") + "): " + body, !refused);
            const auto scanned = scannedChatRequest(body, Depth);
            if (!scanned)
            {
                declined += "\n  " + body;
                continue;
            }
            ++taken;
            const std::string difference = differenceFromReference(body, *scanned);
            CPPUNIT_ASSERT_MESSAGE("body: " + body + "\n" + difference, difference.empty());
        }
        if (std::getenv("PORTICO_SCAN_TEST_VERBOSE"))
            std::cout << "\nunusual bodies: " << taken << " of " << bodies.size() << " scanned; declined:" << declined
                      << "\n";
    }

    void testNonObjectsAreDeclined()
    {
        for (const auto& body : notObjects())
        {
            CPPUNIT_ASSERT_MESSAGE("test body is a JSON object: " + body, !objectOf(body));
            CPPUNIT_ASSERT_MESSAGE("scanned: " + body, !scannedChatRequest(body, Depth).has_value());
        }
    }

    void testDepthLimit()
    {
        // At any max_json_depth, a body the scan translates is one the handler's parse accepts
        // at that depth; at the default it is translated. The tool_use input reaches depth 9.
        const std::string nested = request(
            R"([{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":{"a":{"b":{"c":[1]}}}}]}])");
        const auto deep = scannedChatRequest(nested, Depth);
        CPPUNIT_ASSERT(deep.has_value());
        CPPUNIT_ASSERT(differenceFromReference(nested, *deep).empty());
        for (std::size_t depth = 1; depth <= 12; ++depth)
        {
            const auto scanned = scannedChatRequest(nested, depth);
            if (!scanned)
                continue;
            try
            {
                parseJsonObject(nested, depth);
            }
            catch (const RequestError&)
            {
                CPPUNIT_FAIL("scanned at depth " + std::to_string(depth) + ", beyond the parse's limit");
            }
            CPPUNIT_ASSERT(differenceFromReference(nested, *scanned).empty());
        }
        CPPUNIT_ASSERT(!scannedChatRequest(nested, 4).has_value());
    }

    void testEquivalenceIsNotVacuous()
    {
        // The comparison above: key order, number spelling and the arguments' own spacing are
        // free; anything else is a difference.
        auto same = [](const std::string& a, const std::string& b) {
            std::string why;
            return sameJson(parseAny(a), parseAny(b), {}, why);
        };
        const std::string call = R"({"messages":[{"tool_calls":[{"function":{"arguments":)";
        CPPUNIT_ASSERT(same(R"({"a":1,"b":[0.1,true,null,"x"]})", R"({"b":[1e-1,true,null,"x"],"a":1.0})"));
        CPPUNIT_ASSERT(same(call + R"("{\"x\":1,\"y\":2}"}}]}]})", call + R"("{ \"y\": 2, \"x\": 1 }"}}]}]})"));
        CPPUNIT_ASSERT(!same(call + R"("{\"x\":1}"}}]}]})", call + R"("{\"x\":2}"}}]}]})"));
        CPPUNIT_ASSERT(!same(R"({"arguments":"{\"x\":1}"})", R"({"arguments":"{ \"x\":1}"})"));
        CPPUNIT_ASSERT(!same(R"({"a":1})", R"({"a":1,"b":null})"));
        CPPUNIT_ASSERT(!same(R"({"a":null})", R"({"a":false})"));
        CPPUNIT_ASSERT(!same(R"({"a":"1"})", R"({"a":1})"));
        CPPUNIT_ASSERT(!same(R"({"a":[1,2]})", R"({"a":[2,1]})"));
        CPPUNIT_ASSERT(!same(R"({"a":"x\n"})", R"({"a":"x"})"));
        CPPUNIT_ASSERT(!same(R"({"a":0.5})", R"({"a":0.50001})"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ChatFromMessagesScanTest);
