#include "UsageScanner.h"
#include "JsonObjectScanner.h"
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

/// What the scanner can tell of one count: a plain integer, certainly no number (a string,
/// null, an object or array: `integer` above says "absent" to these), or something only Poco's
/// conversion can settle (a fraction, an exponent, a long literal, and true/false, which a
/// Dynamic::Var calls numeric).
enum class Count
{
    Integer,
    Absent,
    Unsure
};

Count classify(std::string_view value, long long& number)
{
    if (JsonObjectScanner::integer(value, number))
        return Count::Integer;
    const char first = value.empty() ? '\0' : value.front();
    return first == '"' || first == 'n' || first == '{' || first == '[' ? Count::Absent : Count::Unsure;
}

/// parseUsageObject without a JSON tree, for a usage object the scanner accepts whole; nothing
/// in `unsure` when only the full parse can decide.
std::optional<Usage> scanUsageObject(std::string_view text, bool& unsure)
{
    JsonObjectScanner scanner(text, 64);
    JsonMember member;
    // input_tokens, output_tokens, prompt_tokens, completion_tokens, and Anthropic's cache reads
    // and writes (which its input_tokens leaves out)
    std::string_view found[6];
    static constexpr std::string_view names[6] = {"input_tokens",      "output_tokens",
                                                  "prompt_tokens",     "completion_tokens",
                                                  "cache_read_input_tokens", "cache_creation_input_tokens"};
    while (scanner.next(member))
    {
        if (member.keyEscaped)
            return unsure = true, std::nullopt;
        for (int i = 0; i < 6; ++i)
            if (member.key == names[i])
            {
                if (!found[i].empty())
                    return unsure = true, std::nullopt; // twice: the full parser picks
                found[i] = member.value;
            }
    }
    if (!scanner.ok())
        return unsure = true, std::nullopt;
    long long counts[6] = {};
    Count kinds[6];
    for (int i = 0; i < 6; ++i)
    {
        kinds[i] = found[i].empty() ? Count::Absent : classify(found[i], counts[i]);
        if (kinds[i] == Count::Unsure)
            return unsure = true, std::nullopt;
    }
    if (kinds[0] == Count::Integer)
    {
        const long long cached = (kinds[4] == Count::Integer ? counts[4] : 0) + (kinds[5] == Count::Integer ? counts[5] : 0);
        return Usage{counts[0] + cached, kinds[1] == Count::Integer ? counts[1] : 0};
    }
    if (kinds[2] == Count::Integer)
        return Usage{counts[2], kinds[3] == Count::Integer ? counts[3] : 0};
    return std::nullopt;
}

std::optional<Usage> parseUsageObject(std::string_view text)
{
    bool unsure = false;
    if (auto usage = scanUsageObject(text, unsure); usage || !unsure)
        return usage;
    return usageByPoco(text);
}

} // namespace

std::optional<Usage> usageByPoco(std::string_view object)
{
    try
    {
        Poco::JSON::Parser parser;
        const auto parsed = parser.parse(std::string(object)).extract<Poco::JSON::Object::Ptr>();
        if (!parsed)
            return std::nullopt;
        if (const auto input = integer(*parsed, "input_tokens"))
            return Usage{*input + integer(*parsed, "cache_read_input_tokens").value_or(0) +
                             integer(*parsed, "cache_creation_input_tokens").value_or(0),
                         integer(*parsed, "output_tokens").value_or(0)};
        if (const auto prompt = integer(*parsed, "prompt_tokens"))
            return Usage{*prompt, integer(*parsed, "completion_tokens").value_or(0)};
    }
    catch (...)
    {
        // Not an object we understand: no usage rather than a failed request.
    }
    return std::nullopt;
}

std::optional<Usage> findUsage(std::string_view json, UsageObjectParser parse)
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
        if (auto usage = parse(json.substr(i, length)))
            return usage;
    }
    return std::nullopt;
}

std::optional<Usage> scanUsage(std::string_view json)
{
    return findUsage(json, parseUsageObject);
}

} // namespace portico::openai
