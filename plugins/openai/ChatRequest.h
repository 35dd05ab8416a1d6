#pragma once
/// A validated POST /v1/chat/completions request for the local text model.
///
/// Read and honoured: model, messages, max_completion_tokens and max_tokens (1 …
/// local.max_output_tokens; not both), n (1 … 128 identical choices), stop (a string or up to
/// 4 strings), stream, stream_options.include_usage (only with stream), metadata. Checked for
/// type and otherwise ignored (a deterministic model has no use for them): temperature, top_p,
/// frequency_penalty, presence_penalty, seed, user, logprobs, top_logprobs, logit_bias,
/// response_format, tools, tool_choice, parallel_tool_calls, functions, function_call, store,
/// service_tier, reasoning_effort, verbosity, modalities, prediction, prompt_cache_key,
/// safety_identifier. Unknown parameters are a 400.

#include "EchoModel.h"
#include "OpenAiConfig.h"
#include "Poco/JSON/Object.h"
#include <optional>
#include <string>
#include <vector>

namespace portico::openai {

struct ChatRequest
{
    std::string model;
    Conversation conversation;
    std::optional<std::int64_t> maxTokens;
    std::size_t n = 1;
    std::vector<std::string> stop;
    bool stream = false;
    bool includeUsage = false;

    /// Throws RequestError (400, param naming the field) for anything invalid.
    static ChatRequest parse(const Poco::JSON::Object& body, const LocalBackendConfig& limits);
};

} // namespace portico::openai
