#pragma once
/// Names of the Exchange attributes that plugins share. A plugin that sets one documents it in
/// its README; a plugin that reads one must cope with it being absent (its producer may be off).

namespace portico::attr {

/// 32 lowercase hex; set by tracing.
inline constexpr const char* TraceId = "trace_id";
/// The W3C traceparent to send upstream ("00-<trace>-<span>-01"); set by tracing.
inline constexpr const char* TraceparentOut = "traceparent_out";
/// The authenticated principal (a name from the keys file); set by auth.
inline constexpr const char* Principal = "principal";
/// Token usage of the answer, decimal; set by the openai plugin when known.
inline constexpr const char* UsageInputTokens = "usage.input_tokens";
inline constexpr const char* UsageOutputTokens = "usage.output_tokens";
/// The model a request asked for; set by the openai plugin.
inline constexpr const char* Model = "model";
/// Milliseconds spent waiting for an upstream, decimal; set by the openai proxy.
inline constexpr const char* UpstreamMs = "upstream_ms";

} // namespace portico::attr
