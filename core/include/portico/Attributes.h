#pragma once
/// The Exchange attributes that plugins share. A plugin that sets one documents it in its
/// README; a plugin that reads one must cope with it being absent (its producer may be off).

#include "portico/AttributeKey.h"

namespace portico::attr {

/// 32 lowercase hex; set by tracing.
inline const AttributeKey TraceId{"trace_id"};
/// The W3C traceparent to send upstream ("00-<trace>-<span>-01"); set by tracing.
inline const AttributeKey TraceparentOut{"traceparent_out"};
/// The authenticated principal (a name from the keys file); set by auth.
inline const AttributeKey Principal{"principal"};
/// Token usage of the answer, decimal; set by the openai plugin when known.
inline const AttributeKey UsageInputTokens{"usage.input_tokens"};
inline const AttributeKey UsageOutputTokens{"usage.output_tokens"};
/// The part of usage.input_tokens the upstream read from its prompt cache, decimal; set by the
/// openai proxy with the other two (absent: none).
inline const AttributeKey UsageCachedInputTokens{"usage.cached_input_tokens"};
/// The model names and globs the request's key may use, one per line (ModelPatterns.h); set by
/// auth for a virtual key limited to some models; absent: any model. Read by the openai plugin:
/// GET /v1/models lists only those, and GET /v1/models/{id} of another is 404.
inline const AttributeKey AllowedModels{"allowed_models"};
/// The model a request asked for; set by the openai plugin.
inline const AttributeKey Model{"model"};
/// The model that answered, as the answer names it, and the answer's finish reasons ("stop",
/// "length", ...; each once, one per line, in the order of the choices). Set by a handler that
/// knows them without reading its answer back (the openai plugin's local models); absent, a
/// plugin that wants them reads the body (the otel plugin's scan does).
inline const AttributeKey ResponseModel{"response.model"};
inline const AttributeKey ResponseFinishReasons{"response.finish_reasons"};
/// The output-token limit the request asked for, decimal (chat's max_completion_tokens or
/// max_tokens, the Responses API's max_output_tokens); empty when it asked for none. Set by a
/// handler that parsed the request anyway (the openai plugin's local models); absent, a plugin
/// that wants it reads the body (the otel plugin's scan does).
inline const AttributeKey RequestMaxTokens{"request.max_tokens"};
/// Milliseconds spent waiting for an upstream, decimal; set by the openai proxy.
inline const AttributeKey UpstreamMs{"upstream_ms"};
/// The upstream attempts of a request (retries and fallbacks each one), appended by the openai
/// proxy as each attempt ends, one line per attempt, each ending in '\n':
///   "<start, ns since the Unix epoch> <duration ns> <span id> <outcome> <host>:<port> <upstream> <api>"
/// <span id> (16 lowercase hex) is the parent id of the traceparent sent for that attempt;
/// <outcome> is the upstream's status ("200", "503") or a failure label ("connect_error",
/// "timeout", "error"); <upstream> is the upstream's config name; <api> the API it speaks
/// ("openai", or "anthropic" for an upstream of type anthropic). Only set for requests that
/// carry attr::TraceparentOut. Read by the otel plugin (a client span per line).
inline const AttributeKey UpstreamAttempts{"upstream.attempts"};

} // namespace portico::attr
