#include "CorsConfig.h"
#include "HeaderTokens.h"
#include <stdexcept>

namespace portico::cors {

namespace {

const std::vector<std::string> defaultMethods = {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};

/// Every item must be a token (a method or header name): a value with a space, a ';' or a line
/// break would be sent to browsers as is.
void requireTokens(const PluginConfig& config, const std::string& key, const std::vector<std::string>& items,
                   const char* what)
{
    for (const auto& item : items)
        if (!isToken(item))
            throw config.error(key, "'" + item + "' is not a " + what + " (letters, digits and !#$%&'*+-.^_`|~ only)");
}

} // namespace

const std::vector<std::string>& CorsConfig::defaultExposeHeaders()
{
    // What this project's plugins actually send (grep the plugins for the names): tracing's
    // ids, ratelimit's OpenAI-style and IETF headers and Retry-After, idempotency's replay
    // marks, the openai plugin's routing and upstream id headers. Content-Type and the other
    // CORS-safelisted response headers are readable without being listed.
    static const std::vector<std::string> headers = {
        "x-request-id",
        "x-trace-id",
        "x-ratelimit-limit-requests",
        "x-ratelimit-remaining-requests",
        "x-ratelimit-reset-requests",
        "x-ratelimit-limit-tokens",
        "x-ratelimit-remaining-tokens",
        "x-ratelimit-reset-tokens",
        "retry-after",
        "ratelimit-policy",
        "ratelimit",
        "idempotent-replayed",
        "idempotency-stream-limit",
        "x-portico-deployment",
        "x-portico-attempts",
        "x-upstream-request-id",
    };
    return headers;
}

CorsConfig CorsConfig::from(const PluginConfig& config)
{
    CorsConfig result;

    const auto origins = config.getList("allow_origins", {});
    for (const auto& item : origins)
    {
        if (item == "*")
        {
            if (origins.size() != 1)
                throw config.error("allow_origins", "'*' allows every origin and cannot be combined with a list");
            result.anyOrigin = true;
            continue;
        }
        try
        {
            result.origins.push_back(OriginPattern::parse(item));
        }
        catch (const std::invalid_argument& e)
        {
            throw config.error("allow_origins", e.what());
        }
    }

    result.allowCredentials = config.getBool("allow_credentials", false);
    // With credentials the browser refuses "*", and answering every origin with itself instead
    // would let any site make calls with the user's cookies: name the origins instead.
    if (result.allowCredentials && result.anyOrigin)
        throw config.error("allow_credentials", "cannot be true with allow_origins = * (list the origins instead)");

    const auto methods = config.getList("allow_methods", defaultMethods);
    if (methods.empty())
        throw config.error("allow_methods", "empty (list the methods pages may use, e.g. GET, POST)");
    requireTokens(config, "allow_methods", methods, "method");
    for (const auto& method : methods)
        if (method == "*" && result.allowCredentials)
            throw config.error("allow_methods", "'*' means the method \"*\" to browsers when allow_credentials is "
                                                "true: list the methods");
    result.allowMethods = joinList(methods);

    const auto headers = config.getList("allow_headers", {"*"});
    if (headers.size() == 1 && headers[0] == "*")
        result.reflectHeaders = true;
    else
    {
        for (const auto& header : headers)
            if (header == "*")
                throw config.error("allow_headers", "'*' (reflect what the preflight asks) cannot be combined with a list");
        requireTokens(config, "allow_headers", headers, "header name");
        result.reflectHeaders = false;
        result.allowHeaders = joinList(headers);
    }

    const auto expose = config.getList("expose_headers", defaultExposeHeaders());
    requireTokens(config, "expose_headers", expose, "header name");
    for (const auto& header : expose)
        if (header == "*" && result.allowCredentials)
            throw config.error("expose_headers", "'*' means the name \"*\" to browsers when allow_credentials is "
                                                 "true: list the headers");
    result.exposeHeaders = joinList(expose);

    // Browsers cap it (Chromium at 7200, Firefox at 86400); more than a day is a mistake.
    result.maxAge = std::to_string(config.getInt("max_age_seconds", 600, 0, 86400));
    return result;
}

} // namespace portico::cors
