#pragma once
/// A handler's way to send a streamed (chunked) answer.
///
/// The first write runs the response-head hooks and commits status and headers; every write is
/// flushed to the socket before it returns, so the client sees each chunk as it is produced.
/// write() returns false once the client has gone: stop producing and return from the handler.

#include <string_view>

namespace portico {

class StreamWriter
{
public:
    virtual ~StreamWriter() = default;
    /// Writes and flushes one chunk. False when the client is gone (nothing more will be sent).
    virtual bool write(std::string_view chunk) = 0;
    /// True while the client is still there.
    virtual bool open() const = 0;
};

/// Server-sent events over a StreamWriter: `event:` + `data:` pairs or bare `data:` lines.
class SseWriter
{
public:
    explicit SseWriter(StreamWriter& writer) : writer_(writer) {}

    /// Writes "event: <name>\ndata: <data>\n\n" (no event line when `event` is empty).
    /// `data` must be one line (JSON is); returns false when the client is gone.
    bool send(std::string_view event, std::string_view data);
    /// Writes "data: <data>\n\n".
    bool data(std::string_view data) { return send({}, data); }

private:
    StreamWriter& writer_;
};

} // namespace portico
