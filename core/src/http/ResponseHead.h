#pragma once
// The status line and header block of an answer, written into one buffer so that a buffered
// answer goes out in a single send (head and body together) instead of through Poco's
// HTTPServerResponse, which copies every header into a second collection and formats them
// through an ostream.
//
// Layout, as porticod has always sent it: status line, Date, Connection, Content-Type, the
// exchange's headers in the order they were added, then the framing header (Content-Length or
// Transfer-Encoding), then the blank line. The framing headers are the core's: a Connection,
// Content-Length or Transfer-Encoding header among the exchange's headers is left out, since a
// second framing header would make the message ambiguous.
//
// Nothing a plugin set can split the answer (RFC 9110 §5.5, §5.6.2): a header whose name is not
// a token, or whose value has CR, LF, NUL or another control byte but HTAB, is left out; a
// Content-Type with such a byte is sent as "application/octet-stream" (not left out, so that
// no client sniffs the body into HTML); a status outside 200..599 is sent as 500 (this writes
// final answers only: a handler's 101 must not tell a proxy in front that the protocol
// switched). Each is
// reported to the caller (DroppedFields), which logs it. Header values with bytes 0x80-0xFF
// (obs-text) are sent as they are.
//
// Answers without content (RFC 9110 §15.3.5, §15.4.5; RFC 9112 §6.1, §6.3): a 204 gets no
// Content-Length, no Transfer-Encoding and no Content-Type; a 304 no Content-Length and
// no Transfer-Encoding (its Content-Type stays: it describes the selected representation). The
// caller sends no body bytes (and no chunked framing, not even the last chunk) for them:
// statusAllowsBody(). An answer to HEAD has the head a GET would get (RFC 9110 §9.3.2) and no
// body: the caller's to skip. An HTTP/1.0 answer never carries Transfer-Encoding (RFC 9112
// §6.1): AnswerFraming::Chunked writes nothing for "HTTP/1.0".

#include "portico/Response.h"
#include <cstddef>
#include <cstdint>
#include <string>

namespace portico {

/// False for the final statuses whose answers never have content (204, 304): the caller sends
/// no body bytes and no chunked framing after their head, whatever the handler gave. (A 1xx,
/// like any status outside 200..599, goes out as a 500, which has a body.)
constexpr bool statusAllowsBody(int status) noexcept
{
    return status != 204 && status != 304;
}

/// How the body that follows the head is delimited.
enum class AnswerFraming
{
    ContentLength, ///< "Content-Length: n"
    Chunked,       ///< "Transfer-Encoding: chunked"
    UntilClose     ///< neither: the body ends when the connection closes (HTTP/1.0 streams)
};

struct ResponseHeadSpec
{
    const std::string& version; ///< "HTTP/1.1" or "HTTP/1.0", the request's
    bool keepAlive;             ///< "Connection: Keep-Alive", else "Connection: Close"
    AnswerFraming framing;
    std::uint64_t contentLength; ///< for AnswerFraming::ContentLength
    const std::string& date;     ///< the Date value (httpDateNow())
    /// A stream: adds "Cache-Control: no-cache" and "X-Accel-Buffering: no" (so that proxies in
    /// front pass each event on at once) unless the exchange set them.
    bool stream = false;
    /// Bytes the caller appends right after the head (a small body sent with it): the buffer
    /// is sized for head and body at once, so that neither grows it again.
    std::size_t bytesAfter = 0;
};

/// What appendResponseHead did not send as the response had it. Empty, and free (no
/// allocation), for an answer with nothing wrong.
struct DroppedFields
{
    /// Header fields left out, plus a Content-Type or a status replaced.
    std::size_t count = 0;
    /// What and why, for a log line, e.g. "header 'X-A\x0D\x0AB' (its name is not a token),
    /// header 'X-B' (byte 0x0A in its value)"; after the first 8, " and N more". Printable ASCII
    /// (names quoted and cut at 64 bytes), never a header's value.
    std::string description;

    bool empty() const noexcept { return count == 0; }
};

/// Appends the head of `response` (status, headers, blank line) to `out`, leaving out what
/// could split it (see the top of this file) and returning what that was.
DroppedFields appendResponseHead(std::string& out, const Response& response, const ResponseHeadSpec& spec);

/// Appends the chunk-size line of one chunk of chunked transfer coding ("1a2\r\n").
void appendChunkSize(std::string& out, std::size_t size);

} // namespace portico
