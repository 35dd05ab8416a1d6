#pragma once
/// What went wrong talking to an upstream, as the client will see it: an HTTP status (502 or
/// 504), an OpenAI error code and a message that names the upstream but never its key.

#include "UpstreamConfig.h"
#include <exception>
#include <string>

namespace portico::openai {

struct UpstreamFailure
{
    int status = 502;
    /// OpenAI error code: "upstream_unreachable", "upstream_timeout", "upstream_error".
    std::string code;
    std::string message;
    /// The metric's status label: "connect_error", "timeout" or "error".
    std::string label;
    /// Worth another attempt (nothing reached the upstream, and it may work next time).
    bool retryable = false;
};

/// Failing to connect (refused, unresolvable, connect timeout, TLS handshake).
UpstreamFailure connectFailure(const UpstreamConfig& upstream, const std::exception& error);
/// Failing after the request was sent (read timeout, reset, a malformed answer, an answer body
/// or stream event past its cap: AnswerTooLarge, whose message names the key).
UpstreamFailure exchangeFailure(const UpstreamConfig& upstream, const std::exception& error);

} // namespace portico::openai
