// Differential fuzzing of scanUsage (UsageScanner, JsonObjectScanner first, Poco::JSON when
// unsure) against the same search done with Poco::JSON alone: for any upstream answer, both
// must find the same usage counts, or both none.

#include "FuzzCheck.h"
#include "UsageScanner.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include <cstdint>
#include <string>

using portico::fuzz::check;
using namespace portico::openai;

namespace {

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/// Independent of UsageScanner.cpp on purpose (same rule: strings and nesting respected).
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
        }
        else if (c == '"')
            inString = true;
        else if (c == '{')
            ++depth;
        else if (c == '}' && --depth == 0)
            return i - begin + 1;
    }
    return 0;
}

std::optional<long long> pocoInteger(const Poco::JSON::Object& object, const char* name)
{
    if (!object.has(name))
        return std::nullopt;
    const Poco::Dynamic::Var value = object.get(name);
    if (value.isEmpty() || !value.isNumeric())
        return std::nullopt;
    return value.convert<long long>();
}

/// The usage object read by Poco::JSON only.
std::optional<Usage> pocoUsage(std::string_view text)
{
    try
    {
        Poco::JSON::Parser parser;
        const auto object = parser.parse(std::string(text)).extract<Poco::JSON::Object::Ptr>();
        if (!object)
            return std::nullopt;
        if (const auto input = pocoInteger(*object, "input_tokens"))
            return Usage{*input, pocoInteger(*object, "output_tokens").value_or(0)};
        if (const auto prompt = pocoInteger(*object, "prompt_tokens"))
            return Usage{*prompt, pocoInteger(*object, "completion_tokens").value_or(0)};
    }
    catch (...)
    {
    }
    return std::nullopt;
}

/// scanUsage's documented search (the last "usage": {...} with counts), Poco::JSON only.
std::optional<Usage> referenceUsage(std::string_view json)
{
    static constexpr std::string_view key = "\"usage\"";
    for (std::size_t end = json.size(); end > 0;)
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
            continue;
        const std::size_t length = objectLength(json, i);
        if (length == 0)
            continue;
        if (auto usage = pocoUsage(json.substr(i, length)))
            return usage;
    }
    return std::nullopt;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view json(reinterpret_cast<const char*>(data), size);
    const auto scanned = scanUsage(json);
    const auto reference = referenceUsage(json);
    check(scanned.has_value() == reference.has_value(), "scanUsage and Poco::JSON disagree on whether there is usage");
    if (scanned)
    {
        check(scanned->inputTokens == reference->inputTokens, "scanUsage read another input count than Poco::JSON");
        check(scanned->outputTokens == reference->outputTokens, "scanUsage read another output count than Poco::JSON");
    }
    return 0;
}
