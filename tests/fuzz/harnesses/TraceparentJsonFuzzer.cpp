// Fuzzes the two parsers of untrusted text in the core's public API:
//  - Traceparent::parse (the W3C traceparent header): what it accepts has a 32-hex trace id
//    and a 16-hex parent id, neither all zero, and format() of it parses back to the same;
//  - jsonString / openAiErrorBody (every error message the gateway writes, often quoting the
//    client's bytes): the output is always one valid JSON string in valid UTF-8, it decodes
//    back to the input when the input was valid UTF-8, and an error body is a JSON object that
//    Poco's parser reads back with the same message.

#include "FuzzCheck.h"
#include "portico/Json.h"
#include "portico/Traceparent.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include <cstdint>
#include <string>

using portico::fuzz::check;
using portico::fuzz::isValidUtf8;

namespace {

bool isLowerHex(const std::string& s, std::size_t size)
{
    return s.size() == size && s.find_first_not_of("0123456789abcdef") == std::string::npos &&
           s.find_first_not_of('0') != std::string::npos;
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void appendUtf8(std::string& out, std::uint32_t cp)
{
    if (cp < 0x80)
        out += static_cast<char>(cp);
    else if (cp < 0x800)
    {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    else if (cp < 0x10000)
    {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    else
    {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

/// Decodes one JSON string literal (RFC 8259) strictly; aborts on anything that is not one.
std::string decodeJsonString(const std::string& literal)
{
    check(literal.size() >= 2 && literal.front() == '"' && literal.back() == '"', "quoted");
    check(isValidUtf8(literal), "valid UTF-8");
    std::string out;
    for (std::size_t i = 1; i + 1 < literal.size(); ++i)
    {
        const auto c = static_cast<unsigned char>(literal[i]);
        check(c >= 0x20, "no raw control character");
        check(c != '"', "no unescaped quote");
        if (c != '\\')
        {
            out += static_cast<char>(c);
            continue;
        }
        check(i + 2 < literal.size(), "an escape is complete");
        const char e = literal[++i];
        switch (e)
        {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u':
        {
            check(i + 4 < literal.size() - 1, "\\u has four digits");
            std::uint32_t cp = 0;
            for (int k = 1; k <= 4; ++k)
            {
                const int v = hexValue(literal[i + static_cast<std::size_t>(k)]);
                check(v >= 0, "\\u digits are hex");
                cp = cp * 16 + static_cast<std::uint32_t>(v);
            }
            i += 4;
            check(cp < 0xD800 || cp > 0xDFFF, "no escaped lone surrogate");
            appendUtf8(out, cp);
            break;
        }
        default: check(false, "a known escape");
        }
    }
    return out;
}

void fuzzTraceparent(const std::string& header)
{
    const auto parsed = portico::Traceparent::parse(header);
    if (!parsed)
        return;
    check(isLowerHex(parsed->traceId, 32), "trace id: 32 lowercase hex, not all zero");
    check(isLowerHex(parsed->parentId, 16), "parent id: 16 lowercase hex, not all zero");
    const std::string formatted = parsed->format();
    const auto again = portico::Traceparent::parse(formatted);
    check(again.has_value(), "format() parses");
    check(again->traceId == parsed->traceId && again->parentId == parsed->parentId &&
              again->sampled == parsed->sampled,
          "format() round-trips");
    if (header.compare(0, 3, "00-") == 0 && (header.substr(53) == "00" || header.substr(53) == "01"))
        check(formatted == header, "a version-00 header with flags 00/01 formats back to itself");
}

void fuzzJson(const std::string& text)
{
    const std::string literal = portico::jsonString(text);
    const std::string decoded = decodeJsonString(literal);
    if (isValidUtf8(text))
        check(decoded == text, "valid UTF-8 round-trips through jsonString");

    const std::string body = portico::openAiErrorBody(text, "invalid_request_error", text, text);
    Poco::JSON::Parser parser;
    Poco::Dynamic::Var parsed;
    try
    {
        parsed = parser.parse(body);
    }
    catch (...)
    {
        check(false, "openAiErrorBody is JSON that Poco parses");
    }
    const auto root = parsed.extract<Poco::JSON::Object::Ptr>();
    const auto error = root->getObject("error");
    check(!error.isNull(), "an error object");
    check(error->getValue<std::string>("message") == decoded, "the message reads back");
    check(error->getValue<std::string>("type") == "invalid_request_error", "the type reads back");
    if (text.empty())
        check(error->isNull("param") && error->isNull("code"), "empty param and code are null");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string text(reinterpret_cast<const char*>(data), size);
    fuzzTraceparent(text);
    fuzzJson(text);
    return 0;
}
