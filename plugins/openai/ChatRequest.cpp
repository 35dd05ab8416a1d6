#include "ChatRequest.h"
#include "ConversationParsing.h"
#include "JsonBody.h"
#include "ResponsesRequest.h"
#include <cstdint>
#include <limits>

namespace portico::openai {

namespace {

std::vector<std::string> parseStop(const FieldReader& fields)
{
    if (!fields.present("stop"))
        return {};
    const Poco::Dynamic::Var stop = fields.raw("stop");
    if (stop.isString())
        return {stop.extract<std::string>()};
    if (!isJsonArray(stop))
        throw wrongType("stop", "a string or an array of strings", stop);
    const auto& array = *stop.extract<Poco::JSON::Array::Ptr>();
    if (array.size() > 4)
        throw RequestError::invalid("stop",
                                    "Invalid 'stop': array too long. Expected an array with maximum length 4, but got "
                                    "an array with length " +
                                        std::to_string(array.size()) + " instead.",
                                    "array_above_max_length");
    std::vector<std::string> sequences;
    for (std::size_t i = 0; i < array.size(); ++i)
        sequences.push_back(stringValue(array.get(static_cast<unsigned>(i)), "stop[" + std::to_string(i) + "]"));
    return sequences;
}

void checkIgnored(const FieldReader& fields)
{
    fields.number("temperature", 0, 2);
    fields.number("top_p", 0, 1);
    fields.number("frequency_penalty", -2, 2);
    fields.number("presence_penalty", -2, 2);
    fields.integer("seed", std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max());
    fields.string("user");
    fields.boolean("logprobs");
    fields.integer("top_logprobs", 0, 20);
    fields.object("logit_bias");
    fields.object("response_format");
    fields.array("tools");
    fields.array("functions");
    fields.boolean("parallel_tool_calls");
    fields.boolean("store");
    fields.string("service_tier");
    fields.string("reasoning_effort");
    fields.string("verbosity");
    fields.array("modalities");
    fields.object("prediction");
    fields.string("prompt_cache_key");
    fields.string("safety_identifier");
    for (const char* choice : {"tool_choice", "function_call"})
        if (fields.present(choice))
        {
            const Poco::Dynamic::Var value = fields.raw(choice);
            if (!value.isString() && !isJsonObject(value))
                throw wrongType(choice, "a string or an object", value);
        }
}

} // namespace

ChatRequest ChatRequest::parse(const Poco::JSON::Object& body, const LocalBackendConfig& limits)
{
    FieldReader fields(body);
    fields.rejectUnknown({"model", "messages", "max_tokens", "max_completion_tokens", "n", "stop", "stream",
                          "stream_options", "metadata", "temperature", "top_p", "frequency_penalty",
                          "presence_penalty", "seed", "user", "logprobs", "top_logprobs", "logit_bias",
                          "response_format", "tools", "tool_choice", "parallel_tool_calls", "functions",
                          "function_call", "store", "service_tier", "reasoning_effort", "verbosity", "modalities",
                          "prediction", "prompt_cache_key", "safety_identifier"});
    ChatRequest request;
    request.model = fields.requiredString("model");
    request.conversation.turns = parseChatMessages(fields.array("messages"));

    const auto maxCompletion = fields.integer("max_completion_tokens", 1, limits.maxOutputTokens);
    const auto maxTokens = fields.integer("max_tokens", 1, limits.maxOutputTokens);
    if (maxCompletion && maxTokens)
        throw RequestError::invalid("max_tokens",
                                    "'max_tokens' and 'max_completion_tokens' cannot both be set; use "
                                    "'max_completion_tokens'.",
                                    "invalid_request");
    request.maxTokens = maxCompletion ? maxCompletion : maxTokens;
    request.n = static_cast<std::size_t>(fields.integer("n", 1, 128).value_or(1));
    request.stop = parseStop(fields);
    request.stream = fields.boolean("stream").value_or(false);
    if (const auto options = fields.object("stream_options"))
    {
        if (!request.stream)
            throw RequestError::invalid("stream_options",
                                        "Invalid 'stream_options': only allowed when 'stream' is true.");
        FieldReader optionFields(*options, "stream_options");
        optionFields.rejectUnknown({"include_usage", "include_obfuscation"});
        request.includeUsage = optionFields.boolean("include_usage").value_or(false);
        optionFields.boolean("include_obfuscation");
    }
    metadataJson(fields.object("metadata"));
    checkIgnored(fields);
    return request;
}

} // namespace portico::openai
