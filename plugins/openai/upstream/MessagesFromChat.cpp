#include "MessagesFromChat.h"
#include "JsonTree.h"
#include "portico/Json.h"
#include "Poco/JSON/Array.h"
#include "Poco/JSON/Object.h"

namespace portico::openai {

namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using jsontree::numberOf;
using jsontree::parseObject;
using jsontree::stringOf;

/// A tool call's arguments as a tool_use input: the object they spell, else {}.
std::string inputOf(const std::string& arguments)
{
    const Object::Ptr input = parseObject(arguments);
    return input ? arguments : std::string("{}");
}

} // namespace

const char* stopReasonOf(std::string_view finishReason)
{
    if (finishReason == "length")
        return "max_tokens";
    if (finishReason == "tool_calls" || finishReason == "function_call")
        return "tool_use";
    if (finishReason == "content_filter")
        return "refusal";
    return "end_turn";
}

std::string messageIdOf(std::string_view chatId)
{
    if (chatId.substr(0, 4) == "msg_")
        return std::string(chatId); // a message's own id, kept by the upstream's translation
    const std::size_t dash = chatId.rfind('-');
    return "msg_" + std::string(dash == std::string_view::npos ? chatId : chatId.substr(dash + 1));
}

std::optional<std::string> messageFromChatCompletion(std::string_view body)
{
    const Object::Ptr completion = parseObject(body);
    if (!completion)
        return std::nullopt;
    const Array::Ptr choices = completion->getArray("choices");
    const Object::Ptr choice = choices && choices->size() > 0 ? choices->getObject(0) : nullptr;
    const Object::Ptr message = choice ? choice->getObject("message") : nullptr;
    if (!message)
        return std::nullopt;
    std::string out = "{\"id\":" + jsonString(messageIdOf(stringOf(*completion, "id"))) +
                      ",\"type\":\"message\",\"role\":\"assistant\",\"model\":" +
                      jsonString(stringOf(*completion, "model")) + ",\"container\":null,\"content\":[";
    bool first = true;
    const std::string text = stringOf(*message, "content");
    if (!text.empty())
    {
        out += "{\"type\":\"text\",\"text\":" + jsonString(text) + "}";
        first = false;
    }
    if (const Array::Ptr calls = message->getArray("tool_calls"))
        for (std::size_t i = 0; i < calls->size(); ++i)
        {
            const Object::Ptr call = calls->getObject(static_cast<unsigned>(i));
            const Object::Ptr function = call ? call->getObject("function") : nullptr;
            if (!function)
                continue;
            out += first ? "" : ",";
            out += "{\"type\":\"tool_use\",\"id\":" + jsonString(stringOf(*call, "id")) +
                   ",\"name\":" + jsonString(stringOf(*function, "name")) +
                   ",\"input\":" + inputOf(stringOf(*function, "arguments")) + "}";
            first = false;
        }
    const Object::Ptr usage = completion->getObject("usage");
    const Object::Ptr details = usage ? usage->getObject("prompt_tokens_details") : nullptr;
    const long long cached = numberOf(details.get(), "cached_tokens");
    out += "],\"stop_reason\":";
    out += jsonString(stopReasonOf(stringOf(*choice, "finish_reason")));
    out += ",\"stop_sequence\":null,\"stop_details\":null,\"usage\":{\"input_tokens\":" +
           std::to_string(numberOf(usage.get(), "prompt_tokens") - cached) +
           ",\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":" + std::to_string(cached) +
           ",\"output_tokens\":" + std::to_string(numberOf(usage.get(), "completion_tokens")) + "}}";
    return out;
}

std::optional<std::string> anthropicErrorFromOpenAi(std::string_view body, int status)
{
    const Object::Ptr answer = parseObject(body);
    const Object::Ptr error = answer ? answer->getObject("error") : nullptr;
    if (!error)
        return std::nullopt;
    return anthropicErrorBody(anthropicErrorType(status), stringOf(*error, "message"));
}

} // namespace portico::openai
