// auth's part of the OpenAPI document: the bearer scheme, required (with its 401, and 503 while
// the keys file is unreadable) on every route outside auth.exempt.
#include "AuthPlugin.h"

namespace portico::auth {

void AuthPlugin::describeApi(ApiDescription& api) const
{
    const AuthConfig& config = config_;
    auto guarded = [&config](const std::string&, const std::string& pattern) { return !config.isExempt(pattern); };
    api.addSecurityScheme("bearerAuth", R"({
        "type": "http",
        "scheme": "bearer",
        "description": "An API key from the keys file: Authorization: Bearer <key>."
    })", guarded);
    api.addSecurityScheme("apiKeyAuth", R"({
        "type": "apiKey",
        "in": "header",
        "name": "x-api-key",
        "description": "The same API keys, in Anthropic's header (what the Anthropic SDKs send)."
    })", guarded);
    api.addResponse("401", R"({
        "description": "No key (Bearer or x-api-key), or a key that is not in the keys file (invalid_api_key; authentication_error on /v1/messages*).",
        "headers": {"WWW-Authenticate": {"description": "Always Bearer.", "schema": {"type": "string", "const": "Bearer"}}}
    })", guarded);
    api.addResponse("503", R"({"description": "The keys file is unreadable: no key can be checked."})", guarded);
}

} // namespace portico::auth
