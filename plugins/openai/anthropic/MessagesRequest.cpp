#include "MessagesRequest.h"
#include "MessagesFields.h"
#include "Tokenizer.h"
#include <algorithm>
#include <limits>
#include <sstream>

namespace portico::openai::anthropic {

namespace {

std::size_t jsonTokens(const Poco::JSON::Object& object)
{
    std::ostringstream text;
    object.stringify(text);
    return Tokenizer::count(text.str());
}

std::string oneOf(std::initializer_list<const char*> names)
{
    std::string list;
    for (const char* name : names)
        list += (list.empty() ? "'" : ", '") + std::string(name) + "'";
    return list;
}

/// The `type` of a tagged block at `path`, which must be one of `tags`.
std::string blockType(const MessagesFields& fields, std::initializer_list<const char*> tags)
{
    const std::string type = fields.requiredString("type");
    if (std::none_of(tags.begin(), tags.end(), [&type](const char* tag) { return type == tag; }))
        throw AnthropicError::invalid(fields.path("type"), "Input tag '" + type +
                                                               "' found using 'type' does not match any of the "
                                                               "expected tags: " +
                                                               oneOf(tags));
    return type;
}

void checkCacheControl(const MessagesFields& fields)
{
    if (const auto control = fields.object("cache_control"))
    {
        const MessagesFields cache(*control, fields.path("cache_control"));
        cache.rejectUnknown({"type", "ttl"});
        if (cache.requiredString("type") != "ephemeral")
            throw AnthropicError::invalid(cache.path("type"), "Input should be 'ephemeral'");
        cache.string("ttl");
    }
}

/// An image block: {type:"image", source:{type:"base64", media_type, data} | {type:"url", url}}.
void checkImage(const MessagesFields& block)
{
    block.rejectUnknown({"type", "source", "cache_control"});
    checkCacheControl(block);
    block.require("source");
    const MessagesFields source(*block.object("source"), block.path("source"));
    const std::string type = blockType(source, {"base64", "url"});
    if (type == "base64")
    {
        source.rejectUnknown({"type", "media_type", "data"});
        const std::string media = source.requiredString("media_type");
        if (media != "image/jpeg" && media != "image/png" && media != "image/gif" && media != "image/webp")
            throw AnthropicError::invalid(source.path("media_type"),
                                          "Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'");
        source.requiredString("data");
    }
    else
    {
        source.rejectUnknown({"type", "url"});
        source.requiredString("url");
    }
}

/// The text of a text block; checks its optional fields.
std::string textOf(const MessagesFields& block)
{
    block.rejectUnknown({"type", "text", "cache_control", "citations"});
    checkCacheControl(block);
    block.array("citations");
    return block.requiredString("text");
}

void appendLine(std::string& text, const std::string& line)
{
    if (!text.empty())
        text += '\n';
    text += line;
}

/// A tool_result block: its text (content as a string or text / image blocks) goes to `text`.
void readToolResult(const MessagesFields& block, std::string& text, std::size_t& extraTokens)
{
    block.rejectUnknown({"type", "tool_use_id", "content", "is_error", "cache_control"});
    checkCacheControl(block);
    block.requiredString("tool_use_id");
    block.boolean("is_error");
    const Poco::Dynamic::Var content = block.raw("content");
    if (content.isEmpty())
        return;
    if (content.isString())
        return appendLine(text, content.extract<std::string>());
    if (!isArray(content))
        throw wrongKind(block.path("content"), "list");
    const auto& parts = *content.extract<Poco::JSON::Array::Ptr>();
    for (std::size_t i = 0; i < parts.size(); ++i)
    {
        const std::string path = itemPath(block.path("content"), i);
        const Poco::Dynamic::Var part = parts.get(static_cast<unsigned>(i));
        if (!isObject(part))
            throw wrongKind(path, "dictionary");
        const MessagesFields fields(*part.extract<Poco::JSON::Object::Ptr>(), path);
        if (blockType(fields, {"text", "image"}) == "text")
            appendLine(text, textOf(fields));
        else
        {
            checkImage(fields);
            extraTokens += MessagesRequest::ImageTokens;
        }
    }
}

Turn readMessage(const Poco::Dynamic::Var& message, const std::string& path, std::size_t& extraTokens)
{
    if (!isObject(message))
        throw wrongKind(path, "dictionary");
    const MessagesFields fields(*message.extract<Poco::JSON::Object::Ptr>(), path);
    fields.rejectUnknown({"role", "content"});
    Turn turn;
    turn.role = fields.requiredString("role");
    if (turn.role != "user" && turn.role != "assistant")
        throw AnthropicError::invalid(fields.path("role"), "Input should be 'user' or 'assistant'");
    fields.require("content");
    const Poco::Dynamic::Var content = fields.raw("content");
    if (content.isString())
    {
        turn.text = content.extract<std::string>();
        return turn;
    }
    if (!isArray(content))
        throw AnthropicError::invalid(fields.path("content"), "Input should be a valid string or a valid list");
    const auto& blocks = *content.extract<Poco::JSON::Array::Ptr>();
    for (std::size_t i = 0; i < blocks.size(); ++i)
    {
        const std::string blockPath = itemPath(fields.path("content"), i);
        const Poco::Dynamic::Var value = blocks.get(static_cast<unsigned>(i));
        if (!isObject(value))
            throw wrongKind(blockPath, "dictionary");
        const MessagesFields block(*value.extract<Poco::JSON::Object::Ptr>(), blockPath);
        const std::string type = blockType(block, {"text", "image", "tool_use", "tool_result"});
        if (type == "text")
            appendLine(turn.text, textOf(block));
        else if (type == "image")
        {
            checkImage(block);
            extraTokens += MessagesRequest::ImageTokens;
        }
        else if (type == "tool_use")
        {
            block.rejectUnknown({"type", "id", "name", "input", "cache_control"});
            checkCacheControl(block);
            block.requiredString("id");
            const std::string name = block.requiredString("name");
            block.require("input");
            extraTokens += Tokenizer::count(name) + jsonTokens(*block.object("input"));
        }
        else
            readToolResult(block, turn.text, extraTokens);
    }
    return turn;
}

std::string readSystem(const MessagesFields& fields)
{
    const Poco::Dynamic::Var system = fields.raw("system");
    if (system.isEmpty())
        return {};
    if (system.isString())
        return system.extract<std::string>();
    if (!isArray(system))
        throw AnthropicError::invalid("system", "Input should be a valid string or a valid list");
    std::string text;
    const auto& blocks = *system.extract<Poco::JSON::Array::Ptr>();
    for (std::size_t i = 0; i < blocks.size(); ++i)
    {
        const std::string path = itemPath("system", i);
        const Poco::Dynamic::Var value = blocks.get(static_cast<unsigned>(i));
        if (!isObject(value))
            throw wrongKind(path, "dictionary");
        const MessagesFields block(*value.extract<Poco::JSON::Object::Ptr>(), path);
        blockType(block, {"text"});
        appendLine(text, textOf(block));
    }
    return text;
}

std::vector<ToolSpec> readTools(const MessagesFields& fields, std::size_t& extraTokens)
{
    std::vector<ToolSpec> tools;
    const auto array = fields.array("tools");
    if (!array)
        return tools;
    for (std::size_t i = 0; i < array->size(); ++i)
    {
        const std::string path = itemPath("tools", i);
        const Poco::Dynamic::Var value = array->get(static_cast<unsigned>(i));
        if (!isObject(value))
            throw wrongKind(path, "dictionary");
        const MessagesFields tool(*value.extract<Poco::JSON::Object::Ptr>(), path);
        if (const auto type = tool.string("type"); type && *type != "custom")
            throw AnthropicError::invalid(tool.path("type"), "The local model supports custom tools only, not '" +
                                                                 *type + "'");
        tool.rejectUnknown({"type", "name", "description", "input_schema", "cache_control"});
        checkCacheControl(tool);
        ToolSpec spec;
        spec.name = tool.requiredString("name");
        if (spec.name.empty() || spec.name.size() > 64 ||
            spec.name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
                std::string::npos)
            throw AnthropicError::invalid(tool.path("name"), "String should match pattern '^[a-zA-Z0-9_-]{1,64}$'");
        for (const ToolSpec& earlier : tools)
            if (earlier.name == spec.name)
                throw AnthropicError::invalid("tools", "Tool names must be unique.");
        const std::string description = tool.string("description").value_or("");
        tool.require("input_schema");
        spec.inputSchema = tool.object("input_schema");
        if (const auto schemaType = MessagesFields(*spec.inputSchema, tool.path("input_schema")).string("type");
            schemaType && *schemaType != "object")
            throw AnthropicError::invalid(tool.path("input_schema.type"), "Input should be 'object'");
        extraTokens += Tokenizer::count(spec.name) + Tokenizer::count(description) + jsonTokens(*spec.inputSchema);
        tools.push_back(std::move(spec));
    }
    return tools;
}

void readToolChoice(const MessagesFields& fields, MessagesRequest& request)
{
    const auto choice = fields.object("tool_choice");
    if (!choice)
        return;
    const MessagesFields tc(*choice, "tool_choice");
    const std::string type = blockType(tc, {"auto", "any", "tool", "none"});
    if (type == "tool")
        tc.rejectUnknown({"type", "name", "disable_parallel_tool_use"});
    else if (type == "none")
        tc.rejectUnknown({"type"});
    else
        tc.rejectUnknown({"type", "disable_parallel_tool_use"});
    tc.boolean("disable_parallel_tool_use");
    request.toolChoice = type == "auto" ? ToolChoice::Auto
                         : type == "any" ? ToolChoice::Any
                         : type == "tool" ? ToolChoice::Tool
                                          : ToolChoice::None;
    if (request.toolChoice == ToolChoice::Tool)
    {
        request.toolName = tc.requiredString("name");
        const bool known = std::any_of(request.tools.begin(), request.tools.end(),
                                       [&request](const ToolSpec& tool) { return tool.name == request.toolName; });
        if (!known)
            throw AnthropicError::invalid("tool_choice.name", "Tool '" + request.toolName +
                                                                  "' not found in the request's tools");
    }
    if ((request.toolChoice == ToolChoice::Any || request.toolChoice == ToolChoice::Tool) && request.tools.empty())
        throw AnthropicError::invalid("tool_choice", "tool_choice may only be specified while providing tools.");
}

} // namespace

std::size_t MessagesRequest::inputTokens() const
{
    return EchoModel::inputTokens(conversation) + extraInputTokens;
}

MessagesRequest MessagesRequest::parse(const Poco::JSON::Object& body, const LocalBackendConfig& limits, Kind kind)
{
    const MessagesFields fields(body);
    const bool create = kind == Kind::Create;
    if (create)
        fields.rejectUnknown({"model", "messages", "max_tokens", "system", "stop_sequences", "stream", "temperature",
                              "top_p", "top_k", "metadata", "tools", "tool_choice"});
    else
        fields.rejectUnknown({"model", "messages", "system", "tools", "tool_choice"});

    MessagesRequest request;
    request.model = fields.requiredString("model");
    if (create)
    {
        fields.require("max_tokens");
        request.maxTokens = fields.integer("max_tokens", 1, limits.maxOutputTokens);
    }
    fields.require("messages");
    const auto messages = fields.array("messages");
    if (messages->size() == 0)
        throw AnthropicError::invalid("messages", "List should have at least 1 item after validation, not 0");
    for (std::size_t i = 0; i < messages->size(); ++i)
        request.conversation.turns.push_back(
            readMessage(messages->get(static_cast<unsigned>(i)), itemPath("messages", i), request.extraInputTokens));
    request.conversation.instructions = readSystem(fields);
    request.tools = readTools(fields, request.extraInputTokens);
    readToolChoice(fields, request);
    if (!create)
        return request;

    if (const auto stops = fields.array("stop_sequences"))
        for (std::size_t i = 0; i < stops->size(); ++i)
        {
            const Poco::Dynamic::Var stop = stops->get(static_cast<unsigned>(i));
            if (!stop.isString())
                throw wrongKind(itemPath("stop_sequences", i), "string");
            request.stopSequences.push_back(stop.extract<std::string>());
        }
    request.stream = fields.boolean("stream").value_or(false);
    fields.number("temperature", 0, 1);
    fields.number("top_p", 0, 1);
    fields.integer("top_k", 0, std::numeric_limits<std::int64_t>::max());
    if (const auto metadata = fields.object("metadata"))
    {
        const MessagesFields meta(*metadata, "metadata");
        meta.rejectUnknown({"user_id"});
        if (const auto user = meta.string("user_id"); user && user->size() > 256)
            throw AnthropicError::invalid(meta.path("user_id"), "String should have at most 256 characters");
    }
    return request;
}

} // namespace portico::openai::anthropic
