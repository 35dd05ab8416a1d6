#pragma once
/// What went wrong talking to an upstream, as the client will see it: an HTTP status (502 or
/// 504), an OpenAI error code and a message that names the upstream and its URL but never its
/// key; and how a stream that has begun reports it (an `event: error` frame).

#include "AnswerLimits.h"
#include "UpstreamConfig.h"
#include "portico/Upstream.h"
#include <string>

namespace portico::openai {

struct ProxyFailure
{
    int status = 502;
    /// OpenAI error code: "upstream_unreachable", "upstream_timeout", "upstream_error".
    std::string code = "upstream_error";
    std::string message;
    /// The metric's status label: "connect_error", "timeout" or "error".
    std::string label = "error";
    /// Another upstream might do better (false for an answer refused for its size, which
    /// another deployment of the same model would most likely send too).
    bool retryElsewhere = true;
};

/// A failure the core's client reported (connect, timeout, a malformed or broken answer, a body
/// over upstream.max_body_bytes: then the message names that key and its value).
ProxyFailure proxyFailure(const UpstreamConfig& upstream, const UpstreamFailure& failure);
/// An answer the relay refused for its size: a body read whole for a stream request, or one
/// event of a stream (AnswerTooLarge names the key).
ProxyFailure tooLarge(const UpstreamConfig& upstream, const AnswerTooLarge& error);
/// An answer that broke off in a way only the relay sees: `what` says how ("the event stream
/// ended before its final event").
ProxyFailure brokenAnswer(const UpstreamConfig& upstream, const std::string& what);

/// A stream the upstream ended with a failure of its own (an `event: error`, response.failed, a
/// chat error chunk): `data` is that event's data (SseFramer::failure), quoted in the message
/// with control characters replaced. The event itself reaches the client as the upstream sent it.
ProxyFailure reportedFailure(const UpstreamConfig& upstream, const std::string& data);

/// "event: error" + "data: {"error":{...}}": how a stream that has begun reports a failure.
/// The OpenAI SDKs raise it as an APIError for chat and Responses streams alike. `anthropic`:
/// Anthropic's shape instead, {"type":"error","error":{"type","message"}}, for a stream of its
/// Messages API (a /v1/messages request passed on to an upstream of type anthropic).
std::string errorEvent(const ProxyFailure& failure, bool anthropic = false);

} // namespace portico::openai
