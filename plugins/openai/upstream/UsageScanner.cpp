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

/// The raw values of the members `names` of the JSON object `object` (empty: absent); false when
/// only the full parse can tell (an escaped key, a name given twice, text the scanner gives up on).
template <std::size_t Count>
bool findMembers(std::string_view object, const std::string_view (&names)[Count], std::string_view (&found)[Count])
{
    JsonObjectScanner scanner(object, 64);
    JsonMember member;
    while (scanner.next(member))
    {
        if (member.keyEscaped)
            return false;
        for (std::size_t i = 0; i < Count; ++i)
            if (member.key == names[i])
            {
                if (!found[i].empty())
                    return false; // twice: the full parser picks
                found[i] = member.value;
            }
    }
    return scanner.ok();
}

/// The cached_tokens of a prompt_tokens_details or input_tokens_details value (`details`, raw
/// text): Absent when the value is no object or has none, Unsure when only the full parse can
/// tell.
Count cachedTokensIn(std::string_view details, long long& number)
{
    if (details.empty() || details.front() != '{')
        return Count::Absent;
    static constexpr std::string_view names[1] = {"cached_tokens"};
    std::string_view found[1];
    if (!findMembers(details, names, found))
        return Count::Unsure;
    return found[0].empty() ? Count::Absent : classify(found[0], number);
}

/// parseUsageObject without a JSON tree, for a usage object the scanner accepts whole; nothing
/// in `unsure` when only the full parse can decide.
std::optional<Usage> scanUsageObject(std::string_view text, bool& unsure)
{
    // Anthropic's cache reads and writes are left out of its input_tokens; OpenAI's cached
    // tokens are a part of prompt_tokens (chat) or input_tokens (Responses), told in *_details.
    enum Field
    {
        Input,
        Output,
        Prompt,
        Completion,
        CacheRead,
        CacheCreation,
        PromptDetails,
        InputDetails,
        Fields
    };
    static constexpr std::string_view names[Fields] = {
        "input_tokens",          "output_tokens",           "prompt_tokens",         "completion_tokens",
        "cache_read_input_tokens", "cache_creation_input_tokens", "prompt_tokens_details", "input_tokens_details"};
    std::string_view found[Fields];
    if (!findMembers(text, names, found))
        return unsure = true, std::nullopt;
    long long counts[Fields] = {};
    Count kinds[Fields];
    for (int i = 0; i < Fields; ++i)
    {
        if (found[i].empty())
            kinds[i] = Count::Absent;
        else if (i == PromptDetails || i == InputDetails)
            kinds[i] = cachedTokensIn(found[i], counts[i]);
        else
            kinds[i] = classify(found[i], counts[i]);
        if (kinds[i] == Count::Unsure)
            return unsure = true, std::nullopt;
    }
    const auto count = [&](int i) { return kinds[i] == Count::Integer ? counts[i] : 0; };
    if (kinds[Input] == Count::Integer)
        return Usage{counts[Input] + count(CacheRead) + count(CacheCreation), count(Output),
                     count(CacheRead) + count(InputDetails)};
    if (kinds[Prompt] == Count::Integer)
        return Usage{counts[Prompt], count(Completion), count(PromptDetails)};
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
        const auto cachedIn = [&](const char* details) -> long long {
            const auto object = parsed->getObject(details);
            return object ? integer(*object, "cached_tokens").value_or(0) : 0;
        };
        if (const auto input = integer(*parsed, "input_tokens"))
        {
            const long long cacheRead = integer(*parsed, "cache_read_input_tokens").value_or(0);
            return Usage{*input + cacheRead + integer(*parsed, "cache_creation_input_tokens").value_or(0),
                         integer(*parsed, "output_tokens").value_or(0), cacheRead + cachedIn("input_tokens_details")};
        }
        if (const auto prompt = integer(*parsed, "prompt_tokens"))
            return Usage{*prompt, integer(*parsed, "completion_tokens").value_or(0), cachedIn("prompt_tokens_details")};
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
