#pragma once
/// The response half of an Exchange: what will be (or has been) sent to the client.

#include "HeaderList.h"
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
    /// Extra headers, sent in the order they were added. Response-head hooks add to these;
    /// Content-Type and the framing headers (Content-Length, Transfer-Encoding, Connection) are
    /// the core's.
    HeaderList headers;
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
