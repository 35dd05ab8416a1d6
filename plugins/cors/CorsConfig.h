#pragma once
// The cors plugin's immutable configuration: which origins may call from a browser, and the
// values of the Access-Control-* headers, joined once at load.

#include "Origin.h"
#include "portico/PluginConfig.h"
#include <string>
#include <vector>

namespace portico::cors {

struct CorsConfig
{
    /// allow_origins = * : any origin, answered with "Access-Control-Allow-Origin: *".
    bool anyOrigin = false;
    /// The listed origins and wildcard patterns (empty with anyOrigin, or when nothing is allowed).
    std::vector<OriginPattern> origins;
    /// Access-Control-Allow-Methods.
    std::string allowMethods;
    /// allow_headers = * : a preflight gets back the header names it asked for.
    bool reflectHeaders = true;
    /// Access-Control-Allow-Headers when not reflecting; empty: the header is not sent.
    std::string allowHeaders;
    /// Access-Control-Expose-Headers; empty: the header is not sent.
    std::string exposeHeaders;
    bool allowCredentials = false;
    /// Access-Control-Max-Age, as text.
    std::string maxAge;

    /// True when some origin can be allowed, i.e. the plugin adds headers at all.
    bool allowsAny() const { return anyOrigin || !origins.empty(); }

    /// Reads and checks every key; a bad one is a ConfigError naming the file and the key.
    static CorsConfig from(const PluginConfig& config);

    /// The default of expose_headers: the headers Portico's plugins send that a page's script
    /// may want to read (rate limits, request and trace ids, retries, replays, routing).
    static const std::vector<std::string>& defaultExposeHeaders();
};

} // namespace portico::cors
