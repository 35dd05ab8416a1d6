#pragma once
/// Cuts an upstream's server-sent-events byte stream into whole events as bytes arrive, so each
/// event can be relayed (and flushed) the moment its blank line is in, whatever way the bytes
/// were split across reads and chunks. It also notes what the proxy needs from the events:
/// the usage of the final one, whether the stream ended properly, and whether the upstream
/// ended it with a failure of its own.

#include "AnswerLimits.h"
#include "UsageScanner.h"
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portico::openai {

/// The name and the data of one whole SSE event: the `event:` field (empty when there is
/// none) and the `data:` lines joined by "\n", each value without the one optional space after
/// its colon (the SSE spec); CRLF line ends read as LF. Used by the stream translations;
/// SseFramer::inspect reads a name more leniently (all leading blanks dropped).
void splitSseEvent(std::string_view event, std::string_view& name, std::string& data);

class SseFramer
{
public:
    /// `maxEventBytes` caps one event, counted as next() hands it out (with its blank line):
    /// an event that is, or is bound to become, longer is refused rather than buffered.
    explicit SseFramer(std::size_t maxEventBytes = DefaultMaxEventBytes) : maxEventBytes_(maxEventBytes) {}

    /// Appends bytes; whole events (with their terminating blank line, as the upstream sent
    /// them) are then available from next().
    void feed(std::string_view bytes);
    /// The next whole event, or nothing. The view stays valid until the next feed(). Throws
    /// AnswerTooLarge for a whole event longer than the cap, and for an unterminated one whose
    /// bytes so far already pass it (it will not fit once its blank line comes).
    std::optional<std::string_view> next();
    /// Bytes received after the last whole event (an unterminated tail).
    std::string_view pending() const { return std::string_view(buffer_).substr(consumed_); }

    /// Looks at one event: usage, terminal markers. Called by the relay for every event.
    void inspect(std::string_view event);

    /// The usage of the last event that carried one (chat's usage chunk, response.completed;
    /// Anthropic's message_start, with the output tokens of its last message_delta).
    const std::optional<Usage>& usage() const { return usage_; }
    /// True once the stream ended the way OpenAI streams end: `data: [DONE]` (chat),
    /// response.completed / .incomplete / .failed (Responses API), Anthropic's message_stop, or
    /// an error event.
    bool finished() const { return finished_; }
    /// True once the upstream reported a failure in the stream: an `event: error`, a
    /// response.failed, or a chat stream's `data: {"error":…}` chunk. Such a stream is
    /// finished() too, but it did not succeed: the relay passes the event on and then fails the
    /// client's stream.
    bool failed() const { return failed_; }
    /// The data of the event that failed() the stream, at most 300 bytes (for the log).
    const std::string& failure() const { return failure_; }
    std::size_t events() const { return events_; }

private:
    void refuseOversize(std::size_t eventBytes) const;
    void noteMessageDelta(const std::string& data);

    std::size_t maxEventBytes_;
    std::string buffer_;
    /// Start of the first event not yet handed out.
    std::size_t consumed_ = 0;
    /// Where to resume looking for the blank line (never rescan bytes already looked at).
    std::size_t scanned_ = 0;
    /// Start of the line being scanned.
    std::size_t lineStart_ = 0;
    std::optional<Usage> usage_;
    bool finished_ = false;
    bool failed_ = false;
    std::string failure_;
    std::size_t events_ = 0;
};

} // namespace portico::openai
