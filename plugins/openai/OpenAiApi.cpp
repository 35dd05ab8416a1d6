// openai's part of the OpenAPI document: its routes (and the pass-through routes' operations) with the request fields the parsers
// accept (EmbeddingsRequest, ResponsesRequest, ChatRequest: a field not listed there is a 400
// unknown_parameter, hence additionalProperties: false) and the shapes the handlers write.
#include "OpenAiPlugin.h"
#include "anthropic/MessagesApi.h"
#include <cctype>
#include <string>

namespace portico::openai {

namespace {

/// The schemas, as components.schemas entries. Request schemas list exactly the accepted fields.
const char* const Schemas[][2] = {
    {"Model", R"({"type": "object", "required": ["id", "object", "created", "owned_by"], "properties": {
        "id": {"type": "string"}, "object": {"type": "string", "const": "model"},
        "created": {"type": "integer"}, "owned_by": {"type": "string"}}})"},
    {"ModelList", R"({"type": "object", "required": ["object", "data"], "properties": {
        "object": {"type": "string", "const": "list"},
        "data": {"type": "array", "items": {"$ref": "#/components/schemas/Model"}}}})"},
    {"Metadata", R"({"type": "object", "maxProperties": 16, "additionalProperties": {"type": "string", "maxLength": 512},
        "description": "Up to 16 string pairs (keys up to 64 characters)."})"},
    {"CreateEmbeddingRequest", R"({"type": "object", "required": ["model", "input"], "additionalProperties": false, "properties": {
        "model": {"type": "string", "examples": ["portico-embed"]},
        "input": {"description": "A string, an array of strings, an array of token ids, or an array of arrays of token ids.",
            "anyOf": [{"type": "string", "minLength": 1},
                      {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
                      {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 0}},
                      {"type": "array", "minItems": 1, "items": {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 0}}}]},
        "encoding_format": {"type": "string", "enum": ["float", "base64"], "default": "float"},
        "dimensions": {"type": "integer", "minimum": 1},
        "user": {"type": "string"}}})"},
    {"Embedding", R"({"type": "object", "required": ["object", "index", "embedding"], "properties": {
        "object": {"type": "string", "const": "embedding"}, "index": {"type": "integer"},
        "embedding": {"description": "Floats, or base64 of little-endian float32 with encoding_format base64.",
            "anyOf": [{"type": "array", "items": {"type": "number"}}, {"type": "string", "contentEncoding": "base64"}]}}})"},
    {"CreateEmbeddingResponse", R"({"type": "object", "required": ["object", "data", "model", "usage"], "properties": {
        "object": {"type": "string", "const": "list"},
        "data": {"type": "array", "items": {"$ref": "#/components/schemas/Embedding"}},
        "model": {"type": "string"},
        "usage": {"type": "object", "required": ["prompt_tokens", "total_tokens"], "properties": {
            "prompt_tokens": {"type": "integer"}, "total_tokens": {"type": "integer"}}}}})"},
    {"CreateResponseRequest", R"({"type": "object", "required": ["model", "input"], "additionalProperties": false, "properties": {
        "model": {"type": "string", "examples": ["portico-echo"]},
        "input": {"description": "A string or an array of input items (messages).", "anyOf": [
            {"type": "string"}, {"type": "array", "items": {"type": "object"}}]},
        "instructions": {"type": "string"},
        "max_output_tokens": {"type": "integer", "minimum": 1},
        "metadata": {"$ref": "#/components/schemas/Metadata"},
        "stream": {"type": "boolean", "default": false},
        "stream_options": {"type": "object", "additionalProperties": false, "properties": {"include_obfuscation": {"type": "boolean"}}},
        "temperature": {"type": "number", "minimum": 0, "maximum": 2},
        "top_p": {"type": "number", "minimum": 0, "maximum": 1},
        "tools": {"type": "array", "items": {"type": "object"}},
        "tool_choice": {"anyOf": [{"type": "string"}, {"type": "object"}]},
        "parallel_tool_calls": {"type": "boolean"},
        "text": {"type": "object"}, "reasoning": {"type": "object"},
        "truncation": {"type": "string", "enum": ["auto", "disabled"]},
        "user": {"type": "string"}, "safety_identifier": {"type": "string"}, "prompt_cache_key": {"type": "string"},
        "prompt_cache_retention": {"type": "string"}, "service_tier": {"type": "string"},
        "top_logprobs": {"type": "integer", "minimum": 0, "maximum": 20},
        "max_tool_calls": {"type": "integer", "minimum": 1},
        "store": {"type": "boolean"},
        "include": {"type": "array", "items": {"type": "string"}},
        "previous_response_id": {"type": "string", "description": "Forwarded to an upstream; the local model refuses it (unsupported_parameter)."},
        "conversation": {"description": "Forwarded to an upstream; the local model refuses it."},
        "prompt": {"description": "Forwarded to an upstream; the local model refuses it."},
        "background": {"type": "boolean", "description": "true is refused by the local model."}}})"},
    {"Response", R"({"type": "object", "required": ["id", "object", "created_at", "status", "model", "output"], "properties": {
        "id": {"type": "string"}, "object": {"type": "string", "const": "response"},
        "created_at": {"type": "integer"},
        "status": {"type": "string", "enum": ["completed", "failed", "in_progress", "cancelled", "queued", "incomplete"]},
        "error": {"type": ["object", "null"]}, "incomplete_details": {"type": ["object", "null"]},
        "model": {"type": "string"},
        "output": {"type": "array", "items": {"type": "object"}},
        "usage": {"type": ["object", "null"], "properties": {
            "input_tokens": {"type": "integer"}, "output_tokens": {"type": "integer"}, "total_tokens": {"type": "integer"}}}}})"},
    {"ChatMessage", R"({"type": "object", "required": ["role"], "properties": {
        "role": {"type": "string", "enum": ["system", "developer", "user", "assistant", "tool", "function"]},
        "content": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "object"}}, {"type": "null"}]},
        "name": {"type": "string"}}})"},
    {"CreateChatCompletionRequest", R"({"type": "object", "required": ["model", "messages"], "additionalProperties": false, "properties": {
        "model": {"type": "string", "examples": ["portico-echo"]},
        "messages": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/ChatMessage"}},
        "max_tokens": {"type": "integer", "minimum": 1, "deprecated": true},
        "max_completion_tokens": {"type": "integer", "minimum": 1},
        "n": {"type": "integer", "minimum": 1, "maximum": 128, "default": 1},
        "stop": {"anyOf": [{"type": "string"}, {"type": "array", "maxItems": 4, "items": {"type": "string"}}]},
        "stream": {"type": "boolean", "default": false},
        "stream_options": {"type": "object", "additionalProperties": false, "properties": {
            "include_usage": {"type": "boolean"}, "include_obfuscation": {"type": "boolean"}}},
        "metadata": {"$ref": "#/components/schemas/Metadata"},
        "temperature": {"type": "number", "minimum": 0, "maximum": 2},
        "top_p": {"type": "number", "minimum": 0, "maximum": 1},
        "frequency_penalty": {"type": "number", "minimum": -2, "maximum": 2},
        "presence_penalty": {"type": "number", "minimum": -2, "maximum": 2},
        "seed": {"type": "integer"}, "user": {"type": "string"},
        "logprobs": {"type": "boolean"}, "top_logprobs": {"type": "integer", "minimum": 0, "maximum": 20},
        "logit_bias": {"type": "object"}, "response_format": {"type": "object"},
        "tools": {"type": "array", "items": {"type": "object"}}, "tool_choice": {"anyOf": [{"type": "string"}, {"type": "object"}]},
        "parallel_tool_calls": {"type": "boolean"},
        "functions": {"type": "array", "items": {"type": "object"}, "deprecated": true},
        "function_call": {"anyOf": [{"type": "string"}, {"type": "object"}], "deprecated": true},
        "store": {"type": "boolean"}, "service_tier": {"type": "string"}, "reasoning_effort": {"type": "string"},
        "verbosity": {"type": "string"}, "modalities": {"type": "array", "items": {"type": "string"}},
        "prediction": {"type": "object"}, "prompt_cache_key": {"type": "string"}, "safety_identifier": {"type": "string"}}})"},
    {"CompletionUsage", R"({"type": "object", "required": ["prompt_tokens", "completion_tokens", "total_tokens"], "properties": {
        "prompt_tokens": {"type": "integer"}, "completion_tokens": {"type": "integer"}, "total_tokens": {"type": "integer"},
        "prompt_tokens_details": {"type": "object"}, "completion_tokens_details": {"type": "object"}}})"},
    {"ChatCompletion", R"({"type": "object", "required": ["id", "object", "created", "model", "choices"], "properties": {
        "id": {"type": "string"}, "object": {"type": "string", "const": "chat.completion"},
        "created": {"type": "integer"}, "model": {"type": "string"},
        "service_tier": {"type": "string"}, "system_fingerprint": {"type": "string"},
        "choices": {"type": "array", "items": {"type": "object", "required": ["index", "message", "finish_reason"], "properties": {
            "index": {"type": "integer"},
            "message": {"type": "object", "required": ["role", "content"], "properties": {
                "role": {"type": "string", "const": "assistant"}, "content": {"type": ["string", "null"]},
                "refusal": {"type": ["string", "null"]}, "annotations": {"type": "array"}}},
            "logprobs": {"type": ["object", "null"]},
            "finish_reason": {"type": "string", "enum": ["stop", "length", "tool_calls", "content_filter", "function_call"]}}}},
        "usage": {"$ref": "#/components/schemas/CompletionUsage"}}})"},
};

const char* const ModelNotFound = R"({"description": "The model (or, for a POST, the body's model) is not served here (model_not_found)."})";
const char* const BadRequest = R"({"description": "The body is not a JSON object, a field is missing, unknown or invalid (invalid_request_error; param names the field)."})";
const char* const BadGateway = R"({"description": "The upstream that serves the model failed or answered something unusable."})";
const char* const GatewayTimeout = R"({"description": "The upstream that serves the model did not answer in time."})";

/// A POST operation: JSON body `request`, a JSON `result` or, with stream = true, an SSE stream.
std::string postOperation(const char* id, const char* summary, const char* request, const char* result,
                          const char* streamDescription)
{
    std::string op = std::string(R"({"operationId": ")") + id + R"(", "summary": ")" + summary +
                     R"(", "tags": ["openai"], "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/)" +
                     request + R"("}}}}, "responses": {"200": {"description": "The result)";
    if (streamDescription)
        op += std::string(R"(, or with stream = true a server-sent event stream: )") + streamDescription;
    op += std::string(R"(.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/)") + result + "\"}}";
    if (streamDescription)
        op += R"(, "text/event-stream": {"schema": {"type": "string"}})";
    op += std::string("}}, \"400\": ") + BadRequest + ", \"404\": " + ModelNotFound + ", \"502\": " + BadGateway +
          ", \"504\": " + GatewayTimeout + "}}";
    return op;
}

} // namespace

void OpenAiPlugin::describeApi(ApiDescription& api) const
{
    for (const auto& schema : Schemas)
        api.addSchema(schema[0], schema[1]);
    api.addOperation("GET", "/v1/models", R"({"operationId": "listModels", "summary": "The models served: the local ones and the upstreams' (upstream.models).",
        "tags": ["openai"], "responses": {"200": {"description": "The models.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ModelList"}}}}}})");
    const std::string retrieve = std::string(R"({"operationId": "retrieveModel", "summary": "One model.", "tags": ["openai"],
        "responses": {"200": {"description": "The model.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Model"}}}}, "404": )") +
                                 ModelNotFound + "}}";
    api.addOperation("GET", "/v1/models/{id}", retrieve);
    std::string qualified = retrieve;
    qualified.replace(qualified.find("retrieveModel"), 13, "retrieveQualifiedModel");
    qualified.replace(qualified.find("One model."), 10, "One model whose id holds a slash (org/name).");
    api.addOperation("GET", "/v1/models/{org}/{name}", qualified);
    api.addOperation("POST", "/v1/embeddings",
                     postOperation("createEmbedding", "Embeddings of the input (portico-embed locally, or an upstream).",
                                   "CreateEmbeddingRequest", "CreateEmbeddingResponse", nullptr));
    api.addOperation("POST", "/v1/responses",
                     postOperation("createResponse", "A model response (Responses API).", "CreateResponseRequest",
                                   "Response",
                                   "event: + data: pairs from response.created to response.completed with increasing sequence_number"));
    api.addOperation("POST", "/v1/chat/completions",
                     postOperation("createChatCompletion", "A chat completion.", "CreateChatCompletionRequest",
                                   "ChatCompletion", "chat.completion.chunk data lines, then data: [DONE]"));
    api.addOperation("GET", "/routing", R"({"operationId": "getRouting", "summary": "The model catalog (models.*, deployments.*): groups, aliases and every deployment's live state (healthy, cooling, half_open), for operators.",
        "tags": ["openai"], "responses": {"200": {"description": "The routing table.", "content": {"application/json": {"schema": {"type": "object",
            "required": ["models", "aliases", "deployments", "cooldown", "default_model"], "properties": {
            "models": {"type": "array", "items": {"type": "object"}}, "aliases": {"type": "array", "items": {"type": "object"}},
            "deployments": {"type": "array", "items": {"type": "object", "required": ["name", "upstream", "model", "state"], "properties": {
                "name": {"type": "string"}, "upstream": {"type": "string"}, "model": {"type": "string"},
                "state": {"type": "string", "enum": ["healthy", "cooling", "half_open"]}}}},
            "cooldown": {"type": "object"}, "default_model": {"type": ["string", "null"]}}}}}}}})");
    anthropic::describeMessagesApi(api);
    describePassThrough(api);
}

void OpenAiPlugin::describePassThrough(ApiDescription& api) const
{
    for (const PassThroughRoute& route : upstreams_.passThroughRoutes())
        for (const std::string& method : route.methods)
        {
            std::string id = method;
            for (auto& c : id)
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            const std::string prefix = route.prefix.empty() ? "/" : route.prefix;
            const bool body = method != "GET" && method != "OPTIONS";
            api.addOperation(method, documentedPattern(route.pattern()),
                             R"({"operationId": "passThrough_)" + route.id + "_" + id +
                                 R"(", "summary": "Passed through to the upstream ')" + route.upstream +
                                 "' as it is (passthrough." + route.id + R"(): the path )" + prefix +
                                 R"( and every path below it.", "tags": ["passthrough"],
        "parameters": [{"name": "path", "in": "path", "required": true, "schema": {"type": "string"},
            "description": "The rest of the path below the prefix, slashes included (the prefix itself is passed through too)."}],)" +
                                 (body ? R"( "requestBody": {"required": false, "description": "Sent to the upstream as it is.", "content": {"*/*": {"schema": {}}}},)"
                                       : "") +
                                 R"( "responses": {"default": {"description": "The upstream's answer: its status, headers (but hop-by-hop ones) and body, byte for byte.", "content": {"*/*": {"schema": {}}}},
            "400": {"description": "The path has a '.' or '..' segment (invalid_path)."},
            "502": {"description": "The upstream could not be reached or broke the answer (upstream_unreachable, upstream_error)."},
            "504": {"description": "The upstream did not answer in time (upstream_timeout)."}}})");
        }
}

} // namespace portico::openai
