// auth's part of the OpenAPI document: the bearer scheme, required (with its 401, and 503 while
// the keys file is unreadable) on every route outside auth.exempt; with virtual keys, their
// refusals (403, 429); with the admin API, its operations, their schemas and the admin key.
#include "AuthPlugin.h"

namespace portico::auth {

namespace {

bool isAdminOperation(const std::string& pattern)
{
    return pattern == "/admin/keys" || pattern == "/admin/keys/{id}" || pattern == "/admin/spend";
}

const char* const PolicyProperties = R"(
    "models": {"type": "array", "maxItems": 256, "items": {"type": "string", "minLength": 1, "maxLength": 256},
               "description": "Model names and globs (gpt-4o*) the key may use; empty: every model."},
    "rpm": {"type": "integer", "minimum": 0, "maximum": 1000000000, "description": "Requests per minute; 0: no limit."},
    "tpm": {"type": "integer", "minimum": 0, "maximum": 150000000, "description": "Tokens per minute, charged as answers report them; 0: no limit."},
    "max_in_flight": {"type": "integer", "minimum": 0, "maximum": 1000000, "description": "Requests served at once; 0: no limit."},
    "expires_at": {"type": ["string", "null"], "format": "date-time", "description": "RFC 3339 with a zone; null: never."},
    "budget_usd": {"type": ["number", "null"], "minimum": 0, "description": "Dollars (at most 6 decimals) per budget_period; past it, 429 insufficient_quota. 0 or null: none."},
    "budget_period": {"type": "string", "enum": ["total", "day", "week", "month"], "description": "The window budget_usd applies to (UTC)."},
    "metadata": {"type": "object", "description": "The operator's own fields (team, owner, ...), at most 4 KiB."})";

void describeAdminApi(ApiDescription& api)
{
    api.addSchema("VirtualKeyPolicy", std::string(R"({
        "type": "object",
        "additionalProperties": false,
        "description": "The policy fields of a virtual key.",
        "properties": {)") + PolicyProperties + "}}");
    api.addSchema("VirtualKey", std::string(R"({
        "type": "object",
        "required": ["id", "object", "models", "rpm", "tpm", "max_in_flight", "expires_at", "created_at", "revoked", "revoked_at",
                     "budget_usd", "budget_period", "metadata"],
        "properties": {
            "spend_usd": {"type": "number", "description": "GET /admin/keys/{id}: all the key's spend, to the micro-dollar."},
            "budget_spent_usd": {"type": "number", "description": "GET /admin/keys/{id}, with a budget: its spend in the current period."},
            "id": {"type": "string", "pattern": "^vk_[0-9a-f]{24}$"},
            "object": {"type": "string", "const": "virtual_key"},
            "created_at": {"type": "string", "format": "date-time"},
            "revoked": {"type": "boolean"},
            "revoked_at": {"type": ["string", "null"], "format": "date-time"},)") + PolicyProperties + "}}");
    api.addSchema("CreatedVirtualKey", R"({
        "allOf": [{"$ref": "#/components/schemas/VirtualKey"}, {
            "type": "object",
            "required": ["key"],
            "properties": {"key": {"type": "string", "description": "The key itself, shown this once: only its SHA-256 is stored."}}
        }]
    })");
    const std::string keyAnswer = R"({"description": "The key's policy.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/VirtualKey"}}}})";
    const std::string policyBody = R"({"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/VirtualKeyPolicy"}}}})";
    const std::string badPolicy = R"({"description": "A bad policy (invalid_policy; param names the field)."})";
    const std::string notFound = R"({"description": "No such key (key_not_found)."})";
    api.addOperation("POST", "/admin/keys", R"({
        "operationId": "createVirtualKey", "tags": ["admin"],
        "summary": "Creates a virtual key; the answer holds the key, once.",
        "requestBody": )" + policyBody + R"(,
        "responses": {
            "201": {"description": "The new key and its policy.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CreatedVirtualKey"}}}},
            "400": )" + badPolicy + R"(
        }
    })");
    api.addOperation("GET", "/admin/keys", R"({
        "operationId": "listVirtualKeys", "tags": ["admin"],
        "summary": "Every virtual key's policy, revoked ones included.",
        "responses": {"200": {"description": "The keys.", "content": {"application/json": {"schema": {
            "type": "object", "required": ["object", "data"],
            "properties": {"object": {"type": "string", "const": "list"}, "data": {"type": "array", "items": {"$ref": "#/components/schemas/VirtualKey"}}}
        }}}}}
    })");
    api.addOperation("GET", "/admin/keys/{id}", R"({
        "operationId": "getVirtualKey", "tags": ["admin"], "summary": "One virtual key's policy.",
        "responses": {"200": )" + keyAnswer + R"(, "404": )" + notFound + R"(}
    })");
    api.addOperation("PATCH", "/admin/keys/{id}", R"({
        "operationId": "updateVirtualKey", "tags": ["admin"],
        "summary": "Changes the policy fields given; the others stay.",
        "requestBody": )" + policyBody + R"(,
        "responses": {"200": )" + keyAnswer + R"(, "400": )" + badPolicy + R"(, "404": )" + notFound + R"(,
                      "409": {"description": "The key is revoked (key_revoked)."}}
    })");
    api.addOperation("DELETE", "/admin/keys/{id}", R"({
        "operationId": "revokeVirtualKey", "tags": ["admin"],
        "summary": "Revokes the key (again: the same answer).",
        "responses": {"200": )" + keyAnswer + R"(, "404": )" + notFound + R"(}
    })");
    api.addOperation("GET", "/admin/spend", R"({
        "operationId": "listSpend", "tags": ["admin"],
        "summary": "The spend ledger: per virtual key, model and UTC day.",
        "parameters": [
            {"name": "key_id", "in": "query", "schema": {"type": "string"}},
            {"name": "model", "in": "query", "schema": {"type": "string"}},
            {"name": "from", "in": "query", "description": "First day (UTC).", "schema": {"type": "string", "format": "date"}},
            {"name": "to", "in": "query", "description": "Last day (UTC).", "schema": {"type": "string", "format": "date"}}
        ],
        "responses": {
            "200": {"description": "The rows and their total.", "content": {"application/json": {"schema": {
                "type": "object", "required": ["object", "data", "total_usd"],
                "properties": {
                    "object": {"type": "string", "const": "list"},
                    "total_usd": {"type": "number"},
                    "data": {"type": "array", "items": {"type": "object",
                        "required": ["key_id", "model", "day", "requests", "input_tokens", "cached_input_tokens", "output_tokens", "spend_usd"],
                        "properties": {
                            "key_id": {"type": "string"}, "model": {"type": "string"}, "day": {"type": "string", "format": "date"},
                            "requests": {"type": "integer"}, "input_tokens": {"type": "integer"},
                            "cached_input_tokens": {"type": "integer", "description": "the part of input_tokens read from the upstream's prompt cache"},
                            "output_tokens": {"type": "integer"}, "spend_usd": {"type": "number"}
                        }}}
                }
            }}}},
            "400": {"description": "A malformed filter (invalid_policy; param names it)."}
        }
    })");
    auto admin = [](const std::string&, const std::string& pattern) { return isAdminOperation(pattern); };
    api.addSecurityScheme("adminKey", R"({
        "type": "http",
        "scheme": "bearer",
        "description": "The admin key ([admin] key_file): Authorization: Bearer <admin key>. The API keys do not open the admin API."
    })", admin);
    api.addResponse("401", R"({
        "description": "No admin key, or not the admin key (invalid_api_key).",
        "headers": {"WWW-Authenticate": {"description": "Always Bearer.", "schema": {"type": "string", "const": "Bearer"}}}
    })", admin);
    api.addResponse("503", R"({"description": "The admin key file cannot be read (admin_key_unavailable), or the key store cannot be opened or written (key_store_unavailable)."})",
                    admin);
}

} // namespace

void AuthPlugin::describeApi(ApiDescription& api) const
{
    const AuthConfig& config = config_;
    auto guarded = [&config](const std::string&, const std::string& pattern) {
        return !config.isExempt(pattern) && !isAdminOperation(pattern);
    };
    api.addSecurityScheme("bearerAuth", R"({
        "type": "http",
        "scheme": "bearer",
        "description": "An API key from the keys file, or a virtual key: Authorization: Bearer <key>."
    })", guarded);
    api.addSecurityScheme("apiKeyAuth", R"({
        "type": "apiKey",
        "in": "header",
        "name": "x-api-key",
        "description": "The same API keys, in Anthropic's header (what the Anthropic SDKs send)."
    })", guarded);
    api.addResponse("401", R"({
        "description": "No key (Bearer or x-api-key), or a key that is not in the keys file (invalid_api_key; authentication_error on /v1/messages*); a virtual key that expired (expired_api_key) or was revoked (revoked_api_key).",
        "headers": {"WWW-Authenticate": {"description": "Always Bearer.", "schema": {"type": "string", "const": "Bearer"}}}
    })", guarded);
    api.addResponse("503", R"({"description": "The keys file is unreadable, or the virtual keys' store cannot be opened: no key can be checked (keys_unavailable)."})", guarded);
    if (!admin_.enabled)
        return;
    api.addResponse("403", R"({"description": "A virtual key limited to some models: the body names another model, none, or is not read by the gateway (model_not_allowed)."})",
                    guarded);
    api.addResponse("429", R"({
        "description": "A virtual key's rpm or tpm (rate_limit_exceeded) or max_in_flight (max_in_flight_exceeded) is reached, or its budget is spent (insufficient_quota).",
        "headers": {"Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer", "minimum": 1}}}
    })", guarded);
    if (admin_.servesApi)
        describeAdminApi(api);
}

} // namespace portico::auth
