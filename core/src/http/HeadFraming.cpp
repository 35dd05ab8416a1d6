// Framing and persistence of a parsed head (HeadFraming.h). Every rule here closes a way for two
// parsers to disagree on where a body ends (request smuggling, response splitting), so the
// rules refuse what RFC 9112 §6 lets a recipient "handle": any doubt is an error, and the
// connection closes after the answer.

#include "http/HeadFraming.h"
#include <cstdio>
#include <limits>

namespace portico::detail {
namespace {

bool isOws(char c)
{
    return c == ' ' || c == '\t';
}

/// True when the comma-separated list `list` has the element `token` (ASCII case ignored).
bool listHas(std::string_view list, std::string_view token)
{
    while (!list.empty())
    {
        const std::size_t comma = list.find(',');
        std::string_view element = list.substr(0, comma);
        while (!element.empty() && isOws(element.front()))
            element.remove_prefix(1);
        while (!element.empty() && isOws(element.back()))
            element.remove_suffix(1);
        if (equalsIgnoringCase(element, token))
            return true;
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    }
    return false;
}

/// The fields that decide framing and persistence.
struct FramingFields
{
    int contentLengths = 0;
    std::string_view contentLength; ///< the last one's value
    int transferEncodings = 0;
    std::string transferEncoding; ///< every Transfer-Encoding field's value, joined by ", "
    bool close = false;           ///< Connection lists "close"
    bool keepAlive = false;       ///< Connection lists "keep-alive"
    bool expectContinue = false;
    int hosts = 0;
    std::string_view host; ///< the last Host field's value
};

FramingFields framingFields(const HeaderList& headers)
{
    FramingFields f;
    for (const auto& [name, value] : headers)
    {
        if (HeaderList::sameName(name, "Content-Length"))
        {
            ++f.contentLengths;
            f.contentLength = value;
        }
        else if (HeaderList::sameName(name, "Transfer-Encoding"))
        {
            if (f.transferEncodings++ > 0)
                f.transferEncoding += ", ";
            f.transferEncoding += value;
        }
        else if (HeaderList::sameName(name, "Connection"))
        {
            f.close = f.close || listHas(value, "close");
            f.keepAlive = f.keepAlive || listHas(value, "keep-alive");
        }
        else if (HeaderList::sameName(name, "Expect"))
            f.expectContinue = f.expectContinue || equalsIgnoringCase(value, "100-continue");
        else if (HeaderList::sameName(name, "Host"))
        {
            ++f.hosts;
            f.host = value;
        }
    }
    return f;
}

/// RFC 3986 unreserved, sub-delims and '%' (of pct-encoded): the bytes of a reg-name or an
/// IPv4 address.
constexpr ByteSet makeHostChars() noexcept
{
    ByteSet set;
    for (int c = 0; c < 256; ++c)
        set.has[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    for (const char symbol : std::string_view("-._~!$&'()*+,;=%"))
        set.has[static_cast<unsigned char>(symbol)] = true;
    return set;
}
constexpr ByteSet hostChars = makeHostChars();

bool isHexDigit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/// RFC 9112 §3.2: Host = uri-host [ ":" port ] (RFC 3986 §3.2.2-3.2.3), or empty. A reg-name,
/// an IPv4 address or an IP-literal in brackets (whose inside is only checked for its bytes:
/// hex digits, '.', ':' and those of IPvFuture), then at most a colon and digits. No userinfo,
/// no whitespace, no path.
bool validHost(std::string_view host)
{
    std::size_t i = 0;
    if (!host.empty() && host.front() == '[')
    {
        const std::size_t close = host.find(']');
        if (close == std::string_view::npos || close == 1)
            return false;
        for (i = 1; i < close; ++i)
            if (!hostChars(host[i]) && host[i] != ':')
                return false;
        i = close + 1;
    }
    else
    {
        for (; i < host.size() && host[i] != ':'; ++i)
        {
            if (!hostChars(host[i]))
                return false;
            if (host[i] == '%' && (i + 2 >= host.size() || !isHexDigit(host[i + 1]) || !isHexDigit(host[i + 2])))
                return false;
        }
    }
    if (i == host.size())
        return true;
    if (host[i] != ':')
        return false;
    for (++i; i < host.size(); ++i)
        if (host[i] < '0' || host[i] > '9')
            return false;
    return true;
}

/// What is wrong with the Content-Length fields (a phrase that follows "has"), or "" when there
/// is none, or exactly one that is 1*DIGIT and fits in 64 bits (then `length` is its value).
/// Two fields or a list are refused even when the values agree: RFC 9112 §6.3 lets a recipient
/// merge them, and a parser in front of porticod may not have.
std::string contentLengthProblem(const FramingFields& f, std::uint64_t& length)
{
    if (f.contentLengths > 1)
        return std::to_string(f.contentLengths) + " Content-Length headers";
    if (f.contentLengths == 0)
        return {};
    if (f.contentLength.empty())
        return "an empty Content-Length";
    if (f.contentLength.find(',') != std::string_view::npos)
        return "a Content-Length that is a list (" + quoted(f.contentLength) + "), not one number";
    constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
    length = 0;
    for (const char c : f.contentLength)
    {
        if (c < '0' || c > '9')
            return "a Content-Length that is not a number (" + quoted(f.contentLength) + ")";
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (length > (max - digit) / 10)
            return "a Content-Length too large (" + quoted(f.contentLength) + ")";
        length = length * 10 + digit;
    }
    return {};
}

bool refuse(HeadError& error, int status, const char* code, std::string message)
{
    error = {status, std::move(message), code};
    return false;
}

bool refuseAnswer(HeadError& error, const std::string& problem)
{
    return refuse(error, 502, "upstream_error", "the upstream's answer has " + problem);
}

} // namespace

std::string hexByte(char c)
{
    char text[8];
    std::snprintf(text, sizeof text, "0x%02X", static_cast<unsigned char>(c));
    return text;
}

std::string quoted(std::string_view text)
{
    std::string out = "'";
    for (std::size_t i = 0; i < text.size() && i < quoteLimit; ++i)
    {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte >= 0x20 && byte < 0x7f && byte != '\\')
            out += text[i];
        else
            out += "\\x" + hexByte(text[i]).substr(2);
    }
    return out + (text.size() > quoteLimit ? "...'" : "'");
}

bool requestFraming(RequestHead& head, HeadError& error)
{
    const FramingFields f = framingFields(head.headers);
    if (f.transferEncodings > 0 && f.contentLengths > 0)
        return refuse(error, 400, "malformed_request",
                      "The request sent both Transfer-Encoding and Content-Length; only one may frame a body.");
    // RFC 9112 §6.1: an HTTP/1.0 recipient would not know chunked; its framing is faulty.
    if (f.transferEncodings > 0 && head.http10)
        return refuse(error, 400, "malformed_request", "Transfer-Encoding is not allowed in an HTTP/1.0 request.");
    std::uint64_t length = 0;
    if (const std::string problem = contentLengthProblem(f, length); !problem.empty())
        return refuse(error, 400, "malformed_request", "The request head has " + problem + ".");
    if (f.transferEncodings > 0)
    {
        // Exactly one coding, chunked: "chunked, chunked" or "gzip, chunked" would need decoding
        // twice, or a decoder porticod does not have.
        if (!equalsIgnoringCase(f.transferEncoding, "chunked"))
            return refuse(error, 501, "unsupported_transfer_encoding",
                          "Transfer-Encoding " + quoted(f.transferEncoding) + " is not supported; only 'chunked' is.");
        head.framing = BodyFraming::Chunked;
    }
    else if (f.contentLengths > 0)
    {
        head.framing = BodyFraming::Length;
        head.contentLength = length;
    }
    // RFC 9112 §3.2: exactly one Host in HTTP/1.1, at most one in HTTP/1.0, and a valid one.
    // Checked after the framing, so that a request both ambiguous and without Host is refused
    // for its framing. (The empty value is valid: a target without an authority.)
    if (f.hosts > 1)
        return refuse(error, 400, "malformed_request",
                      "The request has " + std::to_string(f.hosts) + " Host headers; only one is allowed.");
    if (f.hosts == 0 && !head.http10)
        return refuse(error, 400, "malformed_request", "The request has no Host header (HTTP/1.1 requires one).");
    if (f.hosts == 1 && !validHost(f.host))
        return refuse(error, 400, "malformed_request",
                      "The request's Host header " + quoted(f.host) + " is not a host with an optional port.");
    head.keepAlive = !f.close && (!head.http10 || f.keepAlive);
    // RFC 9110 §10.1.1: a server MUST ignore 100-continue in an HTTP/1.0 request (its client
    // would not understand the interim answer).
    head.expectContinue = f.expectContinue && !head.http10;
    return true;
}

bool answerFraming(ResponseHead& head, bool requestWasHead, HeadError& error)
{
    const FramingFields f = framingFields(head.headers);
    if (f.transferEncodings > 0 && f.contentLengths > 0)
        return refuseAnswer(error, "both Transfer-Encoding and Content-Length headers");
    if (f.transferEncodings > 0 && head.http10)
        return refuseAnswer(error, "Transfer-Encoding in an HTTP/1.0 answer");
    std::uint64_t length = 0;
    if (const std::string problem = contentLengthProblem(f, length); !problem.empty())
        return refuseAnswer(error, problem);
    // RFC 9112 §6.3 rule 1: these have no body, whatever their fields say.
    const bool noBody = requestWasHead || head.status < 200 || head.status == 204 || head.status == 304;
    if (noBody)
        head.framing = BodyFraming::None;
    else if (f.transferEncodings > 0)
    {
        if (!equalsIgnoringCase(f.transferEncoding, "chunked"))
            return refuseAnswer(error, "a Transfer-Encoding other than 'chunked' (" + quoted(f.transferEncoding) + ")");
        head.framing = BodyFraming::Chunked;
    }
    else if (f.contentLengths > 0)
    {
        head.framing = BodyFraming::Length;
        head.contentLength = length;
    }
    else
        head.framing = BodyFraming::UntilClose;
    // A body that ends at the close leaves nothing to reuse the connection for.
    head.keepAlive = !f.close && (!head.http10 || f.keepAlive) && head.framing != BodyFraming::UntilClose;
    return true;
}

} // namespace portico::detail
