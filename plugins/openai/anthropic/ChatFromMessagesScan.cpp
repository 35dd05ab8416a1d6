#include "ChatFromMessagesScan.h"
#include "JsonWalk.h"
#include "portico/Json.h"
#include <cstdlib>
#include <vector>

namespace portico::openai::anthropic {

namespace {

using namespace jsonwalk;

/// A plain string value, one of `allowed`; anything else is for the validation to judge.
Raw oneOf(Raw value, std::initializer_list<Raw> allowed)
{
    const Raw text = plain(value);
    for (Raw option : allowed)
        if (text == option)
            return text;
    throw NotPlain{};
}

void requireString(Raw value)
{
    if (!isString(value))
        throw NotPlain{};
}

bool isBooleanLiteral(Raw value)
{
    return value == "true" || value == "false";
}

/// A number literal within [0, 1] (temperature, top_p).
void requireUnitNumber(Raw value)
{
    if (!isNumber(value))
        throw NotPlain{};
    const std::string text(value);
    const double number = std::strtod(text.c_str(), nullptr);
    if (!(number >= 0 && number <= 1))
        throw NotPlain{};
}

/// Appends `line` (a JSON string value) to `joined` (a string's inner text), newline-separated.
void appendLine(std::string& joined, Raw line)
{
    // A newline only between texts, as ChatFromMessages' appendLine: an empty text before any
    // other adds none (["", "a"] is "a", not "\na"). `joined` is escaped JSON, which is empty
    // exactly when the texts so far were.
    if (!joined.empty())
        joined += "\\n";
    const Raw text = inner(line);
    joined.append(text.data(), text.size());
}

/// A text block ({type, text}): its text value. `type` was read already.
Raw textOf(const Walk& walk, Raw block)
{
    Raw type, text;
    walk.members(block, [&](Raw key, Raw value) {
        if (key == "type")
            take(type, value);
        else if (key == "text")
            take(text, value);
        else
            throw NotPlain{}; // cache_control, citations, or unknown: the validation judges
    });
    requireString(text);
    return text;
}

/// The `type` of block `block`, one of `allowed`.
Raw typeOf(const Walk& walk, Raw block, std::initializer_list<Raw> allowed)
{
    if (!isObjectText(block))
        throw NotPlain{};
    Raw type;
    walk.members(block, [&](Raw key, Raw value) {
        if (key == "type")
            take(type, value);
    });
    return oneOf(type, allowed);
}

/// An image block as a chat image_url part.
void writeImagePart(const Walk& walk, Raw block, std::string& out)
{
    Raw type, source;
    walk.members(block, [&](Raw key, Raw value) {
        if (key == "type")
            take(type, value);
        else if (key == "source")
            take(source, value);
        else
            throw NotPlain{};
    });
    if (!isObjectText(source))
        throw NotPlain{};
    Raw sourceType, mediaType, data, url;
    walk.members(source, [&](Raw key, Raw value) {
        if (key == "type")
            take(sourceType, value);
        else if (key == "media_type")
            take(mediaType, value);
        else if (key == "data")
            take(data, value);
        else if (key == "url")
            take(url, value);
        else
            throw NotPlain{};
    });
    out += "{\"type\":\"image_url\",\"image_url\":{\"url\":\"";
    if (oneOf(sourceType, {"base64", "url"}) == "base64")
    {
        if (!url.empty())
            throw NotPlain{};
        const Raw media = oneOf(mediaType, {"image/jpeg", "image/png", "image/gif", "image/webp"});
        requireString(data);
        out += "data:";
        out.append(media.data(), media.size());
        out += ";base64,";
        const Raw bytes = inner(data);
        out.append(bytes.data(), bytes.size());
    }
    else
    {
        if (!mediaType.empty() || !data.empty())
            throw NotPlain{};
        requireString(url);
        const Raw address = inner(url);
        out.append(address.data(), address.size());
    }
    out += "\"}}";
}

/// A tool_result's content (absent, a string, or text and image blocks) as one string value's
/// inner text: its texts, newline-separated (a chat tool message carries text only).
std::string toolResultText(const Walk& walk, Raw content)
{
    if (content.empty())
        return {};
    if (isString(content))
        return std::string(inner(content));
    if (!isArray(content))
        throw NotPlain{};
    std::string joined;
    walk.elements(content, [&](Raw part) {
        if (typeOf(walk, part, {"text", "image"}) == "text")
            appendLine(joined, textOf(walk, part));
        else
        {
            std::string ignored;
            writeImagePart(walk, part, ignored); // checked as the validation checks it
        }
    });
    return joined;
}

struct ToolResult
{
    Raw id;
    std::string text;
};

/// A tool_result block.
ToolResult readToolResult(const Walk& walk, Raw block)
{
    Raw type, id, content, isError;
    walk.members(block, [&](Raw key, Raw value) {
        if (key == "type")
            take(type, value);
        else if (key == "tool_use_id")
            take(id, value);
        else if (key == "content")
            take(content, value);
        else if (key == "is_error")
            take(isError, value);
        else
            throw NotPlain{};
    });
    requireString(id);
    if (!isError.empty() && !isBooleanLiteral(isError))
        throw NotPlain{};
    return {id, toolResultText(walk, content)};
}

struct ToolUse
{
    Raw id, name, input;
};

ToolUse readToolUse(const Walk& walk, Raw block)
{
    Raw type;
    ToolUse use;
    walk.members(block, [&](Raw key, Raw value) {
        if (key == "type")
            take(type, value);
        else if (key == "id")
            take(use.id, value);
        else if (key == "name")
            take(use.name, value);
        else if (key == "input")
            take(use.input, value);
        else
            throw NotPlain{};
    });
    requireString(use.id);
    requireString(use.name);
    if (!isObjectText(use.input))
        throw NotPlain{};
    return use;
}

void writeUser(const Walk& walk, Raw content, std::string& out, bool& firstMessage)
{
    auto separate = [&] {
        if (!firstMessage)
            out += ',';
        firstMessage = false;
    };
    if (isString(content))
    {
        separate();
        out += "{\"role\":\"user\",\"content\":";
        out.append(content.data(), content.size());
        out += '}';
        return;
    }
    // Tool results first: chat wants them right after the assistant's tool calls.
    std::string parts;
    bool other = false;
    walk.elements(content, [&](Raw block) {
        const Raw type = typeOf(walk, block, {"text", "image", "tool_use", "tool_result"});
        if (type == "tool_result")
        {
            const ToolResult result = readToolResult(walk, block);
            separate();
            out += "{\"role\":\"tool\",\"tool_call_id\":";
            out.append(result.id.data(), result.id.size());
            out += ",\"content\":\"";
            out += result.text;
            out += "\"}";
            return;
        }
        other = true;
        if (type == "tool_use")
            return (void)readToolUse(walk, block); // checked; a user's tool_use has no chat form
        if (!parts.empty())
            parts += ',';
        if (type == "text")
        {
            const Raw text = textOf(walk, block);
            parts += "{\"type\":\"text\",\"text\":";
            parts.append(text.data(), text.size());
            parts += '}';
        }
        else
            writeImagePart(walk, block, parts);
    });
    if (!other)
        return;
    separate();
    out += "{\"role\":\"user\",\"content\":[";
    out += parts;
    out += "]}";
}

void writeAssistant(const Walk& walk, Raw content, std::string& out, bool& firstMessage)
{
    if (!firstMessage)
        out += ',';
    firstMessage = false;
    out += "{\"role\":\"assistant\",\"content\":";
    if (isString(content))
    {
        out.append(content.data(), content.size());
        out += '}';
        return;
    }
    std::string text;
    std::string calls;
    walk.elements(content, [&](Raw block) {
        const Raw type = typeOf(walk, block, {"text", "image", "tool_use", "tool_result"});
        if (type == "text")
        {
            const Raw value = inner(textOf(walk, block));
            text.append(value.data(), value.size());
        }
        else if (type == "tool_use")
        {
            const ToolUse use = readToolUse(walk, block);
            if (!calls.empty())
                calls += ',';
            calls += "{\"id\":";
            calls.append(use.id.data(), use.id.size());
            calls += ",\"type\":\"function\",\"function\":{\"name\":";
            calls.append(use.name.data(), use.name.size());
            calls += ",\"arguments\":";
            calls += jsonString(use.input);
            calls += "}}";
        }
        else if (type == "image")
        {
            std::string ignored;
            writeImagePart(walk, block, ignored); // checked; an assistant's image has no chat form
        }
        else
            (void)readToolResult(walk, block);
    });
    if (text.empty() && !calls.empty())
        out += "null";
    else
    {
        out += '"';
        out += text;
        out += '"';
    }
    if (!calls.empty())
    {
        out += ",\"tool_calls\":[";
        out += calls;
        out += ']';
    }
    out += '}';
}

void writeMessages(const Walk& walk, Raw messages, Raw system, std::string& out)
{
    if (!isArray(messages))
        throw NotPlain{};
    out += "\"messages\":[";
    bool first = true;
    if (!system.empty())
    {
        out += "{\"role\":\"system\",\"content\":";
        if (isString(system))
            out.append(system.data(), system.size());
        else if (isArray(system))
        {
            std::string joined;
            walk.elements(system, [&](Raw block) {
                typeOf(walk, block, {"text"});
                appendLine(joined, textOf(walk, block));
            });
            out += '"';
            out += joined;
            out += '"';
        }
        else
            throw NotPlain{};
        out += '}';
        first = false;
    }
    std::size_t count = 0;
    walk.elements(messages, [&](Raw message) {
        ++count;
        if (!isObjectText(message))
            throw NotPlain{};
        Raw role, content;
        walk.members(message, [&](Raw key, Raw value) {
            if (key == "role")
                take(role, value);
            else if (key == "content")
                take(content, value);
            else
                throw NotPlain{};
        });
        if (!isString(content) && !isArray(content))
            throw NotPlain{};
        if (oneOf(role, {"user", "assistant"}) == "user")
            writeUser(walk, content, out, first);
        else
            writeAssistant(walk, content, out, first);
    });
    if (count == 0)
        throw NotPlain{};
    out += ']';
}

bool validToolName(Raw name)
{
    if (name.empty() || name.size() > 64)
        return false;
    for (const char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    return true;
}

/// The tools as chat function tools (`out` gets `"tools":[…]`), their names in `names`.
void writeTools(const Walk& walk, Raw tools, std::vector<Raw>& names, std::string& out)
{
    if (!isArray(tools))
        throw NotPlain{};
    std::string written;
    walk.elements(tools, [&](Raw tool) {
        if (!isObjectText(tool))
            throw NotPlain{};
        Raw type, name, description, schema;
        walk.members(tool, [&](Raw key, Raw value) {
            if (key == "type")
                take(type, value);
            else if (key == "name")
                take(name, value);
            else if (key == "description")
                take(description, value);
            else if (key == "input_schema")
                take(schema, value);
            else
                throw NotPlain{};
        });
        if (!type.empty())
            oneOf(type, {"custom"});
        const Raw plainName = plain(name);
        if (!validToolName(plainName))
            throw NotPlain{};
        for (Raw earlier : names)
            if (earlier == plainName)
                throw NotPlain{};
        names.push_back(plainName);
        if (!description.empty())
            requireString(description);
        if (!isObjectText(schema))
            throw NotPlain{};
        Raw schemaType;
        walk.members(schema, [&](Raw key, Raw value) {
            if (key == "type")
                take(schemaType, value);
        });
        if (!schemaType.empty())
            oneOf(schemaType, {"object"});
        if (!written.empty())
            written += ',';
        written += "{\"type\":\"function\",\"function\":{\"name\":";
        written.append(name.data(), name.size());
        if (!description.empty())
        {
            written += ",\"description\":";
            written.append(description.data(), description.size());
        }
        written += ",\"parameters\":";
        written.append(schema.data(), schema.size());
        written += "}}";
    });
    if (names.empty())
        return;
    out += ",\"tools\":[";
    out += written;
    out += ']';
}

/// tool_choice, checked; written (with parallel_tool_calls) when there are tools.
void writeToolChoice(const Walk& walk, Raw choice, const std::vector<Raw>& tools, std::string& out)
{
    if (!isObjectText(choice))
        throw NotPlain{};
    Raw type, name, disableParallel;
    walk.members(choice, [&](Raw key, Raw value) {
        if (key == "type")
            take(type, value);
        else if (key == "name")
            take(name, value);
        else if (key == "disable_parallel_tool_use")
            take(disableParallel, value);
        else
            throw NotPlain{};
    });
    const Raw kind = oneOf(type, {"auto", "any", "tool", "none"});
    if ((kind == "tool") != !name.empty() || (kind == "none" && !disableParallel.empty()))
        throw NotPlain{};
    if (!disableParallel.empty() && !isBooleanLiteral(disableParallel))
        throw NotPlain{};
    if ((kind == "any" || kind == "tool") && tools.empty())
        throw NotPlain{};
    if (kind == "tool")
    {
        const Raw wanted = plain(name);
        bool known = false;
        for (Raw tool : tools)
            known = known || tool == wanted;
        if (!known)
            throw NotPlain{};
    }
    if (tools.empty())
        return;
    if (kind == "tool")
    {
        out += ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":";
        out.append(name.data(), name.size());
        out += "}}";
    }
    else
    {
        out += ",\"tool_choice\":\"";
        out += kind == "any" ? Raw("required") : kind;
        out += '"';
    }
    if (disableParallel == "true")
        out += ",\"parallel_tool_calls\":false";
}

std::string scan(std::string_view body, std::size_t maxDepth)
{
    const Walk walk(maxDepth);
    Raw model, messages, maxTokens, system, stops, stream, temperature, topP, topK, metadata, tools, toolChoice;
    walk.members(body, [&](Raw key, Raw value) {
        if (absent(value))
            throw NotPlain{}; // null counts as absent there: the validation judges
        if (key == "model")
            take(model, value);
        else if (key == "messages")
            take(messages, value);
        else if (key == "max_tokens")
            take(maxTokens, value);
        else if (key == "system")
            take(system, value);
        else if (key == "stop_sequences")
            take(stops, value);
        else if (key == "stream")
            take(stream, value);
        else if (key == "temperature")
            take(temperature, value);
        else if (key == "top_p")
            take(topP, value);
        else if (key == "top_k")
            take(topK, value);
        else if (key == "metadata")
            take(metadata, value);
        else if (key == "tools")
            take(tools, value);
        else if (key == "tool_choice")
            take(toolChoice, value);
        else
            throw NotPlain{};
    });
    requireString(model);
    if (maxTokens.empty() || integer(maxTokens) < 1)
        throw NotPlain{};
    std::string out = "{\"model\":";
    out.append(model.data(), model.size());
    out += ',';
    writeMessages(walk, messages, system, out);
    out += ",\"max_tokens\":";
    out.append(maxTokens.data(), maxTokens.size());
    if (!temperature.empty())
    {
        requireUnitNumber(temperature);
        out += ",\"temperature\":";
        out.append(temperature.data(), temperature.size());
    }
    if (!topP.empty())
    {
        requireUnitNumber(topP);
        out += ",\"top_p\":";
        out.append(topP.data(), topP.size());
    }
    if (!topK.empty() && integer(topK) < 0)
        throw NotPlain{};
    if (!stops.empty())
    {
        if (!isArray(stops))
            throw NotPlain{};
        walk.elements(stops, [](Raw stop) { requireString(stop); });
        out += ",\"stop\":";
        out.append(stops.data(), stops.size());
    }
    if (!metadata.empty())
    {
        if (!isObjectText(metadata))
            throw NotPlain{};
        Raw user;
        walk.members(metadata, [&](Raw key, Raw value) {
            if (key != "user_id" || absent(value))
                throw NotPlain{};
            take(user, value);
        });
        if (!user.empty())
        {
            if (plain(user).size() > 256)
                throw NotPlain{};
            out += ",\"user\":";
            out.append(user.data(), user.size());
        }
    }
    if (!stream.empty() && !isBooleanLiteral(stream))
        throw NotPlain{};
    if (stream == "true")
        out += ",\"stream\":true,\"stream_options\":{\"include_usage\":true}";
    std::vector<Raw> names;
    if (!tools.empty())
        writeTools(walk, tools, names, out);
    if (!toolChoice.empty())
        writeToolChoice(walk, toolChoice, names, out);
    out += '}';
    return out;
}

} // namespace

std::optional<std::string> scannedChatRequest(std::string_view body, std::size_t maxDepth)
{
    try
    {
        return scan(body, maxDepth);
    }
    catch (const NotPlain&)
    {
        return std::nullopt;
    }
}

} // namespace portico::openai::anthropic
