#include "ChatFromMessages.h"
#include "JsonTree.h"
#include "JsonWriter.h"
#include "Poco/JSON/Array.h"

namespace portico::openai::anthropic {

namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;
using jsontree::stringOf;
using jsontree::toJson;

bool present(const Object& object, const std::string& key)
{
    return object.has(key) && !object.isNull(key);
}

void appendLine(std::string& text, const std::string& line)
{
    if (!text.empty())
        text += '\n';
    text += line;
}

/// Each block of a validated content array, as an object.
template <typename F>
void eachBlock(const Var& content, F&& f)
{
    const Array& blocks = *content.extract<Array::Ptr>();
    for (std::size_t i = 0; i < blocks.size(); ++i)
        f(*blocks.getObject(static_cast<unsigned>(i)));
}

/// A system prompt or a tool result's content: a string, or text blocks (images skipped: a
/// chat tool message carries text only).
std::string textOf(const Var& content)
{
    if (content.isEmpty())
        return {};
    if (content.isString())
        return content.extract<std::string>();
    std::string text;
    eachBlock(content, [&text](const Object& block) {
        if (stringOf(block, "type") == "text")
            appendLine(text, stringOf(block, "text"));
    });
    return text;
}

void writeImagePart(JsonWriter& w, const Object& block)
{
    const Object::Ptr source = block.getObject("source");
    const std::string url = stringOf(*source, "type") == "base64"
                                ? "data:" + stringOf(*source, "media_type") + ";base64," + stringOf(*source, "data")
                                : stringOf(*source, "url");
    w.beginObject()
        .field("type", "image_url")
        .key("image_url")
        .beginObject()
        .field("url", url)
        .endObject()
        .endObject();
}

void writeUser(JsonWriter& w, const Var& content)
{
    if (content.isString())
    {
        w.beginObject().field("role", "user").field("content", content.extract<std::string>()).endObject();
        return;
    }
    // Tool results first: chat wants them right after the assistant's tool calls.
    bool other = false;
    eachBlock(content, [&](const Object& block) {
        if (stringOf(block, "type") != "tool_result")
        {
            other = true;
            return;
        }
        w.beginObject()
            .field("role", "tool")
            .field("tool_call_id", stringOf(block, "tool_use_id"))
            .field("content", textOf(block.get("content")))
            .endObject();
    });
    if (!other)
        return;
    w.beginObject().field("role", "user").key("content").beginArray();
    eachBlock(content, [&w](const Object& block) {
        const std::string type = stringOf(block, "type");
        if (type == "text")
            w.beginObject().field("type", "text").field("text", stringOf(block, "text")).endObject();
        else if (type == "image")
            writeImagePart(w, block);
    });
    w.endArray().endObject();
}

void writeAssistant(JsonWriter& w, const Var& content)
{
    w.beginObject().field("role", "assistant");
    if (content.isString())
    {
        w.field("content", content.extract<std::string>()).endObject();
        return;
    }
    std::string text;
    bool tools = false;
    eachBlock(content, [&](const Object& block) {
        const std::string type = stringOf(block, "type");
        if (type == "text")
            text += stringOf(block, "text");
        tools = tools || type == "tool_use";
    });
    if (text.empty() && tools)
        w.nullField("content");
    else
        w.field("content", text);
    if (tools)
    {
        w.key("tool_calls").beginArray();
        eachBlock(content, [&w](const Object& block) {
            if (stringOf(block, "type") != "tool_use")
                return;
            w.beginObject()
                .field("id", stringOf(block, "id"))
                .field("type", "function")
                .key("function")
                .beginObject()
                .field("name", stringOf(block, "name"))
                .field("arguments", toJson(block.get("input")))
                .endObject()
                .endObject();
        });
        w.endArray();
    }
    w.endObject();
}

void writeTools(JsonWriter& w, const Array& tools)
{
    w.key("tools").beginArray();
    for (std::size_t i = 0; i < tools.size(); ++i)
    {
        const Object& tool = *tools.getObject(static_cast<unsigned>(i));
        w.beginObject().field("type", "function").key("function").beginObject().field("name", stringOf(tool, "name"));
        if (present(tool, "description"))
            w.field("description", stringOf(tool, "description"));
        w.rawField("parameters", toJson(tool.get("input_schema"))).endObject().endObject();
    }
    w.endArray();
}

void writeToolChoice(JsonWriter& w, const Object& choice)
{
    const std::string type = stringOf(choice, "type");
    if (type == "tool")
        w.key("tool_choice")
            .beginObject()
            .field("type", "function")
            .key("function")
            .beginObject()
            .field("name", stringOf(choice, "name"))
            .endObject()
            .endObject();
    else
        w.field("tool_choice", type == "any" ? "required" : type); // "auto", "none"
    const Var parallel = choice.get("disable_parallel_tool_use");
    if (type != "none" && parallel.isBoolean() && parallel.extract<bool>())
        w.field("parallel_tool_calls", false);
}

} // namespace

std::string chatRequestFromMessages(const Object& body)
{
    JsonWriter w;
    w.beginObject().field("model", stringOf(body, "model"));
    w.key("messages").beginArray();
    if (present(body, "system"))
        w.beginObject().field("role", "system").field("content", textOf(body.get("system"))).endObject();
    const Array& messages = *body.getArray("messages");
    for (std::size_t i = 0; i < messages.size(); ++i)
    {
        const Object& message = *messages.getObject(static_cast<unsigned>(i));
        if (stringOf(message, "role") == "user")
            writeUser(w, message.get("content"));
        else
            writeAssistant(w, message.get("content"));
    }
    w.endArray();
    if (present(body, "max_tokens"))
        w.rawField("max_tokens", toJson(body.get("max_tokens")));
    for (const char* key : {"temperature", "top_p"})
        if (present(body, key))
            w.rawField(key, toJson(body.get(key)));
    if (present(body, "stop_sequences"))
        w.rawField("stop", toJson(body.get("stop_sequences")));
    if (const Object::Ptr metadata = body.getObject("metadata"); metadata && present(*metadata, "user_id"))
        w.field("user", stringOf(*metadata, "user_id"));
    const Var stream = body.get("stream");
    if (stream.isBoolean() && stream.extract<bool>())
        w.field("stream", true).key("stream_options").beginObject().field("include_usage", true).endObject();
    if (const Array::Ptr tools = body.getArray("tools"); tools && tools->size() > 0)
    {
        writeTools(w, *tools);
        if (const Object::Ptr choice = body.getObject("tool_choice"))
            writeToolChoice(w, *choice);
    }
    w.endObject();
    return w.take();
}

} // namespace portico::openai::anthropic
