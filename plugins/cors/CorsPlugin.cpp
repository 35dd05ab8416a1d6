#include "CorsPlugin.h"
#include "HeaderTokens.h"

namespace portico::cors {

namespace {

const std::string AllowOrigin = "Access-Control-Allow-Origin";
const std::string AllowCredentials = "Access-Control-Allow-Credentials";
const std::string AllowMethods = "Access-Control-Allow-Methods";
const std::string AllowHeaders = "Access-Control-Allow-Headers";
const std::string ExposeHeaders = "Access-Control-Expose-Headers";
const std::string MaxAge = "Access-Control-Max-Age";

bool isPreflight(const Exchange& exchange)
{
    return exchange.method() == "OPTIONS" && !exchange.requestHeader("Origin").empty() &&
           !exchange.requestHeader("Access-Control-Request-Method").empty();
}

} // namespace

CorsPlugin::CorsPlugin(PluginContext& context)
    : config_(CorsConfig::from(context.config())), preflight_(context.stateSlot<bool>())
{
}

bool CorsPlugin::listed(const std::string& origin) const
{
    if (config_.origins.empty())
        return false;
    const auto parsed = parseOrigin(origin);
    if (!parsed)
        return false;
    for (const auto& pattern : config_.origins)
        if (pattern.matches(*parsed))
            return true;
    return false;
}

void CorsPlugin::onRequest(Exchange& exchange)
{
    if (!isPreflight(exchange))
        return;
    // Answered whatever the origin: a refused preflight must not reach auth (a 401 there would
    // be logged as a bad key) nor use up the caller's rate limit.
    exchange.respond(204, std::string());
    exchange.emplaceState(preflight_, true);
    answerPreflight(exchange);
}

void CorsPlugin::answerPreflight(Exchange& exchange) const
{
    // A method that is no token is no request a browser would make: no CORS headers.
    if (!config_.allowsAny() || !isToken(exchange.requestHeader("Access-Control-Request-Method")))
        return;
    HeaderList& headers = exchange.response().headers;
    if (config_.anyOrigin)
        headers.set(AllowOrigin, "*");
    else
    {
        appendVary(headers, "Origin");
        const std::string& origin = exchange.requestHeader("Origin");
        if (!listed(origin))
            return;
        // The origin as the browser sent it: it compares the two byte for byte. listed() has
        // checked that it is a well-formed origin, so it holds no CR, LF or NUL.
        headers.set(AllowOrigin, origin);
        if (config_.allowCredentials)
            headers.set(AllowCredentials, "true");
    }
    headers.set(AllowMethods, config_.allowMethods);
    if (config_.reflectHeaders)
    {
        appendVary(headers, "Access-Control-Request-Headers");
        const std::string& requested = exchange.requestHeader("Access-Control-Request-Headers");
        if (!requested.empty())
            if (const auto reflected = reflectedHeaders(requested))
                headers.set(AllowHeaders, *reflected);
    }
    else if (!config_.allowHeaders.empty())
        headers.set(AllowHeaders, config_.allowHeaders);
    headers.set(MaxAge, config_.maxAge);
}

void CorsPlugin::onResponseHead(Exchange& exchange)
{
    if (!config_.allowsAny() || exchange.state(preflight_))
        return;
    HeaderList& headers = exchange.response().headers;
    if (config_.anyOrigin)
    {
        // The same answer for every origin (and none): no Vary needed, and caches may share it.
        headers.set(AllowOrigin, "*");
        if (!config_.exposeHeaders.empty())
            headers.set(ExposeHeaders, config_.exposeHeaders);
        return;
    }
    // Also without an Origin: a cache must not hand this answer to a page whose Origin would
    // have changed it.
    appendVary(headers, "Origin");
    const std::string& origin = exchange.requestHeader("Origin");
    if (origin.empty() || !listed(origin))
    {
        // Not even a header an inner plugin or an upstream set: a refused origin gets none.
        headers.erase(AllowOrigin);
        headers.erase(AllowCredentials);
        headers.erase(ExposeHeaders);
        return;
    }
    headers.set(AllowOrigin, origin);
    if (config_.allowCredentials)
        headers.set(AllowCredentials, "true");
    if (!config_.exposeHeaders.empty())
        headers.set(ExposeHeaders, config_.exposeHeaders);
}

} // namespace portico::cors
