#pragma once
/// A validated POST /v1/responses request for the local text model.
///
/// Read and honoured: model, input, instructions, max_output_tokens (1 … local.max_output_tokens),
/// metadata (at most 16 string pairs), stream, stream_options (only with stream). Checked for
/// type and echoed back in the Response object as OpenAI does: temperature, top_p, tools,
/// tool_choice, parallel_tool_calls, text, reasoning, truncation, user, safety_identifier,
/// prompt_cache_key, service_tier, top_logprobs, max_tool_calls, store, include.
/// Refused with a 400 naming the field: what the local model cannot do (previous_response_id,
/// conversation, prompt, background: true) and unknown parameters.

#include "EchoModel.h"
#include "OpenAiConfig.h"
#include "Poco/JSON/Object.h"
#include <optional>
#include <string>

namespace portico::openai {

/// What the Response object echoes back; JSON fragments are already serialised.
struct ResponseSettings
{
    std::optional<std::string> instructions;
    std::optional<std::int64_t> maxOutputTokens;
    std::string metadataJson = "{}";
    double temperature = 1.0;
    double topP = 1.0;
    bool parallelToolCalls = true;
    std::string toolsJson = "[]";
    std::string toolChoiceJson = "\"auto\"";
    std::string textJson = "{\"format\":{\"type\":\"text\"},\"verbosity\":\"medium\"}";
    std::string reasoningJson = "{\"effort\":null,\"summary\":null}";
    std::string truncation = "disabled";
    std::optional<std::string> user;
    std::optional<std::string> safetyIdentifier;
    std::optional<std::string> promptCacheKey;
    std::optional<std::int64_t> topLogprobs;
    std::optional<std::int64_t> maxToolCalls;
    bool store = false;
};

struct ResponsesRequest
{
    std::string model;
    Conversation conversation;
    bool stream = false;
    ResponseSettings settings;

    /// Throws RequestError (400, param naming the field) for anything invalid.
    static ResponsesRequest parse(const Poco::JSON::Object& body, const LocalBackendConfig& limits);
};

/// Validates `metadata` (an object of at most 16 string values, keys up to 64 and values up to
/// 512 characters) and serialises it. Shared with chat completions.
std::string metadataJson(const Poco::JSON::Object::Ptr& metadata);

/// `value` serialised as compact JSON.
std::string toJson(const Poco::Dynamic::Var& value);

} // namespace portico::openai
