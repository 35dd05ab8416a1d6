#pragma once
/// The response half of an Exchange: what will be (or has been) sent to the client.

#include "Poco/Net/NameValueCollection.h"
#include <cstdint>
#include <string>

namespace portico {

/// Who produced the answer. The idempotency store, for one, keeps only handler answers.
enum class AnswerSource
{
    None,    ///< nobody has answered yet
    Hook,    ///< a request hook short-circuited (401, 429, a replay)
    Handler, ///< the route's handler
    Core     ///< the core: 404, 405, 413, 500 after a throw
};

struct Response
{
    int status = 0;
    std::string contentType = "application/json";
    /// Extra headers. Response-head hooks add to these; Content-Type and Content-Length are the
    /// core's.
    Poco::Net::NameValueCollection headers;
    /// The whole body of a buffered answer; empty for a stream.
    std::string body;
    AnswerSource source = AnswerSource::None;
    bool streamed = false;
    /// Set once status and headers are on the wire; after that, headers can no longer change.
    bool committed = false;
    std::uint64_t bytesSent = 0;
    /// A write failed: the client went away mid-answer.
    bool clientGone = false;
};

} // namespace portico
