#pragma once
/// Finds the token usage in an upstream's JSON answer without parsing all of it: an embeddings
/// answer can be megabytes of floats, and a stream has a usage object only in its last events.
///
/// Understands chat and embeddings ({"usage":{"prompt_tokens","completion_tokens"}}) and the
/// Responses API ({"usage":{"input_tokens","output_tokens"}}, also inside response.completed).

#include <optional>
#include <string_view>

namespace portico::openai {

struct Usage
{
    long long inputTokens = 0;
    long long outputTokens = 0;
};

/// The last `"usage": {...}` object in `json` that carries token counts; nothing when there is
/// none (or it is null, or malformed).
std::optional<Usage> scanUsage(std::string_view json);

} // namespace portico::openai
