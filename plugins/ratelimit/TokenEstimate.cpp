#include "TokenEstimate.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include <charconv>

namespace portico::ratelimit {

namespace {

constexpr long long BytesPerToken = 4;
constexpr const char* OutputCeilings[] = {"max_output_tokens", "max_completion_tokens", "max_tokens"};

bool looksLikeJsonObject(const std::string& body)
{
    for (char c : body)
    {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        return c == '{';
    }
    return false;
}

long long outputCeiling(const std::string& body)
{
    if (!looksLikeJsonObject(body))
        return 0;
    try
    {
        Poco::JSON::Parser parser;
        const Poco::Dynamic::Var parsed = parser.parse(body);
        const auto object = parsed.extract<Poco::JSON::Object::Ptr>();
        for (const char* name : OutputCeilings)
        {
            if (!object->has(name) || object->isNull(name))
                continue;
            const Poco::Dynamic::Var value = object->get(name);
            if (!value.isNumeric())
                return 0;
            const double number = value.convert<double>();
            return number > 0 && number < 1e12 ? static_cast<long long>(number) : 0;
        }
    }
    catch (...)
    {
        // Not valid JSON: the handler will refuse it; reserve by size only.
    }
    return 0;
}

} // namespace

TokenEstimate TokenEstimate::fromBody(const std::string& body)
{
    TokenEstimate estimate;
    estimate.input = (static_cast<long long>(body.size()) + BytesPerToken - 1) / BytesPerToken;
    estimate.output = outputCeiling(body);
    return estimate;
}

long long parseCount(const std::string* text)
{
    if (!text || text->empty())
        return -1;
    long long value = 0;
    const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (error != std::errc() || end != text->data() + text->size() || value < 0)
        return -1;
    return value;
}

} // namespace portico::ratelimit
