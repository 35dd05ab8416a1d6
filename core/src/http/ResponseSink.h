#pragma once
// Where one answer's bytes go: the client's connection (Connection), or memory in unit tests.
// ExchangeRun calls it; it frames the answer (head, Content-Length or chunks) for the request
// it was made for.
//
// Threads: sendWhole, endStream and abortStream are called on the event loop. beginStream and
// writeChunk are called on the loop, or on the worker that runs a blocking handler's stream,
// which then waits in writeChunk while the client is over the high watermark.

#include "portico/Response.h"
#include <string_view>

namespace portico {

class ResponseSink
{
public:
    virtual ~ResponseSink() = default;

    /// Queues the head and the whole body of a buffered answer and starts sending. False when
    /// the client is gone.
    virtual bool sendWhole(const Response& response) = 0;
    /// Queues the head of a streamed answer. False when the client is gone.
    virtual bool beginStream(const Response& response) = 0;
    /// Queues one chunk (never empty). False when the client is gone.
    virtual bool writeChunk(std::string_view chunk) = 0;
    /// False while the client has more than the high watermark queued.
    virtual bool ready() const = 0;
    /// Ends the stream (the terminating chunk).
    virtual void endStream() = 0;
    /// Cuts the stream: what is queued is sent, then the connection closes without the
    /// terminating chunk, so the client sees the truncation.
    virtual void abortStream() = 0;
};

} // namespace portico
