#pragma once
// Origins as browsers send them in the Origin header ("https://app.example.com",
// "http://127.0.0.1:3000"), and the patterns [cors] allow_origins lists to match them.
//
// Matching works on the parsed parts, never on raw text: a substring or prefix test is how
// "https://evil-example.com" ends up allowed by "example.com".

#include <optional>
#include <string>
#include <string_view>

namespace portico::cors {

/// A serialized origin taken apart; scheme and host in lowercase, the port made explicit.
struct Origin
{
    std::string scheme;
    std::string host;
    /// The port, the scheme's default (80, 443) when none was written; 0 for a scheme without a
    /// default port and no port written.
    unsigned port = 0;
};

/// Parses `scheme "://" host [":" port]`, nothing else: no path (not even "/"), no query, no
/// userinfo, no whitespace. The host is a DNS name (letters, digits, '-', dots between
/// non-empty labels) or an IP literal ("127.0.0.1", "[::1]"). "null", the origin of sandboxed
/// frames and file: pages, is no origin here. Returns nothing for anything else.
std::optional<Origin> parseOrigin(std::string_view text);

/// One entry of allow_origins: an exact origin, or one whose host is "*.<domain>" (any
/// subdomain of <domain>, at any depth, but not <domain> itself), with the same scheme and port.
class OriginPattern
{
public:
    /// Throws std::invalid_argument saying what is wrong with `text`.
    static OriginPattern parse(std::string_view text);

    bool matches(const Origin& origin) const;
    /// The pattern as configured.
    const std::string& text() const { return text_; }
    bool wildcard() const { return wildcard_; }

private:
    std::string text_;
    /// For a wildcard: the host is the domain after "*.".
    Origin origin_;
    bool wildcard_ = false;
};

} // namespace portico::cors
