#include "AnthropicAnswer.h"
#include "AnthropicAnswerScan.h"
#include "JsonTree.h"
#include "Poco/JSON/Array.h"
#include "Poco/JSON/Object.h"
#include <chrono>

namespace portico::openai {

namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;
using jsontree::numberOf;
using jsontree::parseObject;
using jsontree::stringOf;
using jsontree::toJson;

Object::Ptr ordered()
{
    return new Object(Poco::JSON_PRESERVE_KEY_ORDER);
}

} // namespace

std::string finishReasonOf(std::string_view stopReason)
{
    if (stopReason == "max_tokens")
        return "length";
    if (stopReason == "tool_use")
        return "tool_calls";
    if (stopReason == "refusal")
        return "content_filter";
    return "stop"; // end_turn, stop_sequence, pause_turn
}

std::optional<std::string> chatCompletionFromMessage(std::string_view body)
{
    const long long created =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    if (auto scanned = scannedChatCompletion(body, created))
        return scanned;
    return chatCompletionFromMessageByPoco(body, created);
}

std::optional<std::string> chatCompletionFromMessageByPoco(std::string_view body, long long created)
{
    const Object::Ptr message = parseObject(body);
    if (!message || stringOf(*message, "type") != "message")
        return std::nullopt;
    std::string content;
    bool hasText = false;
    Array::Ptr toolCalls = new Array;
    if (const Array::Ptr blocks = message->getArray("content"))
        for (std::size_t i = 0; i < blocks->size(); ++i)
        {
            const Object::Ptr block = blocks->getObject(i);
            if (!block)
                continue;
            const std::string type = stringOf(*block, "type");
            if (type == "text")
            {
                content += stringOf(*block, "text");
                hasText = true;
            }
            else if (type == "tool_use")
            {
                Object::Ptr function = ordered();
                function->set("name", stringOf(*block, "name"));
                function->set("arguments", block->has("input") ? toJson(block->get("input")) : std::string("{}"));
                Object::Ptr call = ordered();
                call->set("id", stringOf(*block, "id"));
                call->set("type", "function");
                call->set("function", function);
                toolCalls->add(call);
            }
            // thinking and redacted_thinking blocks have no chat counterpart: left out.
        }
    Object::Ptr assistant = ordered();
    assistant->set("role", "assistant");
    if (hasText || toolCalls->size() == 0)
        assistant->set("content", content);
    else
        assistant->set("content", Var());
    assistant->set("refusal", Var());
    if (toolCalls->size() > 0)
        assistant->set("tool_calls", toolCalls);
    Object::Ptr choice = ordered();
    choice->set("index", 0);
    choice->set("message", assistant);
    choice->set("logprobs", Var());
    choice->set("finish_reason", finishReasonOf(stringOf(*message, "stop_reason")));
    Array::Ptr choices = new Array;
    choices->add(choice);

    long long input = 0, output = 0, cacheRead = 0, cacheWrite = 0;
    if (const Object::Ptr usage = message->getObject("usage"))
    {
        input = numberOf(usage.get(), "input_tokens");
        output = numberOf(usage.get(), "output_tokens");
        cacheRead = numberOf(usage.get(), "cache_read_input_tokens");
        cacheWrite = numberOf(usage.get(), "cache_creation_input_tokens");
    }
    Object::Ptr usage = ordered();
    usage->set("prompt_tokens", input + cacheRead + cacheWrite);
    usage->set("completion_tokens", output);
    usage->set("total_tokens", input + cacheRead + cacheWrite + output);
    Object::Ptr details = ordered();
    details->set("cached_tokens", cacheRead);
    usage->set("prompt_tokens_details", details);

    Object::Ptr chat = ordered();
    chat->set("id", stringOf(*message, "id"));
    chat->set("object", "chat.completion");
    chat->set("created", created);
    chat->set("model", stringOf(*message, "model"));
    chat->set("choices", choices);
    chat->set("usage", usage);
    return toJson(chat);
}

std::optional<std::string> openAiErrorFromAnthropic(std::string_view body)
{
    const Object::Ptr answer = parseObject(body);
    if (!answer || stringOf(*answer, "type") != "error")
        return std::nullopt;
    const Object::Ptr error = answer->getObject("error");
    if (!error)
        return std::nullopt;
    const std::string type = stringOf(*error, "type");
    Object::Ptr out = ordered();
    out->set("message", stringOf(*error, "message"));
    // OpenAI's types where one means the same; the Anthropic type stays as the code.
    out->set("type", type == "invalid_request_error" || type == "not_found_error" ? "invalid_request_error"
                     : type == "authentication_error" || type == "permission_error" ? "invalid_request_error"
                     : type == "rate_limit_error" ? "rate_limit_exceeded"
                                                  : "server_error");
    out->set("param", Var());
    out->set("code", type);
    Object::Ptr wrapper = ordered();
    wrapper->set("error", out);
    return toJson(wrapper);
}

} // namespace portico::openai
