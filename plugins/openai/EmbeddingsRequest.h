#pragma once
/// A validated POST /v1/embeddings request for the local embedder.
///
/// input: a string, an array of strings, an array of token ids, or an array of token-id
/// arrays; never empty, at most local.embed.max_inputs items, each at most
/// local.embed.max_input_tokens tokens. encoding_format: "float" (default) or "base64".
/// dimensions: 1 … local.embed.max_dimensions. user: a string. Anything else is refused.

#include "OpenAiConfig.h"
#include "Poco/JSON/Object.h"
#include <cstdint>
#include <string>
#include <vector>

namespace portico::openai {

struct EmbeddingInput
{
    /// Exactly one of the two is used: `isTokens` picks.
    std::string text;
    std::vector<std::int64_t> tokens;
    bool isTokens = false;
    /// Its size in tokens (Tokenizer for text, the array's length for token ids).
    std::size_t tokenCount = 0;
};

struct EmbeddingsRequest
{
    std::string model;
    std::vector<EmbeddingInput> inputs;
    bool base64 = false;
    std::size_t dimensions = 0;

    /// Throws RequestError (400, param naming the field) for anything invalid.
    static EmbeddingsRequest parse(const Poco::JSON::Object& body, const LocalBackendConfig& limits);
};

} // namespace portico::openai
