#include "Origin.h"
#include "portico/AsciiCase.h"
#include <stdexcept>

namespace portico::cors {

namespace {

bool isAlpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

bool isHex(char c)
{
    return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::string lower(std::string_view text)
{
    std::string out(text);
    for (char& c : out)
        c = asciiLower(c);
    return out;
}

bool validScheme(std::string_view scheme)
{
    if (scheme.empty() || !isAlpha(scheme[0]))
        return false;
    for (char c : scheme)
        if (!isAlpha(c) && !isDigit(c) && c != '+' && c != '-' && c != '.')
            return false;
    return true;
}

/// A DNS name or a dotted IPv4 address: non-empty labels of letters, digits, '-' and '_'
/// (Chromium lets '_' through in hosts), at most 63 bytes each, 253 in all.
bool validName(std::string_view host)
{
    if (host.empty() || host.size() > 253)
        return false;
    std::size_t label = 0;
    for (char c : host)
    {
        if (c == '.')
        {
            if (label == 0)
                return false;
            label = 0;
            continue;
        }
        if (!isAlpha(c) && !isDigit(c) && c != '-' && c != '_')
            return false;
        if (++label > 63)
            return false;
    }
    return label != 0; // no empty last label: "example.com." is not how a browser writes it
}

/// The inside of "[...]": hex digits, ':' and '.' (an embedded IPv4 address).
bool validIpv6(std::string_view inside)
{
    if (inside.size() < 2)
        return false;
    for (char c : inside)
        if (!isHex(c) && c != ':' && c != '.')
            return false;
    return true;
}

unsigned defaultPort(const std::string& scheme)
{
    if (scheme == "http" || scheme == "ws")
        return 80;
    if (scheme == "https" || scheme == "wss")
        return 443;
    return 0;
}

/// 1 to 65535, digits only.
std::optional<unsigned> parsePort(std::string_view text)
{
    if (text.empty() || text.size() > 5)
        return std::nullopt;
    unsigned value = 0;
    for (char c : text)
    {
        if (!isDigit(c))
            return std::nullopt;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535)
        return std::nullopt;
    return value;
}

bool endsWith(std::string_view text, std::string_view tail)
{
    return text.size() >= tail.size() && text.substr(text.size() - tail.size()) == tail;
}

} // namespace

std::optional<Origin> parseOrigin(std::string_view text)
{
    const std::size_t separator = text.find("://");
    if (separator == std::string_view::npos || !validScheme(text.substr(0, separator)))
        return std::nullopt;
    Origin origin;
    origin.scheme = lower(text.substr(0, separator));
    std::string_view authority = text.substr(separator + 3);
    std::string_view host = authority;
    std::string_view port;
    bool hasPort = false;
    if (!authority.empty() && authority[0] == '[')
    {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos || !validIpv6(authority.substr(1, close - 1)))
            return std::nullopt;
        host = authority.substr(0, close + 1);
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty())
        {
            if (after[0] != ':')
                return std::nullopt;
            port = after.substr(1);
            hasPort = true;
        }
    }
    else
    {
        const std::size_t colon = authority.find(':');
        if (colon != std::string_view::npos)
        {
            host = authority.substr(0, colon);
            port = authority.substr(colon + 1);
            hasPort = true;
        }
        // Everything that is no part of a name ('/', '?', '#', '@', spaces, controls, a second
        // ':') is refused here.
        if (!validName(host))
            return std::nullopt;
    }
    origin.host = lower(host);
    origin.port = defaultPort(origin.scheme);
    if (hasPort)
    {
        const auto number = parsePort(port);
        if (!number)
            return std::nullopt;
        origin.port = *number;
    }
    return origin;
}

OriginPattern OriginPattern::parse(std::string_view text)
{
    const std::string quoted = "'" + std::string(text) + "'";
    if (text == "null")
        throw std::invalid_argument(quoted + " cannot be allowed: sandboxed frames and file: pages send it, so "
                                             "allowing it allows any page");
    OriginPattern pattern;
    pattern.text_ = std::string(text);
    const std::size_t separator = text.find("://");
    std::string plain(text);
    if (text.find('*') != std::string_view::npos)
    {
        // Only "scheme://*.domain[:port]": a '*' anywhere else would be matched as text or not
        // at all, and either is a surprise.
        if (separator == std::string_view::npos || text.compare(separator + 3, 2, "*.") != 0 ||
            text.find('*', separator + 4) != std::string_view::npos)
            throw std::invalid_argument(quoted + ": a wildcard is only allowed as the whole first label of the host, "
                                                 "as in https://*.example.com");
        pattern.wildcard_ = true;
        plain = std::string(text.substr(0, separator + 3)) + std::string(text.substr(separator + 5));
    }
    const auto origin = parseOrigin(plain);
    if (!origin)
    {
        const std::size_t authority = separator == std::string_view::npos ? 0 : separator + 3;
        if (separator != std::string_view::npos && text.find_first_of("/?#", authority) != std::string_view::npos)
            throw std::invalid_argument(quoted + " is not an origin: no path, query or trailing '/' (an origin is "
                                                 "scheme://host[:port], e.g. https://app.example.com)");
        throw std::invalid_argument(quoted + " is not an origin (scheme://host[:port], e.g. https://app.example.com)");
    }
    pattern.origin_ = *origin;
    if (pattern.wildcard_)
    {
        const std::string& domain = pattern.origin_.host;
        const bool ipLiteral = domain[0] == '[' || isDigit(domain.back());
        if (ipLiteral || domain.find('.') == std::string::npos)
            throw std::invalid_argument(quoted + ": the wildcard needs a domain of two labels or more after '*.' "
                                                 "(*.com would allow every .com site)");
    }
    return pattern;
}

bool OriginPattern::matches(const Origin& origin) const
{
    if (origin.scheme != origin_.scheme || origin.port != origin_.port)
        return false;
    if (!wildcard_)
        return origin.host == origin_.host;
    // A subdomain: "<one or more labels>.<domain>". The '.' before the domain is what keeps
    // evil-example.com out of *.example.com; the length test keeps example.com itself out.
    return origin.host.size() > origin_.host.size() + 1 && endsWith(origin.host, origin_.host) &&
           origin.host[origin.host.size() - origin_.host.size() - 1] == '.';
}

} // namespace portico::cors
