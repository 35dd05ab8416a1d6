#include "StreamUsage.h"
#include "JsonObjectScanner.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include <sstream>

namespace portico::openai {

namespace {

/// What a `stream_options` value says about include_usage.
enum class Asked
{
    Yes,    ///< "include_usage": true
    No,     ///< an object without include_usage: true (plainly scanned)
    Unsure  ///< anything the scanner leaves to the full parser
};

Asked includeUsage(std::string_view options, std::size_t maxDepth)
{
    JsonObjectScanner scanner(options, maxDepth);
    JsonMember member;
    bool found = false;
    bool asked = false;
    while (scanner.next(member))
    {
        if (member.keyEscaped)
            return Asked::Unsure;
        if (member.key != "include_usage")
            continue;
        if (found)
            return Asked::Unsure; // twice: the parser decides which counts
        found = true;
        asked = member.value == "true";
    }
    if (!scanner.ok())
        return Asked::Unsure;
    if (found && !asked)
        return Asked::Unsure; // "include_usage": false: the parser replaces it (a splice would duplicate it)
    return asked ? Asked::Yes : Asked::No;
}

std::optional<std::string> rewrittenByParser(std::string_view body)
{
    Poco::JSON::Parser parser;
    Poco::JSON::Object::Ptr object = parser.parse(std::string(body)).extract<Poco::JSON::Object::Ptr>();
    Poco::JSON::Object::Ptr options = object->getObject("stream_options");
    if (options && options->has("include_usage") && options->get("include_usage").isBoolean() &&
        options->getValue<bool>("include_usage"))
        return std::nullopt;
    if (!options)
    {
        options = new Poco::JSON::Object;
        object->set("stream_options", options);
    }
    options->set("include_usage", true);
    std::ostringstream out;
    object->stringify(out);
    return out.str();
}

} // namespace

std::optional<std::string> withStreamUsage(std::string_view body, std::size_t maxDepth)
{
    JsonObjectScanner scanner(body, maxDepth);
    JsonMember member;
    std::optional<std::string_view> options;
    while (scanner.next(member))
    {
        if (member.keyEscaped)
            return rewrittenByParser(body);
        if (member.key != "stream_options")
            continue;
        if (options)
            return rewrittenByParser(body);
        options = member.value;
    }
    if (!scanner.ok())
        return rewrittenByParser(body);
    if (!options)
    {
        // A new member first in the object.
        const std::size_t open = body.find('{');
        const std::size_t first = body.find_first_not_of(" \t\r\n", open + 1);
        std::string out;
        out.reserve(body.size() + 48);
        out.append(body.data(), open + 1);
        out += R"("stream_options":{"include_usage":true})";
        if (first != std::string_view::npos && body[first] != '}')
            out += ',';
        out.append(body.data() + open + 1, body.size() - open - 1);
        return out;
    }
    if (options->empty() || options->front() != '{')
        return rewrittenByParser(body); // not an object: the upstream will say what it thinks
    switch (includeUsage(*options, maxDepth))
    {
    case Asked::Yes: return std::nullopt;
    case Asked::Unsure: return rewrittenByParser(body);
    case Asked::No: break;
    }
    // Into the object, as its first member (an object with include_usage in it went to the
    // parser above).
    const std::size_t at = static_cast<std::size_t>(options->data() - body.data()) + 1;
    const std::size_t first = body.find_first_not_of(" \t\r\n", at);
    std::string out;
    out.reserve(body.size() + 24);
    out.append(body.data(), at);
    out += R"("include_usage":true)";
    if (first != std::string_view::npos && body[first] != '}')
        out += ',';
    out.append(body.data() + at, body.size() - at);
    return out;
}

namespace {

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/// Where the value of the last `"key"` member of `json` begins (after the colon and any
/// space), or npos. A plain text search: good enough for the two keys asked for here, whose
/// names do not occur in string values of a chunk the proxy must recognise.
std::size_t lastValueOf(std::string_view json, std::string_view quotedKey)
{
    std::size_t at = json.rfind(quotedKey);
    if (at == std::string_view::npos)
        return std::string_view::npos;
    at += quotedKey.size();
    while (at < json.size() && isSpace(json[at]))
        ++at;
    if (at >= json.size() || json[at] != ':')
        return std::string_view::npos;
    ++at;
    while (at < json.size() && isSpace(json[at]))
        ++at;
    return at;
}

} // namespace

bool clientView(std::string_view event, std::string& out)
{
    // A chat stream's events are "data: <json>" and a blank line (\n or \r\n line ends).
    std::string_view data = event;
    while (!data.empty() && isSpace(data.back()))
        data.remove_suffix(1);
    const std::size_t usage = lastValueOf(data, "\"usage\"");
    if (usage == std::string_view::npos)
    {
        out.assign(event.data(), event.size());
        return true;
    }
    if (data[usage] == '{')
    {
        // The usage chunk: its choices are empty.
        const std::size_t choices = lastValueOf(data, "\"choices\"");
        if (choices != std::string_view::npos && data[choices] == '[')
        {
            std::size_t next = choices + 1;
            while (next < data.size() && isSpace(data[next]))
                ++next;
            if (next < data.size() && data[next] == ']')
                return false;
        }
    }
    else if (data.compare(usage, 4, "null") == 0)
    {
        // `, "usage": null` as the object's last member: cut from its comma to the null.
        std::size_t after = usage + 4;
        while (after < data.size() && isSpace(data[after]))
            ++after;
        const std::size_t key = data.rfind("\"usage\"", usage);
        std::size_t comma = key;
        while (comma > 0 && isSpace(data[comma - 1]))
            --comma;
        if (after + 1 == data.size() && data[after] == '}' && comma > 0 && data[comma - 1] == ',')
        {
            out.assign(event.data(), comma - 1);
            out.append(event.data() + usage + 4, event.size() - usage - 4);
            return true;
        }
    }
    out.assign(event.data(), event.size());
    return true;
}

} // namespace portico::openai
