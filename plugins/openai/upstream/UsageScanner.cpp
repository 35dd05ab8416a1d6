#include "UsageScanner.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include <string>

namespace portico::openai {

namespace {

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/// The length of the JSON object starting at `begin` (a '{'), strings and nesting respected;
/// 0 when it does not close within `text`.
std::size_t objectLength(std::string_view text, std::size_t begin)
{
    int depth = 0;
    bool inString = false;
    for (std::size_t i = begin; i < text.size(); ++i)
    {
        const char c = text[i];
        if (inString)
        {
            if (c == '\\')
                ++i;
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == '"')
            inString = true;
        else if (c == '{')
            ++depth;
        else if (c == '}' && --depth == 0)
            return i - begin + 1;
    }
    return 0;
}

std::optional<long long> integer(const Poco::JSON::Object& object, const char* name)
{
    if (!object.has(name))
        return std::nullopt;
    const Poco::Dynamic::Var value = object.get(name);
    if (value.isEmpty() || !value.isNumeric())
        return std::nullopt;
    return value.convert<long long>();
}

std::optional<Usage> parseUsageObject(std::string_view text)
{
    try
    {
        Poco::JSON::Parser parser;
        const auto object = parser.parse(std::string(text)).extract<Poco::JSON::Object::Ptr>();
        if (!object)
            return std::nullopt;
        if (const auto input = integer(*object, "input_tokens"))
            return Usage{*input, integer(*object, "output_tokens").value_or(0)};
        if (const auto prompt = integer(*object, "prompt_tokens"))
            return Usage{*prompt, integer(*object, "completion_tokens").value_or(0)};
    }
    catch (...)
    {
        // Not an object we understand: no usage rather than a failed request.
    }
    return std::nullopt;
}

} // namespace

std::optional<Usage> scanUsage(std::string_view json)
{
    static constexpr std::string_view key = "\"usage\"";
    // The last occurrence first: the answer's own usage comes after any message content, and a
    // "usage" inside a string value would be escaped (\"usage\") and not match.
    std::size_t end = json.size();
    while (end > 0)
    {
        const std::size_t at = json.rfind(key, end - 1);
        if (at == std::string_view::npos)
            break;
        end = at;
        std::size_t i = at + key.size();
        while (i < json.size() && isSpace(json[i]))
            ++i;
        if (i >= json.size() || json[i] != ':')
            continue;
        ++i;
        while (i < json.size() && isSpace(json[i]))
            ++i;
        if (i >= json.size() || json[i] != '{')
            continue; // "usage": null
        const std::size_t length = objectLength(json, i);
        if (length == 0)
            continue;
        if (auto usage = parseUsageObject(json.substr(i, length)))
            return usage;
    }
    return std::nullopt;
}

} // namespace portico::openai
