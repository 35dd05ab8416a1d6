#pragma once
/// Where the openai plugin sends the models it does not serve itself: one upstream per config
/// block, read once at load or reload into immutable values.
///
/// Keys (in the [openai] section; README.md beside this file has the full table):
///   upstream.url, upstream.api_key_file, upstream.models, upstream.connect_timeout_ms,
///   upstream.read_timeout_ms, upstream.retries, upstream.retry_backoff_ms, upstream.pool_size,
///   upstream.idle_timeout_ms, upstream.ca_file, upstream.max_body_bytes, upstream.max_event_bytes,
///   upstream.models_timeout_ms, upstream.stream_usage, upstream.type, upstream.anthropic_version,
///   upstream.default_max_tokens
/// and the same keys below upstreams.<name>. for further, named upstreams.

#include "AnswerLimits.h"
#include "portico/PluginConfig.h"
#include "portico/Upstream.h"
#include <chrono>
#include <set>
#include <string>
#include <vector>

namespace portico::openai {

/// The API an upstream speaks.
enum class UpstreamApi
{
    /// OpenAI's (OpenAI, vLLM, llama.cpp, Ollama, another porticod): requests and answers relayed.
    OpenAi,
    /// Anthropic's Messages API: chat completions are translated to POST <url>/messages and its
    /// answers and event streams back (AnthropicRequest.h, AnthropicAnswer.h, AnthropicStream.h).
    Anthropic,
};

struct UpstreamConfig
{
    /// "default" for the upstream.* block, <name> for upstreams.<name>.*; the metric label.
    std::string name;
    /// The key prefix the block came from ("upstream" or "upstreams.<name>"), for messages.
    std::string keyPrefix;
    /// The API root as configured, without a trailing slash ("http://127.0.0.1:9000/v1").
    std::string url;
    /// The path of url as written, still percent-encoded ("/v1", may be empty): requests go
    /// below it (upstreamTarget). Only visible ASCII (checked when it is read).
    std::string basePath;

    /// What the core's upstream client needs: name and url (for messages), tls (https), host,
    /// port (default 80/443), caFile, the connect/read/idle timeouts, poolSize, retries and
    /// retryBackoff, from url, ca_file, connect_timeout_ms, read_timeout_ms, idle_timeout_ms,
    /// pool_size, retries and retry_backoff_ms.
    UpstreamEndpoint endpoint;

    /// `type`: openai (default) or anthropic.
    UpstreamApi api = UpstreamApi::OpenAi;
    /// Anthropic upstreams: the anthropic-version header sent with every request.
    std::string anthropicVersion = "2023-06-01";
    /// Anthropic upstreams: max_tokens when a chat request sets none (Anthropic requires it).
    long long defaultMaxTokens = 4096;

    /// The key sent as "Authorization: Bearer <apiKey>" (x-api-key for an Anthropic upstream);
    /// empty: none.
    /// Never log it: it is read from api_key_file and lives only here.
    std::string apiKey;
    std::string apiKeyFile;

    /// Model names routed here; "*" in the config sets servesAll instead of being listed.
    std::vector<std::string> models;
    bool servesAll = false;

    /// The longest answer body read into memory (non-streaming answers, and answers to stream
    /// requests that are not event streams); longer ones fail with 502 and drop the connection.
    std::size_t maxBodyBytes = DefaultMaxBodyBytes;
    /// The longest single event of a relayed stream; a longer one ends the stream with an error.
    std::size_t maxEventBytes = DefaultMaxEventBytes;
    /// The longest wait for this upstream's model list (GET <url>/models for GET /v1/models),
    /// connecting and retries included; after it the configured names are listed instead.
    /// Bounded separately because read_timeout_ms (10 minutes by default) is made for
    /// generations, not for a listing that a client waits on.
    std::chrono::milliseconds modelsTimeout{5000};
    /// Ask chat streams for their usage (stream_options.include_usage) when the client did not,
    /// and hide the extra chunk from it (StreamUsage.h): streams' tokens are counted exactly.
    /// Off for an upstream that refuses the parameter.
    bool streamUsage = true;

    bool secure() const { return endpoint.tls; }
    bool anthropic() const { return api == UpstreamApi::Anthropic; }
    /// True when `model` is listed (servesAll not considered).
    bool lists(const std::string& model) const;
};

/// Reads the upstream.* keys and every upstreams.<name>.* block of the openai section. Empty
/// vector when no upstream is configured. Throws ConfigError naming the key (and the key file)
/// for a bad URL, an unreadable or empty api_key_file, an unknown key, a model routed to two
/// upstreams, or two upstreams that both claim "*".
/// An upstream named in `catalogUpstreams` (the model catalog sends models there, see
/// routing/) routes no model by name unless its `models` says so: its default is none, not "*".
std::vector<UpstreamConfig> readUpstreamConfigs(const PluginConfig& config,
                                                const std::set<std::string>& catalogUpstreams = {});

} // namespace portico::openai
