#pragma once
/// Finds the token usage in an upstream's JSON answer without parsing all of it: an embeddings
/// answer can be megabytes of floats, and a stream has a usage object only in its last events.
///
/// Understands chat and embeddings ({"usage":{"prompt_tokens","completion_tokens"}}) and the
/// Responses API ({"usage":{"input_tokens","output_tokens"}}, also inside response.completed)
/// and Anthropic's Messages API, whose input_tokens leaves out the prompt cache: its
/// cache_read_input_tokens and cache_creation_input_tokens are added to the input tokens, so
/// that limits, metrics and spend count what a chat client of the same upstream is counted
/// (AnthropicAnswer.h's prompt_tokens).

#include <optional>
#include <string_view>

namespace portico::openai {

struct Usage
{
    long long inputTokens = 0;
    long long outputTokens = 0;
    /// The part of inputTokens read from the upstream's prompt cache.
    long long cachedInputTokens = 0;
};

/// The last `"usage": {...}` object in `json` that carries token counts; nothing when there is
/// none (or it is null, or malformed). Each object is read by JsonObjectScanner, and by
/// usageByPoco when the scanner cannot be sure.
std::optional<Usage> scanUsage(std::string_view json);

/// Reads the counts of one usage object (the text of `{...}`).
using UsageObjectParser = std::optional<Usage> (*)(std::string_view object);

/// scanUsage's search with another reader of each usage object: the `"usage": {...}` objects
/// of `json`, the last first, until `parse` finds counts in one. (The fuzz harness compares
/// scanUsage with findUsage(json, usageByPoco).)
std::optional<Usage> findUsage(std::string_view json, UsageObjectParser parse);

/// One usage object read with a full Poco::JSON parse: the reference, and the fallback.
std::optional<Usage> usageByPoco(std::string_view object);

} // namespace portico::openai
