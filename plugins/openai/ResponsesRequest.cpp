#include "ResponsesRequest.h"
#include "ConversationParsing.h"
#include "JsonBody.h"
#include "JsonWriter.h"
#include "Poco/JSON/Stringifier.h"
#include <sstream>

namespace portico::openai {

std::string toJson(const Poco::Dynamic::Var& value)
{
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(value, out, 0, -1);
    return out.str();
}

std::string metadataJson(const Poco::JSON::Object::Ptr& metadata)
{
    if (!metadata)
        return "{}";
    if (metadata->size() > 16)
        throw RequestError::invalid("metadata", "Invalid 'metadata': too many properties. Expected at most 16, but got " +
                                                    std::to_string(metadata->size()) + ".",
                                    "object_above_max_properties");
    JsonWriter w;
    w.beginObject();
    for (const auto& [key, value] : *metadata)
    {
        const std::string param = "metadata." + key;
        if (key.size() > 64)
            throw RequestError::invalid(param, "Invalid 'metadata': keys may be at most 64 characters long.",
                                        "string_above_max_length");
        const std::string text = stringValue(value, param);
        if (text.size() > 512)
            throw RequestError::invalid(param, "Invalid '" + param + "': values may be at most 512 characters long.",
                                        "string_above_max_length");
        w.field(key, text);
    }
    w.endObject();
    return w.take();
}

namespace {

void refuseUnsupported(const FieldReader& fields)
{
    for (const char* key : {"previous_response_id", "conversation", "prompt"})
        if (fields.present(key))
            throw RequestError::invalid(key,
                                        std::string("'") + key + "' is not supported by the local model: it keeps "
                                        "no state between requests.",
                                        "unsupported_parameter");
    if (fields.boolean("background").value_or(false))
        throw RequestError::invalid("background", "'background' mode is not supported by the local model.",
                                    "unsupported_parameter");
}

void readEchoedSettings(const FieldReader& fields, ResponseSettings& s)
{
    s.temperature = fields.number("temperature", 0, 2).value_or(s.temperature);
    s.topP = fields.number("top_p", 0, 1).value_or(s.topP);
    s.parallelToolCalls = fields.boolean("parallel_tool_calls").value_or(s.parallelToolCalls);
    if (const auto tools = fields.array("tools"))
        s.toolsJson = toJson(tools);
    if (fields.present("tool_choice"))
    {
        const Poco::Dynamic::Var choice = fields.raw("tool_choice");
        if (!choice.isString() && !isJsonObject(choice))
            throw wrongType("tool_choice", "a string or an object", choice);
        s.toolChoiceJson = toJson(choice);
    }
    if (const auto text = fields.object("text"))
        s.textJson = toJson(text);
    if (const auto reasoning = fields.object("reasoning"))
        s.reasoningJson = toJson(reasoning);
    s.truncation = fields.string("truncation").value_or(s.truncation);
    if (s.truncation != "auto" && s.truncation != "disabled")
        throw RequestError::invalid("truncation", "Invalid value: '" + s.truncation +
                                                      "'. Supported values are: 'auto' and 'disabled'.");
    s.user = fields.string("user");
    s.safetyIdentifier = fields.string("safety_identifier");
    s.promptCacheKey = fields.string("prompt_cache_key");
    fields.string("prompt_cache_retention");
    fields.string("service_tier");
    s.topLogprobs = fields.integer("top_logprobs", 0, 20);
    s.maxToolCalls = fields.integer("max_tool_calls", 1, 1000000);
    s.store = fields.boolean("store").value_or(s.store);
    if (const auto include = fields.array("include"))
        for (std::size_t i = 0; i < include->size(); ++i)
            stringValue(include->get(static_cast<unsigned>(i)), "include[" + std::to_string(i) + "]");
}

} // namespace

ResponsesRequest ResponsesRequest::parse(const Poco::JSON::Object& body, const LocalBackendConfig& limits)
{
    FieldReader fields(body);
    fields.rejectUnknown({"model", "input", "instructions", "max_output_tokens", "metadata", "stream",
                          "stream_options", "temperature", "top_p", "tools", "tool_choice", "parallel_tool_calls",
                          "text", "reasoning", "truncation", "user", "safety_identifier", "prompt_cache_key",
                          "prompt_cache_retention", "service_tier", "top_logprobs", "max_tool_calls", "store",
                          "include", "previous_response_id", "conversation", "prompt", "background"});
    ResponsesRequest request;
    request.model = fields.requiredString("model");
    refuseUnsupported(fields);
    request.conversation.turns = parseResponsesInput(fields.raw("input"));
    ResponseSettings& s = request.settings;
    s.instructions = fields.string("instructions");
    request.conversation.instructions = s.instructions.value_or("");
    s.maxOutputTokens = fields.integer("max_output_tokens", 1, limits.maxOutputTokens);
    s.metadataJson = metadataJson(fields.object("metadata"));
    request.stream = fields.boolean("stream").value_or(false);
    if (const auto options = fields.object("stream_options"))
    {
        if (!request.stream)
            throw RequestError::invalid("stream_options",
                                        "Invalid 'stream_options': only allowed when 'stream' is true.");
        FieldReader optionFields(*options, "stream_options");
        optionFields.rejectUnknown({"include_obfuscation"});
        optionFields.boolean("include_obfuscation");
    }
    readEchoedSettings(fields, s);
    return request;
}

} // namespace portico::openai
