#include "AnthropicRequest.h"
#include "AnthropicRequestScan.h"
#include "JsonTree.h"
#include "Poco/JSON/Array.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include <vector>

namespace portico::openai {

namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;
using jsontree::toJson;

bool isObject(const Var& value)
{
    return value.type() == typeid(Object::Ptr);
}

bool isArray(const Var& value)
{
    return value.type() == typeid(Array::Ptr);
}

std::string text(const Var& value, const std::string& param)
{
    if (!value.isString())
        throw AnthropicRequestError(param, "Invalid type for '" + param + "': expected a string.");
    return value.extract<std::string>();
}

/// One Anthropic message being built: its role and its content blocks.
struct Turn
{
    std::string role;
    std::vector<Var> blocks;
};

Object::Ptr ordered()
{
    return new Object(Poco::JSON_PRESERVE_KEY_ORDER);
}

Var textBlock(const std::string& content)
{
    Object::Ptr block = ordered();
    block->set("type", "text");
    block->set("text", content);
    return block;
}

/// An image_url part: a data: URL becomes a base64 source, anything else a url source.
Var imageBlock(const Object& part, const std::string& param)
{
    const Var imageUrl = part.get("image_url");
    std::string url;
    if (isObject(imageUrl))
        url = text(imageUrl.extract<Object::Ptr>()->get("url"), param + ".image_url.url");
    else
        url = text(imageUrl, param + ".image_url");
    Object::Ptr source = ordered();
    if (url.compare(0, 5, "data:") == 0)
    {
        const auto semicolon = url.find(';');
        const auto comma = url.find(',');
        if (semicolon == std::string::npos || comma == std::string::npos || url.compare(semicolon, 8, ";base64,") != 0)
            throw AnthropicRequestError(param + ".image_url.url", "Only base64 data: URLs are supported for images.");
        source->set("type", "base64");
        source->set("media_type", url.substr(5, semicolon - 5));
        source->set("data", url.substr(comma + 1));
    }
    else
    {
        source->set("type", "url");
        source->set("url", url);
    }
    Object::Ptr block = ordered();
    block->set("type", "image");
    block->set("source", source);
    return block;
}

/// The text and image blocks of a message's content (a string or an array of parts).
void contentBlocks(const Var& content, const std::string& param, std::vector<Var>& blocks)
{
    if (content.isEmpty())
        return;
    if (content.isString())
    {
        const std::string value = content.extract<std::string>();
        if (!value.empty()) // Anthropic refuses empty text blocks
            blocks.push_back(textBlock(value));
        return;
    }
    if (!isArray(content))
        throw AnthropicRequestError(param, "Invalid type for '" + param + "': expected a string or an array of parts.");
    const Array& parts = *content.extract<Array::Ptr>();
    for (std::size_t i = 0; i < parts.size(); ++i)
    {
        const std::string partParam = param + "[" + std::to_string(i) + "]";
        if (!isObject(parts.get(i)))
            throw AnthropicRequestError(partParam, "Invalid type for '" + partParam + "': expected an object.");
        const Object& part = *parts.getObject(i);
        const std::string type = text(part.get("type"), partParam + ".type");
        if (type == "text")
        {
            const std::string value = text(part.get("text"), partParam + ".text");
            if (!value.empty())
                blocks.push_back(textBlock(value));
        }
        else if (type == "image_url")
            blocks.push_back(imageBlock(part, partParam));
        else
            throw AnthropicRequestError(partParam + ".type",
                                        "Content parts of type '" + type + "' are not supported by this upstream.");
    }
}

/// A message's content as plain text (system messages, tool results).
std::string plainText(const Var& content, const std::string& param)
{
    if (content.isEmpty())
        return {};
    if (content.isString())
        return content.extract<std::string>();
    if (!isArray(content))
        throw AnthropicRequestError(param, "Invalid type for '" + param + "': expected a string or an array of parts.");
    std::string joined;
    const Array& parts = *content.extract<Array::Ptr>();
    for (std::size_t i = 0; i < parts.size(); ++i)
    {
        const std::string partParam = param + "[" + std::to_string(i) + "]";
        if (!isObject(parts.get(i)))
            throw AnthropicRequestError(partParam, "Invalid type for '" + partParam + "': expected an object.");
        const Object& part = *parts.getObject(i);
        if (text(part.get("type"), partParam + ".type") != "text")
            throw AnthropicRequestError(partParam + ".type", "Only text parts are supported here.");
        joined += text(part.get("text"), partParam + ".text");
    }
    return joined;
}

Var toolUseBlock(const Object& call, const std::string& param)
{
    const std::string id = text(call.get("id"), param + ".id");
    const Var function = call.get("function");
    if (!isObject(function))
        throw AnthropicRequestError(param + ".function", "Invalid type for '" + param + ".function': expected an object.");
    const Object& fn = *function.extract<Object::Ptr>();
    const std::string name = text(fn.get("name"), param + ".function.name");
    std::string arguments = fn.has("arguments") ? text(fn.get("arguments"), param + ".function.arguments") : "{}";
    if (arguments.empty())
        arguments = "{}";
    Var input;
    try
    {
        input = Poco::JSON::Parser().parse(arguments);
    }
    catch (const Poco::Exception&)
    {
        throw AnthropicRequestError(param + ".function.arguments", "The tool call's arguments are not valid JSON.");
    }
    if (!isObject(input))
        throw AnthropicRequestError(param + ".function.arguments", "The tool call's arguments must be a JSON object.");
    Object::Ptr block = ordered();
    block->set("type", "tool_use");
    block->set("id", id);
    block->set("name", name);
    block->set("input", input);
    return block;
}

Var toolResultBlock(const Object& message, const std::string& param)
{
    Object::Ptr block = ordered();
    block->set("type", "tool_result");
    block->set("tool_use_id", text(message.get("tool_call_id"), param + ".tool_call_id"));
    block->set("content", plainText(message.get("content"), param + ".content"));
    return block;
}

void addTurn(std::vector<Turn>& turns, const std::string& role, std::vector<Var> blocks)
{
    if (blocks.empty())
        return;
    if (!turns.empty() && turns.back().role == role)
    {
        for (auto& block : blocks)
            turns.back().blocks.push_back(std::move(block));
        return;
    }
    turns.push_back({role, std::move(blocks)});
}

Array::Ptr anthropicTools(const Array& tools)
{
    Array::Ptr out = new Array;
    for (std::size_t i = 0; i < tools.size(); ++i)
    {
        const std::string param = "tools[" + std::to_string(i) + "]";
        if (!isObject(tools.get(i)))
            throw AnthropicRequestError(param, "Invalid type for '" + param + "': expected an object.");
        const Object& tool = *tools.getObject(i);
        if (text(tool.get("type"), param + ".type") != "function")
            throw AnthropicRequestError(param + ".type", "Only tools of type 'function' are supported by this upstream.");
        const Var function = tool.get("function");
        if (!isObject(function))
            throw AnthropicRequestError(param + ".function", "Invalid type for '" + param + ".function': expected an object.");
        const Object& fn = *function.extract<Object::Ptr>();
        Object::Ptr entry = ordered();
        entry->set("name", text(fn.get("name"), param + ".function.name"));
        if (fn.has("description") && !fn.get("description").isEmpty())
            entry->set("description", text(fn.get("description"), param + ".function.description"));
        const Var parameters = fn.get("parameters");
        if (isObject(parameters))
            entry->set("input_schema", parameters);
        else
        {
            Object::Ptr schema = ordered();
            schema->set("type", "object");
            schema->set("properties", Object::Ptr(new Object));
            entry->set("input_schema", schema);
        }
        out->add(entry);
    }
    return out;
}

Object::Ptr anthropicToolChoice(const Var& choice, bool noParallel)
{
    std::string type = "auto";
    std::string name;
    if (choice.isString())
    {
        const std::string value = choice.extract<std::string>();
        if (value == "required")
            type = "any";
        else if (value == "none" || value == "auto")
            type = value;
        else
            throw AnthropicRequestError("tool_choice", "tool_choice must be 'auto', 'none', 'required' or a function.");
    }
    else if (isObject(choice))
    {
        const Object& object = *choice.extract<Object::Ptr>();
        const Var function = object.get("function");
        if (!isObject(function))
            throw AnthropicRequestError("tool_choice.function", "tool_choice must name a function.");
        type = "tool";
        name = text(function.extract<Object::Ptr>()->get("name"), "tool_choice.function.name");
    }
    else if (!choice.isEmpty())
        throw AnthropicRequestError("tool_choice", "tool_choice must be 'auto', 'none', 'required' or a function.");
    Object::Ptr out = ordered();
    out->set("type", type);
    if (!name.empty())
        out->set("name", name);
    if (noParallel && type != "none")
        out->set("disable_parallel_tool_use", true);
    return out;
}

std::string translate(const Object& chat, const AnthropicRequestSettings& settings);

} // namespace

std::string anthropicRequestBody(std::string_view chatBody, const AnthropicRequestSettings& settings)
{
    if (auto scanned = scannedAnthropicRequest(chatBody, settings))
        return std::move(*scanned);
    return anthropicRequestBodyByPoco(chatBody, settings);
}

std::string anthropicRequestBodyByPoco(std::string_view chatBody, const AnthropicRequestSettings& settings)
{
    Var parsed;
    try
    {
        Poco::JSON::Parser parser;
        parser.setDepth(settings.maxDepth);
        parsed = parser.parse(std::string(chatBody));
    }
    catch (const Poco::Exception& e)
    {
        throw AnthropicRequestError("", "The request body is not valid JSON: " + e.message());
    }
    if (!isObject(parsed))
        throw AnthropicRequestError("", "The request body must be a JSON object.");
    try
    {
        return translate(*parsed.extract<Object::Ptr>(), settings);
    }
    catch (const Poco::Exception& e)
    {
        // A value of the wrong kind where a number or a flag was expected (convert<>).
        throw AnthropicRequestError("", "The request cannot be translated for this upstream: " + e.message());
    }
}

namespace {

std::string translate(const Object& chat, const AnthropicRequestSettings& settings)
{

    if (chat.has("n") && !chat.get("n").isEmpty() && chat.get("n").convert<long long>() != 1)
        throw AnthropicRequestError("n", "This model's upstream answers one choice per request: n must be 1.");
    if (chat.has("logprobs") && !chat.get("logprobs").isEmpty() && chat.get("logprobs").convert<bool>())
        throw AnthropicRequestError("logprobs", "This model's upstream does not report log probabilities.");
    if (chat.has("audio") && !chat.get("audio").isEmpty())
        throw AnthropicRequestError("audio", "This model's upstream does not produce audio.");
    if (isObject(chat.get("response_format")))
    {
        const Var type = chat.getObject("response_format")->get("type");
        if (!type.isString() || type.extract<std::string>() != "text")
            throw AnthropicRequestError("response_format.type",
                                        "This model's upstream supports only the 'text' response format.");
    }

    const Var messagesValue = chat.get("messages");
    if (!isArray(messagesValue))
        throw AnthropicRequestError("messages", "'messages' is required and must be an array.");
    const Array& messages = *messagesValue.extract<Array::Ptr>();
    std::string system;
    std::vector<Turn> turns;
    for (std::size_t i = 0; i < messages.size(); ++i)
    {
        const std::string param = "messages[" + std::to_string(i) + "]";
        if (!isObject(messages.get(i)))
            throw AnthropicRequestError(param, "Invalid type for '" + param + "': expected an object.");
        const Object& message = *messages.getObject(i);
        const std::string role = text(message.get("role"), param + ".role");
        if (role == "system" || role == "developer")
        {
            const std::string content = plainText(message.get("content"), param + ".content");
            if (!content.empty())
                system += (system.empty() ? "" : "\n\n") + content;
        }
        else if (role == "user")
        {
            std::vector<Var> blocks;
            contentBlocks(message.get("content"), param + ".content", blocks);
            addTurn(turns, "user", std::move(blocks));
        }
        else if (role == "assistant")
        {
            std::vector<Var> blocks;
            contentBlocks(message.get("content"), param + ".content", blocks);
            const Var calls = message.get("tool_calls");
            if (isArray(calls))
            {
                const Array& list = *calls.extract<Array::Ptr>();
                for (std::size_t c = 0; c < list.size(); ++c)
                {
                    const std::string callParam = param + ".tool_calls[" + std::to_string(c) + "]";
                    if (!isObject(list.get(c)))
                        throw AnthropicRequestError(callParam, "Invalid type for '" + callParam + "': expected an object.");
                    blocks.push_back(toolUseBlock(*list.getObject(c), callParam));
                }
            }
            addTurn(turns, "assistant", std::move(blocks));
        }
        else if (role == "tool")
            addTurn(turns, "user", {toolResultBlock(message, param)});
        else
            throw AnthropicRequestError(param + ".role", "Unknown role '" + role + "'.");
    }
    if (turns.empty())
        throw AnthropicRequestError("messages", "At least one user or assistant message is required.");

    Object::Ptr out = ordered();
    out->set("model", text(chat.get("model"), "model"));
    long long maxTokens = settings.defaultMaxTokens;
    for (const char* field : {"max_completion_tokens", "max_tokens"})
        if (chat.has(field) && !chat.get(field).isEmpty())
        {
            maxTokens = chat.get(field).convert<long long>();
            break;
        }
    out->set("max_tokens", maxTokens);
    if (!system.empty())
        out->set("system", system);
    Array::Ptr list = new Array;
    for (Turn& turn : turns)
    {
        Object::Ptr message = ordered();
        message->set("role", turn.role);
        Array::Ptr content = new Array;
        for (Var& block : turn.blocks)
            content->add(std::move(block));
        message->set("content", content);
        list->add(message);
    }
    out->set("messages", list);
    const Var stop = chat.get("stop");
    if (stop.isString())
    {
        Array::Ptr sequences = new Array;
        sequences->add(stop);
        out->set("stop_sequences", sequences);
    }
    else if (isArray(stop))
        out->set("stop_sequences", stop);
    for (const char* field : {"temperature", "top_p"})
        if (chat.has(field) && !chat.get(field).isEmpty())
            out->set(field, chat.get(field).convert<double>());
    if (chat.has("stream") && !chat.get("stream").isEmpty())
        out->set("stream", chat.get("stream").convert<bool>());
    const Var tools = chat.get("tools");
    const bool noParallel = chat.has("parallel_tool_calls") && !chat.get("parallel_tool_calls").isEmpty() &&
                            !chat.get("parallel_tool_calls").convert<bool>();
    if (isArray(tools) && tools.extract<Array::Ptr>()->size() > 0)
    {
        out->set("tools", anthropicTools(*tools.extract<Array::Ptr>()));
        if (chat.has("tool_choice") || noParallel)
            out->set("tool_choice", anthropicToolChoice(chat.get("tool_choice"), noParallel));
    }
    if (chat.has("user") && chat.get("user").isString())
    {
        Object::Ptr metadata = ordered();
        metadata->set("user_id", chat.get("user"));
        out->set("metadata", metadata);
    }
    return toJson(out);
}

} // namespace

} // namespace portico::openai
