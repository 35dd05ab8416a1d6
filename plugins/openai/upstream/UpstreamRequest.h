#pragma once
/// The HTTP request that goes upstream for a client's request, and the headers that come back.
///
/// Sent: the upstream's own key as `Authorization: Bearer` (the client's Authorization, which
/// authenticated it to us, is never forwarded), `traceparent` (ours from the tracing plugin, or
/// the client's when tracing is off) and `tracestate`, Content-Type, Accept,
/// Accept-Encoding: identity, and the OpenAI-Beta, Idempotency-Key and User-Agent headers of
/// the client. Nothing else: cookies,
/// proxy headers and the client's OpenAI-Organization/-Project belong to this hop.
/// Returned: the upstream's x-request-id as X-Upstream-Request-Id (X-Request-Id stays ours).

#include "UpstreamConfig.h"
#include "portico/Exchange.h"
#include "Poco/Net/HTTPRequest.h"
#include "Poco/Net/HTTPResponse.h"
#include <string>

namespace portico::openai {

/// The request target: the upstream's base path joined with `apiPath` ("/chat/completions").
/// A leading "/v1" in apiPath is dropped when the base path already ends with it, so both
/// "/chat/completions" and "/v1/chat/completions" work against "http://host/v1".
std::string upstreamTarget(const UpstreamConfig& upstream, const std::string& apiPath);

/// Fills `request`'s headers for forwarding `exchange` (body length included).
void prepareRequest(Poco::Net::HTTPRequest& request, const Exchange& exchange, const UpstreamConfig& upstream,
                    bool stream);

/// The Host header for `upstream`, as Poco writes it.
std::string hostHeader(const UpstreamConfig& upstream);

/// Appends to `out` the same request as prepareRequest fills, as bytes: request line, `host`,
/// the headers, "Connection: close" unless `keepAlive`, and the blank line (not the body).
void writeRequestHead(std::string& out, const std::string& method, const std::string& target,
                      const std::string& host, const Exchange& exchange, const UpstreamConfig& upstream, bool stream,
                      bool keepAlive);

/// Adds the headers of the upstream's answer that the client gets to `exchange`'s response.
void copyResponseHeaders(const Poco::Net::HTTPResponse& response, Exchange& exchange);

/// The header that carries the upstream's x-request-id back to the client.
inline constexpr const char* UpstreamRequestIdHeader = "X-Upstream-Request-Id";

} // namespace portico::openai
