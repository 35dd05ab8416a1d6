#include "MessageShapes.h"
#include "JsonWriter.h"
#include "portico/Json.h"

namespace portico::openai::anthropic {

namespace {

void writeUsage(JsonWriter& w, std::size_t input, std::size_t output)
{
    w.key("usage")
        .beginObject()
        .field("input_tokens", input)
        .field("cache_creation_input_tokens", 0)
        .field("cache_read_input_tokens", 0)
        .field("output_tokens", output)
        .field("service_tier", "standard")
        .endObject();
}

void writeEnd(JsonWriter& w, const MessageEnd* end)
{
    if (end)
        w.field("stop_reason", stopReasonName(end->reason));
    else
        w.nullField("stop_reason");
    if (end && end->reason == StopReason::StopSequence)
        w.field("stop_sequence", end->stopSequence);
    else
        w.nullField("stop_sequence");
    w.nullField("stop_details"); // only refusals have details
}

void writeHead(JsonWriter& w, const MessageIdentity& identity)
{
    w.beginObject()
        .field("id", identity.id)
        .field("type", "message")
        .field("role", "assistant")
        .field("model", identity.model)
        .nullField("container");
}

void writeToolUse(JsonWriter& w, const ToolUseBlock& tool, std::string_view input)
{
    w.beginObject()
        .field("type", "tool_use")
        .field("id", tool.id)
        .field("name", tool.name)
        .rawField("input", input)
        .endObject();
}

} // namespace

const char* stopReasonName(StopReason reason)
{
    switch (reason)
    {
    case StopReason::MaxTokens: return "max_tokens";
    case StopReason::StopSequence: return "stop_sequence";
    case StopReason::ToolUse: return "tool_use";
    case StopReason::EndTurn: break;
    }
    return "end_turn";
}

std::string messageJson(const MessageIdentity& identity, std::string_view text, const ToolUseBlock* tool,
                        const MessageEnd& end, std::size_t inputTokens, std::size_t outputTokens)
{
    JsonWriter w;
    writeHead(w, identity);
    w.key("content").beginArray();
    if (tool)
        writeToolUse(w, *tool, tool->inputJson);
    else
        w.beginObject().field("type", "text").field("text", text).endObject();
    w.endArray();
    writeEnd(w, &end);
    writeUsage(w, inputTokens, outputTokens);
    w.endObject();
    return w.take();
}

std::string countTokensJson(std::size_t inputTokens)
{
    JsonWriter w;
    w.beginObject().field("input_tokens", inputTokens).endObject();
    return w.take();
}

namespace events {

std::string messageStart(const MessageIdentity& identity, std::size_t inputTokens)
{
    JsonWriter w;
    w.beginObject().field("type", "message_start").key("message");
    writeHead(w, identity);
    w.key("content").beginArray().endArray();
    writeEnd(w, nullptr);
    writeUsage(w, inputTokens, 0);
    w.endObject().endObject();
    return w.take();
}

std::string textBlockStart(std::size_t index)
{
    JsonWriter w;
    w.beginObject()
        .field("type", "content_block_start")
        .field("index", index)
        .key("content_block")
        .beginObject()
        .field("type", "text")
        .field("text", "")
        .endObject()
        .endObject();
    return w.take();
}

std::string toolUseBlockStart(std::size_t index, const ToolUseBlock& tool)
{
    JsonWriter w;
    w.beginObject().field("type", "content_block_start").field("index", index).key("content_block");
    writeToolUse(w, tool, "{}");
    w.endObject();
    return w.take();
}

namespace {

/// A content_block_delta whose delta is {"type": deltaType, field: value}.
std::string blockDelta(std::size_t index, const char* deltaType, const char* field, std::string_view value)
{
    JsonWriter w;
    w.beginObject()
        .field("type", "content_block_delta")
        .field("index", index)
        .key("delta")
        .beginObject()
        .field("type", deltaType)
        .field(field, value)
        .endObject()
        .endObject();
    return w.take();
}

} // namespace

std::string textDelta(std::size_t index, std::string_view text)
{
    return blockDelta(index, "text_delta", "text", text);
}

std::string inputJsonDelta(std::size_t index, std::string_view partialJson)
{
    return blockDelta(index, "input_json_delta", "partial_json", partialJson);
}

std::string blockStop(std::size_t index)
{
    JsonWriter w;
    w.beginObject().field("type", "content_block_stop").field("index", index).endObject();
    return w.take();
}

std::string messageDelta(const MessageEnd& end, std::size_t inputTokens, std::size_t outputTokens)
{
    JsonWriter w;
    w.beginObject().field("type", "message_delta").key("delta").beginObject();
    writeEnd(w, &end);
    w.endObject()
        .key("usage")
        .beginObject()
        .field("input_tokens", inputTokens)
        .field("output_tokens", outputTokens)
        .endObject()
        .endObject();
    return w.take();
}

std::string messageStop()
{
    return R"({"type":"message_stop"})";
}

std::string ping()
{
    return R"({"type":"ping"})";
}

std::string error(const std::string& type, const std::string& message)
{
    return anthropicErrorBody(type, message);
}

} // namespace events

} // namespace portico::openai::anthropic
