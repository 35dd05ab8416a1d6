#pragma once
// HTTP/1.1 message heads as porticod reads them, from clients (requests) and from upstreams
// (answers), parsed strictly by RFC 9112 so that nothing a peer sends can be read two ways:
//
//  - lines end in CRLF (a bare LF is accepted as a line end, as RFC 9112 §2.2 allows); a bare
//    CR anywhere, NUL or another control character (but HTAB) in a field value, whitespace
//    before a field's colon, an obsolete line folding, a field name that is not a token: invalid;
//  - framing (§6): Transfer-Encoding together with Content-Length is invalid (a request gets
//    400 and the connection closes); more than one Content-Length field, or a list in one, is
//    invalid even when the values agree; a Content-Length that is not all digits (or overflows)
//    is invalid; a Transfer-Encoding other than exactly "chunked" is refused (requests: 501;
//    answers: invalid) and in HTTP/1.0 it is invalid;
//  - limits as POCO's parser had them (the abuse tests rely on the statuses): method 32
//    bytes, request target 16 KiB, a field name 256 bytes, a field value 8 KiB, 100 fields;
//    and the whole head at most 64 KiB (maxHeadBytes below);
//  - RFC 9112 §3.2: an HTTP/1.1 request without a Host field, and any request with more than
//    one, is invalid (400); Expect: 100-continue in an HTTP/1.0 request is ignored (RFC 9110
//    §10.1.1).
//
// The parser is resumable: it is handed the bytes received so far and scans only what is new,
// so a head that arrives a byte at a time costs what a head that arrives at once costs.

#include "portico/HeaderList.h"
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace portico {

/// The most bytes one head may have in all: its request (or status) line and every field line,
/// line ends included, up to and with the empty line that ends it (the empty lines a client may
/// send before a request line are bounded on their own and do not count). Why a total: the
/// per-field limits alone let one head grow to 100 x (256 + 8192 bytes + whitespace), about
/// 870 KiB, which a connection holds in memory until the head ends (and a slow client can hold
/// for a long time, on many connections). 64 KiB is more than real clients send (large cookies
/// and JWTs included; Envoy's default is 60 KiB, nginx's 4 x 8 KiB buffers), and like the other
/// head limits it is refused with 431 as soon as the byte past it arrives.
constexpr std::size_t maxHeadBytes = 64 * 1024;

struct HeadLimits
{
    std::size_t maxMethod = 32;
    std::size_t maxTarget = 16384;
    std::size_t maxNameLength = 256;
    std::size_t maxValueLength = 8192;
    std::size_t maxFields = 100;
    std::size_t maxHead = maxHeadBytes; ///< the whole head (see maxHeadBytes)
};

/// How the body after a head is delimited.
enum class BodyFraming
{
    None,      ///< no body (a request without Content-Length or Transfer-Encoding; an answer to HEAD, 1xx, 204, 304)
    Length,    ///< Content-Length bytes
    Chunked,   ///< chunked transfer coding
    UntilClose ///< answers only: the body ends when the connection closes (no length, not chunked)
};

namespace detail {

/// A yes/no answer for each of the 256 byte values.
struct ByteSet
{
    bool has[256] = {};
    constexpr bool operator()(char c) const noexcept { return has[static_cast<unsigned char>(c)]; }
};

constexpr ByteSet makeTokenChars() noexcept
{
    ByteSet set;
    for (int c = 0; c < 256; ++c)
        set.has[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    for (const char symbol : std::string_view("!#$%&'*+-.^_`|~"))
        set.has[static_cast<unsigned char>(symbol)] = true;
    return set;
}

/// RFC 9110 §5.6.2 tchar, as a table (the parsers and the answer writer test every byte of
/// every field name against it).
inline constexpr ByteSet tokenChars = makeTokenChars();

/// RFC 9110 §5.6.2 tchar: the bytes of a token (method, field name, transfer coding).
constexpr bool isTokenChar(char c) noexcept
{
    return tokenChars(c);
}

/// Where a head parser stands in the bytes it was given: the state both parsers share (not an
/// API; MessageHead.cpp reads and writes it). Offsets count from the start of the input, which
/// every call passes again, so they stay valid from one call to the next.
struct HeadScan
{
    /// The steps of the start lines come before FieldStart (MessageHead.cpp relies on it).
    enum class Step : unsigned char
    {
        Empty, ///< before the request line, where empty lines are skipped
        // The request line.
        Method,
        Target,
        Version,
        // The status line.
        AnswerVersion,
        Status,
        Reason,
        // The field lines.
        FieldStart,
        Name,
        Value,
        Cr, ///< after a CR, which must be followed by LF
        Done,
        Failed
    };
    Step step = Step::Empty;
    Step crFrom = Step::Empty;  ///< the step in which the CR came (Cr)
    Step afterCr = Step::Empty; ///< the step the LF after it leads to (Cr)
    std::size_t start = 0;      ///< the current token's (or field line's) first byte
    std::size_t nameEnd = 0;    ///< the colon of the current field line
    bool hasValue = false;      ///< a byte other than OWS came after the colon
    std::size_t valueStart = 0; ///< the value's first byte that is not OWS
    std::size_t valueEnd = 0;   ///< one past its last byte that is not OWS
    std::size_t fields = 0;     ///< field lines begun
    std::size_t headStart = 0;  ///< the request (status) line's first byte: HeadLimits::maxHead counts from it
    std::size_t end = 0;        ///< one past the head's last byte (Done)
};

} // namespace detail

/// Why a head was refused: the status to answer (requests) and a message naming the problem
/// (the field, the limit). `code` is the OpenAI-style error code.
struct HeadError
{
    int status = 400;
    std::string message;
    std::string code = "malformed_request";
};

struct RequestHead
{
    std::string method;
    std::string target;
    bool http10 = false; ///< "HTTP/1.0"; otherwise "HTTP/1.1"
    HeaderList headers;
    BodyFraming framing = BodyFraming::None;
    std::uint64_t contentLength = 0; ///< when framing is Length
    /// HTTP/1.1 without "Connection: close", or HTTP/1.0 with "Connection: keep-alive".
    bool keepAlive = true;
    /// "Expect: 100-continue" in an HTTP/1.1 request (an HTTP/1.0 one's is ignored: RFC 9110
    /// §10.1.1, a 1.0 client does not understand a 100 answer).
    bool expectContinue = false;

    const char* version() const { return http10 ? "HTTP/1.0" : "HTTP/1.1"; }
};

/// Reads one request head from the start of a connection's input.
class RequestHeadParser
{
public:
    enum class Result
    {
        Incomplete, ///< more bytes are needed
        Complete,   ///< `head` is filled; the head's bytes (with any empty lines before it) end at `consumed`
        Invalid     ///< error() says why; the connection must close after the answer
    };

    explicit RequestHeadParser(HeadLimits limits = {}) : limits_(limits) {}

    /// `input` holds every byte received for this request so far, from its start (a later call
    /// passes the same bytes plus the new ones). Empty lines before the request line are skipped
    /// (RFC 9112 §2.2), at most 256 bytes of them. Every limit is checked as the bytes come, so
    /// a head over one is Invalid before it ends (a field line's whitespace around the value
    /// counts too: a line longer than name + value limits + 256 bytes is a 431; so does a head
    /// longer than HeadLimits::maxHead). An HTTP/1.1 request needs exactly one Host field, an
    /// HTTP/1.0 one at most one (else Invalid, 400).
    /// `head` and `consumed` are written only when the result is Complete. Once Complete or
    /// Invalid, later calls give the same result (and leave `head` alone) until reset().
    Result parse(std::string_view input, RequestHead& head, std::size_t& consumed);
    const HeadError& error() const { return error_; }
    /// True once a byte other than the empty lines before a request has been seen: the
    /// client has begun a request (an idle keep-alive connection has not).
    bool started() const { return started_; }
    /// Ready for the next request on the connection.
    void reset();
    /// The next head's headers go into `spare`'s kept entries: a list from a finished request,
    /// whose strings then need no new allocation. Before the head starts, and only when `spare`
    /// holds more entries than the parser's own list; the two lists swap (both cleared), so
    /// `spare` is left with the other one.
    void reuseHeaders(HeaderList& spare);

private:
    HeadLimits limits_;
    HeadError error_;
    std::size_t scanned_ = 0; ///< bytes of `input` already looked at
    bool started_ = false;
    detail::HeadScan scan_;
    RequestHead partial_; ///< the request line and fields read so far; swapped into `head`
};

struct ResponseHead
{
    int status = 0;
    std::string reason;
    bool http10 = false;
    HeaderList headers;
    BodyFraming framing = BodyFraming::None;
    std::uint64_t contentLength = 0;
    /// The connection may carry another request after this answer (HTTP/1.1 without
    /// "Connection: close", HTTP/1.0 with "Connection: keep-alive"), framing permitting.
    bool keepAlive = true;
};

/// Reads one answer head from an upstream. Interim 1xx answers are the caller's to skip (each
/// is Complete with its status; parse the next from `consumed`).
class ResponseHeadParser
{
public:
    enum class Result
    {
        Incomplete,
        Complete,
        Invalid ///< error() says why: the upstream's answer is a 502 upstream_error
    };

    explicit ResponseHeadParser(HeadLimits limits = {}) : limits_(limits) {}

    /// As RequestHeadParser::parse (no empty lines are skipped before the status line).
    /// `requestWasHead`: the request was HEAD (no body follows whatever the head says).
    Result parse(std::string_view input, bool requestWasHead, ResponseHead& head, std::size_t& consumed);
    const HeadError& error() const { return error_; }
    void reset();

private:
    HeadLimits limits_;
    HeadError error_;
    std::size_t scanned_ = 0;
    detail::HeadScan scan_{detail::HeadScan::Step::AnswerVersion};
    ResponseHead partial_; ///< the status line and fields read so far; swapped into `head`
};

/// Decodes the chunked transfer coding (RFC 9112 §7.1) as bytes arrive: chunk sizes in hex (at
/// most 15 digits), extensions ignored (a size line with its extensions is at most 4096 bytes),
/// the CRLF after each chunk's data checked, trailer fields read (at most 8 KiB in all) and
/// dropped; a line may end in a bare LF. Nothing is buffered but the data appended to `out`,
/// which the caller bounds (max_body_bytes).
class ChunkedDecoder
{
public:
    enum class Result
    {
        NeedMore, ///< every byte of `input` was consumed; the body goes on
        Done,     ///< the last chunk and the trailers ended at `consumed`
        Invalid   ///< error() says why
    };

    /// Consumes bytes of `input` (from its start), appending the data they carry to `out`. Each
    /// call is given the bytes that follow the previous call's (not the same prefix again).
    /// `consumed`: NeedMore, input.size(); Done, one past the empty line ending the trailers;
    /// Invalid, the offset of the byte found wrong. After Done or Invalid, later calls consume
    /// nothing and give the same result until reset().
    Result decode(std::string_view input, std::size_t& consumed, std::string& out);
    /// What is wrong (Invalid), a phrase for the caller's sentence, e.g. "chunk data not followed
    /// by CRLF (the chunk is longer than its size)"; printable ASCII, never the peer's bytes.
    const std::string& error() const { return error_; }
    void reset();

private:
    /// One byte outside chunk data; false (error_ set) when it breaks the grammar.
    bool step(char c);
    bool sizeByte(char c);
    bool lineByte();
    bool sizeLineEnd(char c);
    bool startChunk();
    bool trailerByte(char c);
    bool trailerLineEnd(char c);
    bool fail(const char* why);

    enum class State
    {
        Size,
        SizeSpace, ///< whitespace after the digits, allowed only before a ';' (BWS)
        Extension,
        SizeLf,
        Data,
        DataCr,
        DataLf,
        Trailer, ///< at the start of a trailer line (or of the empty line that ends them)
        TrailerName,
        TrailerValue,
        TrailerLf,
        Done,
        Failed
    };
    State state_ = State::Size;
    std::uint64_t remaining_ = 0;
    int digits_ = 0;
    std::size_t lineLength_ = 0;
    std::size_t trailerBytes_ = 0;
    std::string error_;
};

} // namespace portico
