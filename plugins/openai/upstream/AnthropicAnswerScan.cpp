#include "AnthropicAnswerScan.h"
#include "AnthropicAnswer.h"
#include "JsonWalk.h"
#include "portico/Json.h"

namespace portico::openai {

namespace {

using namespace jsonwalk;

/// An answer nests a tool's input at most this deep before the scanner gives up (then Poco).
constexpr std::size_t MaxDepth = 64;

long long count(Raw value)
{
    return absent(value) ? 0 : integer(value);
}

std::string translate(Raw message, long long created)
{
    const Walk walk(MaxDepth);
    Raw type, id, model, content, stopReason, usage;
    walk.members(message, [&](Raw key, Raw value) {
        if (key == "type") take(type, value);
        else if (key == "id") take(id, value);
        else if (key == "model") take(model, value);
        else if (key == "content") take(content, value);
        else if (key == "stop_reason") take(stopReason, value);
        else if (key == "usage") take(usage, value);
    });
    if (plain(type) != "message")
        throw NotPlain{};

    std::string text;
    bool hasText = false;
    std::string toolCalls;
    if (!absent(content))
        walk.elements(content, [&](Raw block) {
            Raw blockType, blockText, blockId, name, input;
            walk.members(block, [&](Raw key, Raw value) {
                if (key == "type") take(blockType, value);
                else if (key == "text") take(blockText, value);
                else if (key == "id") take(blockId, value);
                else if (key == "name") take(name, value);
                else if (key == "input") take(input, value);
            });
            const Raw kind = plain(blockType);
            if (kind == "text")
            {
                text += inner(blockText);
                hasText = true;
            }
            else if (kind == "tool_use")
            {
                if (!toolCalls.empty())
                    toolCalls += ',';
                toolCalls += "{\"id\":\"";
                toolCalls += inner(blockId);
                toolCalls += "\",\"type\":\"function\",\"function\":{\"name\":\"";
                toolCalls += inner(name);
                toolCalls += "\",\"arguments\":";
                if (!input.empty() && !isObjectText(input))
                    throw NotPlain{};
                toolCalls += jsonString(input.empty() ? Raw("{}") : input);
                toolCalls += "}}";
            }
            // thinking and redacted_thinking blocks have no chat counterpart: left out.
        });
    const std::string finish = absent(stopReason) ? std::string("stop") : finishReasonOf(plain(stopReason));

    long long input = 0, output = 0, cacheRead = 0, cacheWrite = 0;
    if (!absent(usage))
    {
        Raw in, out, read, write;
        walk.members(usage, [&](Raw key, Raw value) {
            if (key == "input_tokens") take(in, value);
            else if (key == "output_tokens") take(out, value);
            else if (key == "cache_read_input_tokens") take(read, value);
            else if (key == "cache_creation_input_tokens") take(write, value);
        });
        input = count(in);
        output = count(out);
        cacheRead = count(read);
        cacheWrite = count(write);
    }
    const long long prompt = input + cacheRead + cacheWrite;

    std::string chat;
    chat.reserve(message.size() + 256);
    chat += "{\"id\":\"";
    chat += inner(id);
    chat += "\",\"object\":\"chat.completion\",\"created\":";
    chat += std::to_string(created);
    chat += ",\"model\":\"";
    chat += inner(model);
    chat += "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":";
    if (hasText || toolCalls.empty())
    {
        chat += '"';
        chat += text;
        chat += '"';
    }
    else
        chat += "null";
    chat += ",\"refusal\":null";
    if (!toolCalls.empty())
    {
        chat += ",\"tool_calls\":[";
        chat += toolCalls;
        chat += ']';
    }
    chat += "},\"logprobs\":null,\"finish_reason\":\"";
    chat += finish;
    chat += "\"}],\"usage\":{\"prompt_tokens\":";
    chat += std::to_string(prompt);
    chat += ",\"completion_tokens\":";
    chat += std::to_string(output);
    chat += ",\"total_tokens\":";
    chat += std::to_string(prompt + output);
    chat += ",\"prompt_tokens_details\":{\"cached_tokens\":";
    chat += std::to_string(cacheRead);
    chat += "}}}";
    return chat;
}

} // namespace

std::optional<std::string> scannedChatCompletion(std::string_view message, long long created)
{
    try
    {
        return translate(message, created);
    }
    catch (const NotPlain&)
    {
        return std::nullopt;
    }
}

} // namespace portico::openai
