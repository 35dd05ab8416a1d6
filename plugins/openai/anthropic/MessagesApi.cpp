#include "MessagesApi.h"
#include <string>

namespace portico::openai::anthropic {

namespace {

const char* const Schemas[][2] = {
    {"AnthropicContentBlock", R"({"type": "object", "required": ["type"], "description": "text {text}, image {source: base64 {media_type, data} or url {url}} (counted, not seen by the local model), tool_use {id, name, input}, tool_result {tool_use_id, content, is_error}.",
        "properties": {"type": {"type": "string", "enum": ["text", "image", "tool_use", "tool_result"]}}})"},
    {"AnthropicMessageParam", R"({"type": "object", "required": ["role", "content"], "additionalProperties": false, "properties": {
        "role": {"type": "string", "enum": ["user", "assistant"]},
        "content": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"$ref": "#/components/schemas/AnthropicContentBlock"}}]}}})"},
    {"AnthropicTool", R"({"type": "object", "required": ["name", "input_schema"], "properties": {
        "type": {"type": "string", "const": "custom"},
        "name": {"type": "string", "pattern": "^[a-zA-Z0-9_-]{1,64}$"}, "description": {"type": "string"},
        "input_schema": {"type": "object"}, "cache_control": {"type": "object"}}})"},
    {"AnthropicToolChoice", R"({"type": "object", "required": ["type"], "properties": {
        "type": {"type": "string", "enum": ["auto", "any", "tool", "none"]},
        "name": {"type": "string", "description": "The tool to use (type tool)."},
        "disable_parallel_tool_use": {"type": "boolean"}}})"},
    {"AnthropicSystem", R"({"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "object", "required": ["type", "text"], "properties": {
        "type": {"type": "string", "const": "text"}, "text": {"type": "string"}}}}]})"},
    {"CreateMessageRequest", R"({"type": "object", "required": ["model", "max_tokens", "messages"], "additionalProperties": false, "properties": {
        "model": {"type": "string", "examples": ["portico-echo"]},
        "max_tokens": {"type": "integer", "minimum": 1},
        "messages": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/AnthropicMessageParam"}},
        "system": {"$ref": "#/components/schemas/AnthropicSystem"},
        "stop_sequences": {"type": "array", "items": {"type": "string"}},
        "stream": {"type": "boolean", "default": false},
        "temperature": {"type": "number", "minimum": 0, "maximum": 1},
        "top_p": {"type": "number", "minimum": 0, "maximum": 1},
        "top_k": {"type": "integer", "minimum": 0},
        "metadata": {"type": "object", "additionalProperties": false, "properties": {"user_id": {"type": ["string", "null"], "maxLength": 256}}},
        "tools": {"type": "array", "items": {"$ref": "#/components/schemas/AnthropicTool"}},
        "tool_choice": {"$ref": "#/components/schemas/AnthropicToolChoice"}}})"},
    {"CountMessageTokensRequest", R"({"type": "object", "required": ["model", "messages"], "additionalProperties": false, "properties": {
        "model": {"type": "string", "examples": ["portico-echo"]},
        "messages": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/AnthropicMessageParam"}},
        "system": {"$ref": "#/components/schemas/AnthropicSystem"},
        "tools": {"type": "array", "items": {"$ref": "#/components/schemas/AnthropicTool"}},
        "tool_choice": {"$ref": "#/components/schemas/AnthropicToolChoice"}}})"},
    {"Message", R"({"type": "object", "required": ["id", "type", "role", "model", "content", "stop_reason", "stop_sequence", "usage"], "properties": {
        "id": {"type": "string"}, "type": {"type": "string", "const": "message"},
        "role": {"type": "string", "const": "assistant"}, "model": {"type": "string"},
        "content": {"type": "array", "items": {"type": "object", "required": ["type"], "properties": {
            "type": {"type": "string", "enum": ["text", "tool_use"]}, "text": {"type": "string"},
            "id": {"type": "string"}, "name": {"type": "string"}, "input": {"type": "object"}}}},
        "stop_reason": {"type": ["string", "null"], "enum": ["end_turn", "max_tokens", "stop_sequence", "tool_use", null]},
        "stop_sequence": {"type": ["string", "null"]},
        "usage": {"type": "object", "required": ["input_tokens", "output_tokens"], "properties": {
            "input_tokens": {"type": "integer"}, "output_tokens": {"type": "integer"},
            "cache_creation_input_tokens": {"type": ["integer", "null"]}, "cache_read_input_tokens": {"type": ["integer", "null"]},
            "service_tier": {"type": ["string", "null"]}}}}})"},
    {"MessageTokensCount", R"({"type": "object", "required": ["input_tokens"], "properties": {"input_tokens": {"type": "integer"}}})"},
};

/// An error answer: its content, Anthropic's error shape (the core's AnthropicError schema), is
/// filled in by the core for every error of a /v1/messages* operation.
std::string error(const char* description)
{
    return std::string(R"({"description": ")") + description + "\"}";
}

std::string operation(const char* id, const char* summary, const char* request, const char* result, bool stream)
{
    std::string op = std::string(R"({"operationId": ")") + id + R"(", "summary": ")" + summary +
                     R"(", "tags": ["anthropic"], "parameters": [{"name": "anthropic-version", "in": "header", "required": false,
            "description": "Accepted with any value and otherwise ignored.", "schema": {"type": "string"}}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/)" +
                     request + R"("}}}}, "responses": {"200": {"description": "The result)";
    if (stream)
        op += R"(, or with stream = true server-sent events (event: + data:): message_start, content_block_start, ping, content_block_delta (text_delta or input_json_delta) per token, content_block_stop, message_delta, message_stop; a failure after the start is an error event)";
    op += std::string(R"(.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/)") + result + "\"}}";
    if (stream)
        op += R"(, "text/event-stream": {"schema": {"type": "string"}})";
    op += "}}, \"400\": " +
          error("A field is missing, unknown or invalid (invalid_request_error, naming the field), or the model is an embedding model; an upstream's own 400, translated.") +
          ", \"401\": " + error("No key in x-api-key or Authorization: Bearer, or a wrong one (authentication_error), when auth is on.") +
          ", \"404\": " + error("The model is not served here (not_found_error).") +
          ", \"413\": " + error("The body is over server.max_body_bytes (request_too_large).") +
          ", \"429\": " + error("A rate limit refused the request (rate_limit_error).") +
          ", \"500\": " + error("The server failed (api_error).") +
          ", \"502\": " + error("The upstream could not be reached or answered badly (api_error).") +
          ", \"503\": " + error("Every deployment of a catalog name is cooling down (overloaded_error).") +
          ", \"504\": " + error("The upstream did not answer in time (api_error).") + "}}";
    return op;
}

} // namespace

void describeMessagesApi(ApiDescription& api)
{
    for (const auto& schema : Schemas)
        api.addSchema(schema[0], schema[1]);
    api.addOperation("POST", "/v1/messages",
                     operation("createMessage", "A message (Anthropic's Messages API): from the local text model, an upstream of type anthropic (passed on), or an OpenAI-compatible upstream or catalog deployment (translated to chat completions and back).",
                               "CreateMessageRequest", "Message", true));
    api.addOperation("POST", "/v1/messages/count_tokens",
                     operation("countMessageTokens",
                               "The input tokens of a Messages request: an upstream of type anthropic counts them; otherwise the local tokenizer's count (an estimate for an upstream's model).",
                               "CountMessageTokensRequest", "MessageTokensCount", false));
}

} // namespace portico::openai::anthropic
