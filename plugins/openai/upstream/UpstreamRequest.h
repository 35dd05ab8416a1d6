#pragma once
/// The HTTP request that goes upstream for a client's request, and the header that comes back.
///
/// Sent: the upstream's own key as `Authorization: Bearer` (an Anthropic upstream: `x-api-key`
/// and `anthropic-version`, and anthropic-beta in place of OpenAI-Beta) (the client's Authorization, which
/// authenticated it to us, is never forwarded), `traceparent` (ours from the tracing plugin, or
/// the client's when tracing is off) and `tracestate`, Content-Type, Accept,
/// Accept-Encoding: identity, and the OpenAI-Beta, Idempotency-Key and User-Agent headers of
/// the client. Nothing else: cookies, proxy headers and the client's OpenAI-Organization/-Project
/// belong to this hop. Host, Content-Length and Connection are the core client's.
/// Returned: the upstream's x-request-id as X-Upstream-Request-Id (X-Request-Id stays ours).

#include "UpstreamConfig.h"
#include "portico/Exchange.h"
#include "portico/Upstream.h"
#include <string>

namespace portico::openai {

/// The request target: the upstream's base path joined with `apiPath` ("/chat/completions").
/// A leading "/v1" in apiPath is dropped when the base path already ends with it, so both
/// "/chat/completions" and "/v1/chat/completions" work against "http://host/v1".
std::string upstreamTarget(const UpstreamConfig& upstream, const std::string& apiPath);

/// POST `apiPath` with `exchange`'s body unchanged (or `body`, when given: the model router's
/// copy with the deployment's model) and the headers above; `stream`: the client asked for
/// stream: true (Accept: text/event-stream, no retry of a 502/503, no body cap: the relay caps
/// each event instead).
UpstreamRequest forwardedRequest(const Exchange& exchange, const UpstreamConfig& upstream,
                                 const std::string& apiPath, bool stream, const std::string* body = nullptr);

/// GET <url>/models with Accept: application/json and the upstream's key.
UpstreamRequest modelsRequest(const UpstreamConfig& upstream);

/// The header that carries the upstream's x-request-id back to the client.
inline constexpr const char* UpstreamRequestIdHeader = "X-Upstream-Request-Id";

} // namespace portico::openai
