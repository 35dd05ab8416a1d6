#include "ResponseShapes.h"
#include "JsonWriter.h"

namespace portico::openai {

namespace {

void writeOptionalString(JsonWriter& w, const char* key, const std::optional<std::string>& value)
{
    if (value)
        w.field(key, *value);
    else
        w.nullField(key);
}

void writeOptionalInt(JsonWriter& w, const char* key, const std::optional<std::int64_t>& value)
{
    if (value)
        w.field(key, *value);
    else
        w.nullField(key);
}

void writeUsage(JsonWriter& w, const ResponseState& state)
{
    if (!state.hasUsage)
    {
        w.nullField("usage");
        return;
    }
    w.key("usage")
        .beginObject()
        .field("input_tokens", state.inputTokens)
        .key("input_tokens_details")
        .beginObject()
        .field("cached_tokens", 0)
        .endObject()
        .field("output_tokens", state.outputTokens)
        .key("output_tokens_details")
        .beginObject()
        .field("reasoning_tokens", 0)
        .endObject()
        .field("total_tokens", state.inputTokens + state.outputTokens)
        .endObject();
}

void writeTextPart(JsonWriter& w, const std::string& text)
{
    w.beginObject()
        .field("type", "output_text")
        .key("annotations")
        .beginArray()
        .endArray()
        .key("logprobs")
        .beginArray()
        .endArray()
        .field("text", text)
        .endObject();
}

} // namespace

std::string outputTextPartJson(const std::string& text)
{
    JsonWriter w;
    writeTextPart(w, text);
    return w.take();
}

std::string messageItemJson(const ResponseState& state, bool inProgress)
{
    const char* status = inProgress ? "in_progress" : (state.cutAtMaxTokens ? "incomplete" : "completed");
    JsonWriter w;
    w.beginObject()
        .field("id", state.messageId)
        .field("type", "message")
        .field("status", status)
        .key("content")
        .beginArray();
    if (!inProgress)
        writeTextPart(w, state.text);
    w.endArray().field("role", "assistant").endObject();
    return w.take();
}

std::string responseJson(const ResponseState& state)
{
    const ResponseSettings& s = *state.settings;
    JsonWriter w;
    w.beginObject()
        .field("id", state.id)
        .field("object", "response")
        .field("created_at", state.createdAt)
        .field("status", state.status)
        .field("background", false);
    writeOptionalInt(w, "completed_at", state.completedAt);
    w.nullField("error");
    if (state.cutAtMaxTokens)
        w.key("incomplete_details").beginObject().field("reason", "max_output_tokens").endObject();
    else
        w.nullField("incomplete_details");
    writeOptionalString(w, "instructions", s.instructions);
    writeOptionalInt(w, "max_output_tokens", s.maxOutputTokens);
    writeOptionalInt(w, "max_tool_calls", s.maxToolCalls);
    w.field("model", state.model).key("output").beginArray();
    if (state.hasMessage)
        w.raw(messageItemJson(state, state.status == "in_progress"));
    w.endArray()
        .field("parallel_tool_calls", s.parallelToolCalls)
        .nullField("previous_response_id");
    writeOptionalString(w, "prompt_cache_key", s.promptCacheKey);
    w.rawField("reasoning", s.reasoningJson);
    writeOptionalString(w, "safety_identifier", s.safetyIdentifier);
    w.field("service_tier", "default")
        .field("store", s.store)
        .field("temperature", s.temperature)
        .rawField("text", s.textJson)
        .rawField("tool_choice", s.toolChoiceJson)
        .rawField("tools", s.toolsJson);
    writeOptionalInt(w, "top_logprobs", s.topLogprobs);
    w.field("top_p", s.topP).field("truncation", s.truncation);
    writeUsage(w, state);
    writeOptionalString(w, "user", s.user);
    w.rawField("metadata", s.metadataJson).endObject();
    return w.take();
}

std::string ResponseEvents::lifecycle(const char* type, const ResponseState& state)
{
    JsonWriter w;
    w.beginObject()
        .field("type", type)
        .field("sequence_number", sequence_++)
        .rawField("response", responseJson(state))
        .endObject();
    return w.take();
}

std::string ResponseEvents::outputItem(const char* type, const ResponseState& state, bool inProgress)
{
    JsonWriter w;
    w.beginObject()
        .field("type", type)
        .field("sequence_number", sequence_++)
        .field("output_index", 0)
        .rawField("item", messageItemJson(state, inProgress))
        .endObject();
    return w.take();
}

std::string ResponseEvents::contentPart(const char* type, const ResponseState& state, const std::string& text)
{
    JsonWriter w;
    w.beginObject()
        .field("type", type)
        .field("sequence_number", sequence_++)
        .field("item_id", state.messageId)
        .field("output_index", 0)
        .field("content_index", 0)
        .rawField("part", outputTextPartJson(text))
        .endObject();
    return w.take();
}

std::string ResponseEvents::textDelta(const ResponseState& state, std::string_view delta)
{
    JsonWriter w;
    w.beginObject()
        .field("type", "response.output_text.delta")
        .field("sequence_number", sequence_++)
        .field("item_id", state.messageId)
        .field("output_index", 0)
        .field("content_index", 0)
        .field("delta", delta)
        .key("logprobs")
        .beginArray()
        .endArray()
        .endObject();
    return w.take();
}

std::string ResponseEvents::textDone(const ResponseState& state)
{
    JsonWriter w;
    w.beginObject()
        .field("type", "response.output_text.done")
        .field("sequence_number", sequence_++)
        .field("item_id", state.messageId)
        .field("output_index", 0)
        .field("content_index", 0)
        .field("text", state.text)
        .key("logprobs")
        .beginArray()
        .endArray()
        .endObject();
    return w.take();
}

std::string ResponseEvents::error(const std::string& code, const std::string& message)
{
    JsonWriter w;
    w.beginObject()
        .field("type", "error")
        .field("sequence_number", sequence_++)
        .field("code", code)
        .field("message", message)
        .nullField("param")
        .key("error")
        .beginObject()
        .field("type", "server_error")
        .field("code", code)
        .field("message", message)
        .nullField("param")
        .endObject()
        .endObject();
    return w.take();
}

} // namespace portico::openai
