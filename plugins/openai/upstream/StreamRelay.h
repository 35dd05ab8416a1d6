#pragma once
/// Relays an upstream's server-sent events to the client event by event, each written (and so
/// flushed) as soon as its last byte has arrived.
///
/// Reading: std::istream::read on Poco's HTTP body stream blocks until its buffer is full, which
/// would hold events back. The relay peek()s (one socket read, returns as soon as any bytes
/// arrive) and then takes what is buffered with readsome().
///
/// Errors: before the first event reaches the client, a JSON error answer (502/504) as for a
/// non-streaming call; after it, an `event: error` with an OpenAI error body, and the end.

#include "SseFramer.h"
#include "UpstreamConfig.h"
#include "UpstreamFailure.h"
#include "portico/Exchange.h"
#include "Poco/Net/HTTPClientSession.h"
#include <istream>
#include <optional>

namespace portico::openai {

struct RelayResult
{
    std::optional<Usage> usage;
    /// The upstream's body was read to its end: the connection can be reused.
    bool drained = false;
    /// The client went away; the upstream request must be abandoned.
    bool clientGone = false;
    /// Set when the stream failed (read timeout, reset, ended without its final event).
    std::optional<UpstreamFailure> failure;
    std::size_t events = 0;
};

/// Relays `body` (an event stream with status `status`) to `exchange`. `session` is the
/// connection it comes from (for its error, which Poco's streams keep there).
RelayResult relayEvents(std::istream& body, Poco::Net::HTTPClientSession& session, Exchange& exchange,
                        const UpstreamConfig& upstream, int status, const std::string& contentType);

/// "event: error" + "data: {"error":{...}}": how a stream that has begun reports a failure.
/// The OpenAI SDKs raise it as an APIError for chat and Responses streams alike.
std::string errorEvent(const UpstreamFailure& failure);

} // namespace portico::openai
