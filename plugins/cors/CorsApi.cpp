// cors's part of the OpenAPI document. A preflight is answered by the request hook on every
// path, not by a route, so it cannot be an OPTIONS operation of its own (the document holds the
// chain's routes only): the Origin request header of every operation says how its preflight is
// answered, and the Access-Control-* headers the answers carry are listed on every response.
#include "CorsPlugin.h"
#include "portico/Json.h"

namespace portico::cors {

namespace {

std::string allowedText(const CorsConfig& config)
{
    if (config.anyOrigin)
        return "Every origin is allowed (allow_origins = *).";
    if (config.origins.empty())
        return "No origin is allowed ([cors] allow_origins is empty): no answer carries CORS headers, so browsers "
               "refuse cross-origin calls.";
    std::string list;
    for (const auto& pattern : config.origins)
        list += (list.empty() ? "" : ", ") + pattern.text();
    return "Allowed origins: " + list + ".";
}

void header(ApiDescription& api, const std::string& name, const std::string& description, const std::string& example)
{
    api.addResponseHeader(name,
                          "{\"description\": " + jsonString(description) +
                              ", \"schema\": {\"type\": \"string\", \"examples\": [" + jsonString(example) + "]}}",
                          "*");
}

} // namespace

void CorsPlugin::describeApi(ApiDescription& api) const
{
    std::string preflight = "A browser's origin (cors plugin). " + allowedText(config_) +
                            " A preflight to this path (OPTIONS with Origin and Access-Control-Request-Method) is "
                            "answered 204 by the cors plugin before authentication and rate limits";
    if (config_.allowsAny())
        preflight += std::string(": for an allowed origin with Access-Control-Allow-Origin, Access-Control-Allow-Methods (") +
                     config_.allowMethods + "), Access-Control-Allow-Headers (" +
                     (config_.reflectHeaders ? std::string("the names the preflight asks for") : config_.allowHeaders) +
                     "), Access-Control-Max-Age (" + config_.maxAge + ")" +
                     (config_.allowCredentials ? ", Access-Control-Allow-Credentials: true" : "") +
                     "; for any other origin with no CORS header.";
    else
        preflight += ", with no CORS header.";
    api.addRequestHeader("Origin",
                         "{\"description\": " + jsonString(preflight) +
                             ", \"required\": false, \"schema\": {\"type\": \"string\"}}",
                         ApiDescription::everyRoute());
    if (!config_.allowsAny())
        return;

    std::string example = config_.anyOrigin ? "*" : config_.origins.front().text();
    const std::size_t wildcard = example.find("*.");
    if (!config_.anyOrigin && wildcard != std::string::npos)
        example.replace(wildcard, 1, "app"); // what a browser sends, not the pattern
    header(api, "Access-Control-Allow-Origin",
           config_.anyOrigin ? "Set by the cors plugin on every answer: *."
                             : "Set by the cors plugin on every answer (errors and streams included) to a request "
                               "whose Origin is allowed: that origin.",
           example);
    if (!config_.exposeHeaders.empty())
        header(api, "Access-Control-Expose-Headers",
               "Set by the cors plugin with Access-Control-Allow-Origin: the headers a page's script may read.",
               config_.exposeHeaders);
    if (config_.allowCredentials)
        header(api, "Access-Control-Allow-Credentials",
               "Set by the cors plugin with Access-Control-Allow-Origin (allow_credentials = true).", "true");
    if (!config_.anyOrigin)
        header(api, "Vary", "Names Origin (appended by the cors plugin): the CORS headers depend on it.", "Origin");
}

} // namespace portico::cors
