#pragma once
/// A handler's way to send a streamed (chunked) answer, got from Exchange::stream().
///
/// The first write runs the response-head hooks and commits status and headers; each chunk is
/// handed to the client's socket as it is written. Where the writer is used decides how it
/// waits:
///  - on the event loop (a DeferredAnswer, or a handler the core runs on the loop), write()
///    never blocks: it queues the chunk and returns. ready() turns false once the client has
///    more than the high watermark (64 KiB) queued; stop producing then, and the core calls
///    DeferredAnswer::resume() when the queue has drained below half of it. A producer that
///    ignores ready() is cut off at 16 times the watermark (the stream fails);
///  - on a worker thread (a handler of a plugin or route that may block), write() blocks while
///    the client is over the high watermark, up to server.send_timeout_seconds.
/// write() returns false once the client has gone (or the stream was ended): stop producing.
///
/// end() completes the answer (the terminating chunk). fail() ends it as a failure: what was
/// written is sent, then the transfer is cut without its terminating chunk, so that the client
/// sees a truncated answer (curl exits non-zero, an SDK raises), and every plugin's completion
/// hook sees Outcome::Error. A handler's stream that is neither ended nor failed when the
/// handler returns is ended by the core (cut when the handler threw). A DeferredAnswer's stream
/// is the task's to end: the core cannot tell that a task has finished, so one that forgets
/// end() holds the connection until the client leaves or the server stops.

#include "portico/Api.h"
#include <string_view>

namespace portico {

class PORTICO_API StreamWriter
{
public:
    virtual ~StreamWriter();
    /// Queues one chunk (an empty one is ignored). False when the client is gone or the stream
    /// has ended: nothing more will be sent.
    virtual bool write(std::string_view chunk) = 0;
    /// True while the client is still there and the stream has not ended.
    virtual bool open() const = 0;
    /// False while the client has more than the high watermark queued (see above).
    virtual bool ready() const = 0;
    /// The answer is complete.
    virtual void end() = 0;
    /// The answer failed after it had begun: cut the transfer (see above).
    virtual void fail() = 0;
};

/// Server-sent events over a StreamWriter: `event:` + `data:` pairs or bare `data:` lines.
class PORTICO_API SseWriter
{
public:
    explicit SseWriter(StreamWriter& writer) : writer_(writer) {}

    /// Writes "event: <name>\ndata: <data>\n\n" (no event line when `event` is empty).
    /// `data` must be one line (JSON is); returns false when the client is gone.
    bool send(std::string_view event, std::string_view data);
    /// Writes "data: <data>\n\n".
    bool data(std::string_view data) { return send({}, data); }

    StreamWriter& writer() { return writer_; }

private:
    StreamWriter& writer_;
};

} // namespace portico
