#include "AnthropicRequestScan.h"
#include "JsonWalk.h"
#include <vector>

namespace portico::openai {

namespace {

using namespace jsonwalk;

/// One Anthropic message being built: its role and its content blocks, comma-separated.
struct Turn
{
    Raw role;
    std::string blocks;
};

void addTurn(std::vector<Turn>& turns, Raw role, const std::string& blocks)
{
    if (blocks.empty())
        return;
    if (!turns.empty() && turns.back().role == role)
    {
        turns.back().blocks += ',';
        turns.back().blocks += blocks;
        return;
    }
    turns.push_back({role, blocks});
}

void appendBlock(std::string& blocks, const std::string& block)
{
    if (!blocks.empty())
        blocks += ',';
    blocks += block;
}

std::string textBlock(Raw text)
{
    std::string block = "{\"type\":\"text\",\"text\":\"";
    block.append(text.data(), text.size());
    block += "\"}";
    return block;
}

std::string imageBlock(const Walk& walk, Raw part)
{
    Raw imageUrl;
    walk.members(part, [&](Raw key, Raw value) {
        if (key == "image_url")
            take(imageUrl, value);
    });
    if (isObjectText(imageUrl))
    {
        Raw url;
        walk.members(imageUrl, [&](Raw key, Raw value) {
            if (key == "url")
                take(url, value);
        });
        imageUrl = url;
    }
    const Raw url = plain(imageUrl);
    std::string block = "{\"type\":\"image\",\"source\":{";
    if (url.compare(0, 5, "data:") == 0)
    {
        const auto semicolon = url.find(';');
        const auto comma = url.find(',');
        if (semicolon == Raw::npos || comma == Raw::npos || url.compare(semicolon, 8, ";base64,") != 0)
            throw NotPlain{};
        block += "\"type\":\"base64\",\"media_type\":\"";
        block += url.substr(5, semicolon - 5);
        block += "\",\"data\":\"";
        block += url.substr(comma + 1);
        block += '"';
    }
    else
    {
        block += "\"type\":\"url\",\"url\":\"";
        block += url;
        block += '"';
    }
    block += "}}";
    return block;
}

/// A content part's `type` and `text` members (empty when absent).
void typeAndText(const Walk& walk, Raw part, Raw& type, Raw& text)
{
    walk.members(part, [&](Raw key, Raw value) {
        if (key == "type")
            take(type, value);
        else if (key == "text")
            take(text, value);
    });
}

/// The text and image blocks of a message's content (a string, an array of parts, or null).
std::string contentBlocks(const Walk& walk, Raw content)
{
    std::string blocks;
    if (absent(content))
        return blocks;
    if (isString(content))
    {
        if (inner(content).size() > 0) // Anthropic refuses empty text blocks
            blocks = textBlock(inner(content));
        return blocks;
    }
    if (!isArray(content))
        throw NotPlain{};
    walk.elements(content, [&](Raw part) {
        Raw type, text;
        typeAndText(walk, part, type, text);
        const Raw kind = plain(type);
        if (kind == "text")
        {
            if (!inner(text).empty())
                appendBlock(blocks, textBlock(inner(text)));
        }
        else if (kind == "image_url")
            appendBlock(blocks, imageBlock(walk, part));
        else
            throw NotPlain{};
    });
    return blocks;
}

/// A message's content as plain text, escapes as written (system messages, tool results).
std::string plainText(const Walk& walk, Raw content)
{
    std::string joined;
    if (absent(content))
        return joined;
    if (isString(content))
        return std::string(inner(content));
    if (!isArray(content))
        throw NotPlain{};
    walk.elements(content, [&](Raw part) {
        Raw type, text;
        typeAndText(walk, part, type, text);
        if (plain(type) != "text")
            throw NotPlain{};
        joined += inner(text);
    });
    return joined;
}

std::string toolUseBlock(const Walk& walk, Raw call)
{
    Raw id, function, name, arguments;
    walk.members(call, [&](Raw key, Raw value) {
        if (key == "id")
            take(id, value);
        else if (key == "function")
            take(function, value);
    });
    walk.members(function, [&](Raw key, Raw value) {
        if (key == "name")
            take(name, value);
        else if (key == "arguments")
            take(arguments, value);
    });
    std::string input = arguments.empty() ? std::string("{}") : unescaped(arguments);
    if (input.empty())
        input = "{}";
    if (!walk.isObject(input))
        throw NotPlain{};
    std::string block = "{\"type\":\"tool_use\",\"id\":\"";
    block += inner(id);
    block += "\",\"name\":\"";
    block += inner(name);
    block += "\",\"input\":";
    block += input;
    block += '}';
    return block;
}

std::string tools(const Walk& walk, Raw list, bool& any)
{
    std::string out = "[";
    walk.elements(list, [&](Raw tool) {
        Raw type, function;
        walk.members(tool, [&](Raw key, Raw value) {
            if (key == "type")
                take(type, value);
            else if (key == "function")
                take(function, value);
        });
        if (plain(type) != "function")
            throw NotPlain{};
        Raw name, description, parameters;
        walk.members(function, [&](Raw key, Raw value) {
            if (key == "name")
                take(name, value);
            else if (key == "description")
                take(description, value);
            else if (key == "parameters")
                take(parameters, value);
        });
        if (any)
            out += ',';
        any = true;
        out += "{\"name\":\"";
        out += inner(name);
        out += '"';
        if (!description.empty() && description != "null")
        {
            out += ",\"description\":\"";
            out += inner(description);
            out += '"';
        }
        out += ",\"input_schema\":";
        if (isObjectText(parameters))
            out += parameters;
        else
            out += "{\"type\":\"object\",\"properties\":{}}";
        out += '}';
    });
    out += ']';
    return out;
}

std::string toolChoice(const Walk& walk, Raw choice, bool noParallel)
{
    std::string type = "auto";
    Raw name;
    if (isString(choice))
    {
        const Raw value = plain(choice);
        if (value == "required")
            type = "any";
        else if (value == "none" || value == "auto")
            type = std::string(value);
        else
            throw NotPlain{};
    }
    else if (isObjectText(choice))
    {
        Raw function;
        walk.members(choice, [&](Raw key, Raw value) {
            if (key == "function")
                take(function, value);
        });
        walk.members(function, [&](Raw key, Raw value) {
            if (key == "name")
                take(name, value);
        });
        inner(name); // a string
        type = "tool";
    }
    else if (!choice.empty() && choice != "null")
        throw NotPlain{};
    std::string out = "{\"type\":\"" + type + '"';
    if (!name.empty())
    {
        out += ",\"name\":";
        out += name;
    }
    if (noParallel && type != "none")
        out += ",\"disable_parallel_tool_use\":true";
    out += '}';
    return out;
}

std::string translate(const Walk& walk, Raw chat, const AnthropicRequestSettings& settings)
{
    Raw model, messages, maxCompletionTokens, maxTokens, n, logprobs, audio, responseFormat, stop, temperature,
        topP, stream, toolList, choice, parallel, user;
    bool hasToolChoice = false;
    walk.members(chat, [&](Raw key, Raw value) {
        if (key == "model") take(model, value);
        else if (key == "messages") take(messages, value);
        else if (key == "max_completion_tokens") take(maxCompletionTokens, value);
        else if (key == "max_tokens") take(maxTokens, value);
        else if (key == "n") take(n, value);
        else if (key == "logprobs") take(logprobs, value);
        else if (key == "audio") take(audio, value);
        else if (key == "response_format") take(responseFormat, value);
        else if (key == "stop") take(stop, value);
        else if (key == "temperature") take(temperature, value);
        else if (key == "top_p") take(topP, value);
        else if (key == "stream") take(stream, value);
        else if (key == "tools") take(toolList, value);
        else if (key == "tool_choice") take(choice, value), hasToolChoice = true;
        else if (key == "parallel_tool_calls") take(parallel, value);
        else if (key == "user") take(user, value);
    });
    // What the translation refuses or reads with care is the full translation's to answer.
    if (!(absent(n) || n == "1") || !(absent(logprobs) || logprobs == "false") || !absent(audio) ||
        !absent(responseFormat))
        throw NotPlain{};

    std::string system;
    std::vector<Turn> turns;
    if (!isArray(messages))
        throw NotPlain{};
    walk.elements(messages, [&](Raw message) {
        Raw role, content, toolCalls, toolCallId;
        walk.members(message, [&](Raw key, Raw value) {
            if (key == "role") take(role, value);
            else if (key == "content") take(content, value);
            else if (key == "tool_calls") take(toolCalls, value);
            else if (key == "tool_call_id") take(toolCallId, value);
        });
        const Raw name = plain(role);
        if (name == "system" || name == "developer")
        {
            const std::string text = plainText(walk, content);
            if (!text.empty())
            {
                if (!system.empty())
                    system += "\\n\\n";
                system += text;
            }
        }
        else if (name == "user")
            addTurn(turns, "user", contentBlocks(walk, content));
        else if (name == "assistant")
        {
            std::string blocks = contentBlocks(walk, content);
            if (!absent(toolCalls))
                walk.elements(toolCalls, [&](Raw call) { appendBlock(blocks, toolUseBlock(walk, call)); });
            addTurn(turns, "assistant", blocks);
        }
        else if (name == "tool")
        {
            std::string block = "{\"type\":\"tool_result\",\"tool_use_id\":\"";
            block += inner(toolCallId);
            block += "\",\"content\":\"";
            block += plainText(walk, content);
            block += "\"}";
            addTurn(turns, "user", block);
        }
        else
            throw NotPlain{};
    });
    if (turns.empty())
        throw NotPlain{};

    std::string out;
    out.reserve(chat.size() + 256);
    out += "{\"model\":\"";
    out += inner(model);
    out += "\",\"max_tokens\":";
    if (!absent(maxCompletionTokens))
    {
        integer(maxCompletionTokens);
        out += maxCompletionTokens;
    }
    else if (!absent(maxTokens))
    {
        integer(maxTokens);
        out += maxTokens;
    }
    else
        out += std::to_string(settings.defaultMaxTokens);
    if (!system.empty())
    {
        out += ",\"system\":\"";
        out += system;
        out += '"';
    }
    out += ",\"messages\":[";
    for (std::size_t i = 0; i < turns.size(); ++i)
    {
        if (i > 0)
            out += ',';
        out += "{\"role\":\"";
        out += turns[i].role;
        out += "\",\"content\":[";
        out += turns[i].blocks;
        out += "]}";
    }
    out += ']';
    if (isString(stop))
    {
        out += ",\"stop_sequences\":[";
        out += stop;
        out += ']';
    }
    else if (isArray(stop))
    {
        out += ",\"stop_sequences\":";
        out += stop;
    }
    else if (!absent(stop))
        throw NotPlain{};
    for (const auto& [field, value] : {std::pair<const char*, Raw>{"temperature", temperature}, {"top_p", topP}})
    {
        if (absent(value))
            continue;
        if (!isNumber(value))
            throw NotPlain{};
        out += ",\"";
        out += field;
        out += "\":";
        out += value;
    }
    if (stream == "true" || stream == "false")
    {
        out += ",\"stream\":";
        out += stream;
    }
    else if (!absent(stream))
        throw NotPlain{};
    if (!(absent(parallel) || parallel == "true" || parallel == "false"))
        throw NotPlain{};
    const bool noParallel = parallel == "false";
    if (isArray(toolList))
    {
        bool any = false;
        const std::string list = tools(walk, toolList, any);
        if (any)
        {
            out += ",\"tools\":";
            out += list;
            if (hasToolChoice || noParallel)
            {
                out += ",\"tool_choice\":";
                out += toolChoice(walk, choice, noParallel);
            }
        }
    }
    else if (!absent(toolList))
        throw NotPlain{};
    if (isString(user))
    {
        out += ",\"metadata\":{\"user_id\":";
        out += user;
        out += '}';
    }
    out += '}';
    return out;
}

} // namespace

std::optional<std::string> scannedAnthropicRequest(std::string_view chatBody, const AnthropicRequestSettings& settings)
{
    try
    {
        return translate(Walk(settings.maxDepth), chatBody, settings);
    }
    catch (const NotPlain&)
    {
        return std::nullopt;
    }
}

} // namespace portico::openai
