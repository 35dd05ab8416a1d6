#pragma once
/// A chat completions request, as a client sent it to Portico, turned into the Anthropic
/// Messages request an upstream of type anthropic takes (POST <url>/messages):
///   system and developer messages      -> `system` (their texts, joined by a blank line)
///   user / assistant text and parts    -> `messages` with text blocks; image_url parts ->
///                                          image blocks (a data: URL as base64, else a url)
///   assistant tool_calls               -> tool_use blocks (arguments parsed as JSON)
///   tool messages                      -> a user message of tool_result blocks
///   consecutive messages of one role   -> one message (Anthropic requires alternating roles)
///   max_completion_tokens / max_tokens -> max_tokens (else `defaultMaxTokens`: Anthropic
///                                          requires it)
///   stop                               -> stop_sequences; temperature, top_p, stream as they are
///   tools (function)                   -> tools with input_schema; tool_choice auto / none /
///                                          required (any) / a function (tool);
///                                          parallel_tool_calls false -> disable_parallel_tool_use
///   user                               -> metadata.user_id
/// Fields with no Anthropic meaning that change nothing the client relies on (logit_bias,
/// seed, presence/frequency penalties, stream_options, store, ...) are left out. A request the
/// translation cannot honour (n > 1, logprobs, a JSON response_format, audio) is refused with
/// AnthropicRequestError, which names the field, before anything is sent.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace portico::openai {

/// A request an Anthropic upstream cannot serve as asked: a 400 naming `param`.
class AnthropicRequestError : public std::runtime_error
{
public:
    AnthropicRequestError(std::string param, const std::string& message)
        : std::runtime_error(message), param_(std::move(param))
    {
    }
    const std::string& param() const { return param_; }

private:
    std::string param_;
};

struct AnthropicRequestSettings
{
    /// max_tokens when the client set none.
    long long defaultMaxTokens = 4096;
    /// JSON nesting accepted in the body.
    std::size_t maxDepth = 64;
};

/// The Messages request body for chat completions request `chatBody`. Throws
/// AnthropicRequestError (the field and why) for a request it cannot translate, including a
/// body that is not a JSON object.
/// The usual requests are translated by a walk without a JSON tree (AnthropicRequestScan.h), the
/// rest by anthropicRequestBodyByPoco; both give the same request.
std::string anthropicRequestBody(std::string_view chatBody, const AnthropicRequestSettings& settings);

/// The translation on a Poco::JSON tree: every shape, every refusal.
std::string anthropicRequestBodyByPoco(std::string_view chatBody, const AnthropicRequestSettings& settings);

} // namespace portico::openai
