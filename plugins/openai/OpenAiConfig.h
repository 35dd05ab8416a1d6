#pragma once
/// The openai plugin's immutable configuration for what this side of the plugin owns: the local
/// backend (portico-echo, portico-embed) and request parsing. The upstream.* / upstreams.* keys
/// are read by the upstream proxy (upstream/UpstreamConfig.h). README.md lists every key.

#include "portico/PluginConfig.h"
#include <cstdint>

namespace portico::openai {

struct LocalBackendConfig
{
    /// Serve portico-echo and portico-embed (local.enabled).
    bool enabled = true;
    /// Pause before each generated token, streamed or not (local.token_delay_ms): lets
    /// portico-echo stand in for a slow model in load and streaming tests.
    int tokenDelayMs = 0;
    /// The largest max_output_tokens / max_tokens / max_completion_tokens a request may ask for
    /// (local.max_output_tokens).
    std::int64_t maxOutputTokens = 32768;

    /// Embedding size when a request gives no `dimensions` (local.embed.default_dimensions).
    int embedDefaultDimensions = 256;
    /// The largest `dimensions` a request may ask for (local.embed.max_dimensions).
    int embedMaxDimensions = 3072;
    /// The most inputs in one embeddings request (local.embed.max_inputs; OpenAI's is 2048).
    int embedMaxInputs = 2048;
    /// The most tokens in one embeddings input (local.embed.max_input_tokens).
    int embedMaxInputTokens = 8192;
};

struct OpenAiConfig
{
    LocalBackendConfig local;
    /// Request bodies nested deeper than this are refused with 400 (max_json_depth).
    int maxJsonDepth = 64;

    /// Reads and checks the keys above; throws ConfigError naming the key.
    static OpenAiConfig from(const PluginConfig& config);
};

} // namespace portico::openai
