#include "openapi/CoreApi.h"

namespace portico {

void describeCoreApi(ApiDescription& description)
{
    description.setOwner("core");
    // The shape of every error answer (portico/Json.h openAiErrorBody): OpenAI's.
    description.addSchema(ErrorSchemaName, R"({
        "type": "object",
        "description": "Every error answer, in OpenAI's shape.",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["message", "type", "param", "code"],
                "properties": {
                    "message": {"type": "string", "description": "What went wrong, for a human."},
                    "type": {"type": "string", "description": "invalid_request_error, authentication_error, rate_limit_error, server_error, ..."},
                    "param": {"type": ["string", "null"], "description": "The request field or header at fault."},
                    "code": {"type": ["string", "null"], "description": "A stable machine-readable code."}
                }
            }
        }
    })");
    // On /v1/messages and below every error is in Anthropic's shape (Exchange::respondError).
    description.addSchema(AnthropicErrorSchemaName, R"({
        "type": "object",
        "description": "Every error answer on /v1/messages and below, in Anthropic's shape.",
        "required": ["type", "error"],
        "properties": {
            "type": {"type": "string", "const": "error"},
            "error": {
                "type": "object",
                "required": ["type", "message"],
                "properties": {
                    "type": {"type": "string", "description": "invalid_request_error, authentication_error, permission_error, not_found_error, request_too_large, rate_limit_error, api_error, overloaded_error"},
                    "message": {"type": "string", "description": "What went wrong; a request field at fault is named first by its path (messages.0.content: ...)."}
                }
            }
        }
    })");
    description.addOperation("GET", "/healthz", R"({
        "operationId": "getHealth",
        "summary": "Liveness: 200 while the process serves.",
        "tags": ["core"],
        "responses": {
            "200": {"description": "The process serves.", "content": {"application/json": {"schema": {
                "type": "object", "required": ["status"], "properties": {"status": {"type": "string", "const": "ok"}}}}}}
        }
    })");
    description.addOperation("GET", "/readyz", R"({
        "operationId": "getReadiness",
        "summary": "Readiness: 200 when every plugin of the chain can serve, else 503 naming the first that cannot.",
        "tags": ["core"],
        "responses": {
            "200": {"description": "Every plugin can serve.", "content": {"application/json": {"schema": {
                "type": "object", "required": ["status"], "properties": {"status": {"type": "string", "const": "ready"}}}}}},
            "503": {"description": "A plugin is not ready (code not_ready); the message names it."}
        }
    })");
    description.addOperation("GET", "/openapi.json", R"({
        "operationId": "getOpenApiDocument",
        "summary": "This document: the OpenAPI 3.1 description of the running chain (server.openapi).",
        "tags": ["core"],
        "responses": {
            "200": {"description": "The OpenAPI document.", "content": {"application/json": {"schema": {"type": "object"}}}}
        }
    })");
    description.addResponse("500", R"({"description": "A hook or the handler failed (server_error)."})",
                            ApiDescription::everyRoute());
    description.addResponse("413", R"({"description": "The request body is larger than server.max_body_bytes."})",
                            [](const std::string& method, const std::string&) {
                                return method == "POST" || method == "PUT" || method == "PATCH";
                            });
}

} // namespace portico
