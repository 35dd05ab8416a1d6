#include "IdempotencyKey.h"
#include "Poco/DigestEngine.h"
#include "Poco/SHA2Engine.h"
#include <cstdio>

namespace portico::idempotency {

namespace {

bool printable(unsigned char c)
{
    return c >= 0x20 && c <= 0x7E;
}

std::string describeByte(unsigned char c)
{
    char text[8];
    std::snprintf(text, sizeof text, "0x%02X", c);
    return text;
}

ParsedKey problem(std::string why)
{
    ParsedKey result;
    result.problem = std::move(why);
    return result;
}

ParsedKey checkLength(std::string key)
{
    if (key.empty())
        return problem("the key is empty (send 1 to 255 printable ASCII characters)");
    if (key.size() > MaxKeyLength)
        return problem("the key is " + std::to_string(key.size()) + " characters long; the limit is " +
                       std::to_string(MaxKeyLength));
    ParsedKey result;
    result.key = std::move(key);
    return result;
}

// A structured-field string (RFC 8941 section 3.3.3): DQUOTE *( unescaped / "\" ( DQUOTE / "\" ) ) DQUOTE.
ParsedKey parseQuoted(const std::string& value)
{
    std::string key;
    for (std::size_t i = 1; i < value.size(); ++i)
    {
        const unsigned char c = static_cast<unsigned char>(value[i]);
        if (c == '\\')
        {
            if (i + 1 >= value.size())
                return problem("the quoted string ends in a lone backslash");
            const char next = value[++i];
            if (next != '"' && next != '\\')
                return problem(std::string("the quoted string has the escape \\") + next +
                               " (only \\\" and \\\\ are allowed)");
            key += next;
        }
        else if (c == '"')
        {
            if (i + 1 != value.size())
                return problem("there is text after the closing quote (parameters are not accepted)");
            return checkLength(std::move(key));
        }
        else if (!printable(c))
            return problem("the key contains the byte " + describeByte(c) + " at position " + std::to_string(i) +
                           " (only printable ASCII, 0x20-0x7E, is allowed)");
        else
            key += static_cast<char>(c);
    }
    return problem("the quoted string has no closing quote");
}

} // namespace

ParsedKey parseIdempotencyKey(const std::string& headerValue)
{
    std::size_t begin = 0;
    std::size_t end = headerValue.size();
    while (begin < end && (headerValue[begin] == ' ' || headerValue[begin] == '\t'))
        ++begin;
    while (end > begin && (headerValue[end - 1] == ' ' || headerValue[end - 1] == '\t'))
        --end;
    const std::string value = headerValue.substr(begin, end - begin);
    if (!value.empty() && value.front() == '"')
        return parseQuoted(value);
    for (std::size_t i = 0; i < value.size(); ++i)
    {
        const unsigned char c = static_cast<unsigned char>(value[i]);
        if (!printable(c))
            return problem("the key contains the byte " + describeByte(c) + " at position " + std::to_string(i) +
                           " (only printable ASCII, 0x20-0x7E, is allowed)");
    }
    return checkLength(value);
}

std::string identityKey(const std::string& principal, const std::string& route, const std::string& key)
{
    std::string out;
    out.reserve(principal.size() + route.size() + key.size() + 16);
    for (const std::string* part : {&principal, &route, &key})
    {
        if (!out.empty())
            out += '|';
        out += std::to_string(part->size());
        out += ':';
        out += *part;
    }
    return out;
}

std::string bodyFingerprint(const std::string& body)
{
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
    engine.update(body.data(), body.size());
    return Poco::DigestEngine::digestToHex(engine.digest());
}

} // namespace portico::idempotency
