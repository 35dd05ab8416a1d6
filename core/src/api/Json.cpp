#include "portico/Json.h"
#include "Poco/UTF8Encoding.h"

namespace portico {

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not valid.
std::size_t utf8SequenceLength(std::string_view s, std::size_t i)
{
    const auto* p = reinterpret_cast<const unsigned char*>(s.data()) + i;
    const std::size_t left = s.size() - i;
    int length = Poco::UTF8Encoding().sequenceLength(p, static_cast<int>(left));
    if (length <= 0 || static_cast<std::size_t>(length) > left)
        return 0;
    return Poco::UTF8Encoding::isLegal(p, length) ? static_cast<std::size_t>(length) : 0;
}

} // namespace

std::string jsonString(std::string_view text)
{
    static const char* hex = "0123456789abcdef";
    std::string out;
    out.reserve(text.size() + 2);
    out += '"';
    for (std::size_t i = 0; i < text.size();)
    {
        // Copy the run of characters that need no escaping in one append (ids, paths, names:
        // usually the whole value).
        std::size_t plain = i;
        while (plain < text.size())
        {
            const auto c = static_cast<unsigned char>(text[plain]);
            if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\')
                break;
            ++plain;
        }
        out.append(text.data() + i, plain - i);
        i = plain;
        if (i == text.size())
            break;
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80)
        {
            switch (c)
            {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 0xF];
            }
            ++i;
            continue;
        }
        const std::size_t length = utf8SequenceLength(text, i);
        if (length == 0)
        {
            out += "\xEF\xBF\xBD"; // U+FFFD for a byte that is not valid UTF-8
            ++i;
        }
        else
        {
            out.append(text.data() + i, length);
            i += length;
        }
    }
    out += '"';
    return out;
}

std::string openAiErrorBody(const std::string& message, const std::string& type,
                            const std::string& code, const std::string& param)
{
    std::string out = "{\"error\":{\"message\":";
    out += jsonString(message);
    out += ",\"type\":";
    out += jsonString(type);
    out += ",\"param\":";
    out += param.empty() ? "null" : jsonString(param);
    out += ",\"code\":";
    out += code.empty() ? "null" : jsonString(code);
    out += "}}";
    return out;
}

const char* errorTypeForStatus(int status)
{
    switch (status)
    {
    case 401: return "invalid_request_error";
    case 404: return "invalid_request_error";
    case 429: return "requests";
    default:
        if (status >= 500)
            return "server_error";
        return "invalid_request_error";
    }
}

bool isAnthropicApiPath(std::string_view path)
{
    constexpr std::string_view prefix = "/v1/messages";
    return path.substr(0, prefix.size()) == prefix && (path.size() == prefix.size() || path[prefix.size()] == '/');
}

std::string anthropicErrorBody(const std::string& type, const std::string& message)
{
    std::string out = "{\"type\":\"error\",\"error\":{\"type\":";
    out += jsonString(type);
    out += ",\"message\":";
    out += jsonString(message);
    out += "}}";
    return out;
}

const char* anthropicErrorType(int status)
{
    switch (status)
    {
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 413: return "request_too_large";
    case 429: return "rate_limit_error";
    case 503:
    case 529: return "overloaded_error";
    default: return status >= 500 ? "api_error" : "invalid_request_error";
    }
}

} // namespace portico
