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

#include "portico/Response.h"
#include <cstdint>
#include <string>

namespace portico {

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
};

/// Appends the head of `response` (status, headers, blank line) to `out`.
void appendResponseHead(std::string& out, const Response& response, const ResponseHeadSpec& spec);

/// Appends the chunk-size line of one chunk of chunked transfer coding ("1a2\r\n").
void appendChunkSize(std::string& out, std::size_t size);

} // namespace portico
