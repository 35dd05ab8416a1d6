#pragma once
// cors: lets pages on the configured origins call the API from a browser (fetch, the openai
// npm package with dangerouslyAllowBrowser), and no other page.
//
//  - A preflight (OPTIONS with Origin and Access-Control-Request-Method) is answered here, 204,
//    in the request hook: the plugins after cors (auth, ratelimit, ...) never see it, so a
//    browser's preflight, which carries no API key, is neither refused nor counted. An allowed
//    origin gets Access-Control-Allow-Origin/-Methods/-Headers/-Max-Age (and -Credentials);
//    any other gets a bare 204, which the browser reads as "no".
//  - Every other answer to an allowed origin, whoever produced it (handler, stream, 401, 429,
//    404, 500), gets Access-Control-Allow-Origin, -Expose-Headers (and -Credentials) in the
//    response-head hook: a page must be able to read an error, not just a success.
//  - Vary: Origin whenever the answer depends on the Origin, appended to any Vary already there.

#include "CorsConfig.h"
#include "portico/Plugin.h"
#include "portico/PluginContext.h"

namespace portico::cors {

class CorsPlugin : public Plugin
{
public:
    explicit CorsPlugin(PluginContext& context);
    void onRequest(Exchange& exchange) override;
    void onResponseHead(Exchange& exchange) override;
    void describeApi(ApiDescription& api) const override;
    /// Its hooks only compute: they may run on the event loop.
    Blocking blocking() const override { return Blocking::Never; }

    const CorsConfig& config() const { return config_; }
    /// True when `origin` (an Origin header's value) is one of allow_origins; never for "null"
    /// or a malformed value, and never by way of "*" (anyOrigin is checked apart).
    bool listed(const std::string& origin) const;

private:
    /// Fills in the headers of a preflight's 204.
    void answerPreflight(Exchange& exchange) const;

    const CorsConfig config_;
    /// Marks a preflight this plugin answered, so that its head hook leaves that answer alone.
    const StateSlot<bool> preflight_;
};

} // namespace portico::cors
