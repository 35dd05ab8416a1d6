#pragma once
/// What a pass-through route sends upstream and what it hands back (RFC 9110 section 7.6.1:
/// hop-by-hop fields belong to one connection and are never forwarded).
///
/// Upstream: the client's method, path and query as sent (below the upstream URL's path, as
/// upstreamTarget joins them), its body, and its headers except
///  - the hop-by-hop ones (Connection and every field it names, Keep-Alive, Proxy-Connection,
///    TE, Trailer, Transfer-Encoding, Upgrade: no WebSocket or h2c upgrade goes through),
///  - Host, Content-Length and Expect (the core's client frames the request itself),
///  - the credentials that were for this gateway: Authorization (the client's key) and
///    Proxy-Authorization; the upstream's own key goes instead when its api_key_file is set,
///  - traceparent, replaced by the gateway's (the tracing plugin's span, or the client's when
///    tracing is off), and Accept-Encoding, replaced by identity: the body the plugins see
///    and the client gets is the upstream's bytes, never a compressed form only some can read.
/// X-Forwarded-For gets the client's address appended (or is created).
///
/// Back to the client: the status, Content-Type and headers except the hop-by-hop ones,
/// Content-Length (the core frames the answer), Date (the core's), and X-Request-Id, which
/// stays the gateway's: the upstream's goes as X-Upstream-Request-Id.

#include "upstream/UpstreamConfig.h"
#include "portico/Exchange.h"
#include "portico/Upstream.h"

namespace portico::openai {

/// The request for `exchange` to `upstream`.
UpstreamRequest passThroughRequest(const Exchange& exchange, const UpstreamConfig& upstream);

/// Adds the answer's headers that go to the client to `into` (see above), the upstream's
/// X-Request-Id as X-Upstream-Request-Id.
void relayAnswerHeaders(const UpstreamAnswer& answer, HeaderList& into);

/// True when `path` (as sent) has a "." or ".." segment, percent-encoded or not.
bool hasDotSegment(const std::string& path);

/// The client's address without its port, as X-Forwarded-For has it ("10.0.0.7", "::1").
std::string forwardedAddress(const std::string& clientAddress);

} // namespace portico::openai
