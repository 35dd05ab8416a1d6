#include "http/ResponseHead.h"
#include "http/HeadFraming.h"
#include "http/MessageHead.h"
#include "portico/AsciiCase.h"
#include "portico/KeptString.h"
#include "Poco/Bugcheck.h"
#include "Poco/Net/HTTPResponse.h"
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string_view>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace portico {

namespace {

/// Connection, Content-Length and Transfer-Encoding belong to the core (see the header).
bool isFramingHeader(const std::string& name)
{
    // By length first: it is asked twice for every header of every answer, and few names are
    // 10, 14 or 17 bytes long.
    switch (name.size())
    {
    case 10:
        return equalsIgnoringCase(name, "Connection");
    case 14:
        return equalsIgnoringCase(name, "Content-Length");
    case 17:
        return equalsIgnoringCase(name, "Transfer-Encoding");
    default:
        return false;
    }
}

/// Writes into a buffer that was sized beforehand: the head is measured first, then copied in
/// with memcpy, instead of growing the string by a few bytes a dozen times.
class HeadWriter
{
public:
    explicit HeadWriter(char* at) : at_(at) {}
    void put(std::string_view text)
    {
        std::memcpy(at_, text.data(), text.size());
        at_ += text.size();
    }
    void header(std::string_view name, std::string_view value)
    {
        // copyShort: names and values are mostly 4-32 bytes, copied inline (a head has two
        // dozen of them) instead of through a call to memcpy.
        copyShort(at_, name.data(), name.size());
        at_ += name.size();
        put(": ");
        copyShort(at_, value.data(), value.size());
        at_ += value.size();
        put("\r\n");
    }
    char* position() const { return at_; }

private:
    char* at_;
};

// Byte-parallel tests on 8 bytes at once ("SWAR"): each sets bit 7 of every byte of the result
// for which the test holds, exactly (no carry crosses from one byte to the next).
constexpr std::uint64_t ones = 0x0101010101010101u;
constexpr std::uint64_t highs = ones * 0x80;
constexpr std::uint64_t lows = ones * 0x7f;

/// Bytes equal to `c`.
constexpr std::uint64_t bytesEqual(std::uint64_t word, unsigned char c) noexcept
{
    const std::uint64_t x = word ^ (ones * c);
    return ~(((x & lows) + lows) | x) & highs;
}

/// Bytes below 0x80 with `low` < byte < `high` (both at most 0x80).
constexpr std::uint64_t bytesBetween(std::uint64_t word, unsigned char low, unsigned char high) noexcept
{
    const std::uint64_t x = word & lows;
    return ((ones * (127 + high) - x) & ~word & (x + ones * (127 - low))) & highs;
}

std::uint64_t load8(const char* at) noexcept
{
    std::uint64_t word;
    std::memcpy(&word, at, 8);
    return word;
}

bool isBadValueByte(char c) noexcept
{
    const auto byte = static_cast<unsigned char>(c);
    return (byte < 0x20 && byte != '\t') || byte == 0x7f;
}

#if defined(__SSE2__)
/// The lanes of `block` that hold a byte below 0x20 (unsigned) or DEL: those a field value may
/// not have, and HTAB.
__m128i controlOrDeleteBytes(__m128i block) noexcept
{
    return _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(block, _mm_set1_epi8(0x1f)), block),
                        _mm_cmpeq_epi8(block, _mm_set1_epi8(0x7f)));
}
#endif

/// The offset of the first byte of `value` that a field value may not have (RFC 9110 §5.5: a
/// control byte other than HTAB, which CR, LF and NUL are), or npos. Every Content-Type, and
/// each header value of an answer that controlBytes sent down the precise path, goes through
/// here, so 8 bytes are looked at at once: a word with no byte below 0x20 and no 0x7F is passed
/// at once, any other (one with a HTAB, say) byte by byte.
std::size_t badValueByte(std::string_view value) noexcept
{
    const std::size_t size = value.size();
    if (size < 8)
    {
        for (std::size_t i = 0; i < size; ++i)
            if (isBadValueByte(value[i]))
                return i;
        return std::string_view::npos;
    }
#if defined(__SSE2__)
    if (size >= 16)
    {
        // 16 bytes at once (a dozen values of 16-50 bytes go through here per answer): a byte
        // at most 0x1F (unsigned) or 0x7F sends its block to the byte-by-byte check.
        for (std::size_t i = 0;; i += 16) // the last block overlapping, as below
        {
            const std::size_t at = i + 16 <= size ? i : size - 16;
            const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(value.data() + at));
            if (_mm_movemask_epi8(controlOrDeleteBytes(block)) != 0)
                for (std::size_t j = at; j < at + 16; ++j)
                    if (isBadValueByte(value[j]))
                        return j;
            if (at + 16 == size)
                return std::string_view::npos;
        }
    }
#endif
    // Whole words, the last one overlapping the one before it when the size is not a multiple
    // of 8 (a byte looked at twice is judged the same twice).
    for (std::size_t i = 0;; i += 8)
    {
        const std::size_t at = i + 8 <= size ? i : size - 8;
        const std::uint64_t word = load8(value.data() + at);
        if ((bytesBetween(word, 0, 0x20) | bytesEqual(word, 0) | bytesEqual(word, 0x7f)) != 0)
            // a byte below 0x20 (perhaps only HTAB) or DEL: which, byte by byte
            for (std::size_t j = at; j < at + 8; ++j)
                if (isBadValueByte(value[j]))
                    return j;
        if (at + 8 == size)
            return std::string_view::npos;
    }
}

/// A field name is a token, judged byte by byte (the exact test, for names with a token symbol
/// or a byte that is not a token byte at all).
bool isTokenByBytes(std::string_view name) noexcept
{
    for (const char c : name)
        if (!detail::isTokenChar(c))
            return false;
    return !name.empty();
}

#if defined(__SSE2__)
/// The lanes of `block` that hold a letter, a digit or '-' (all a name usually has). Signed
/// compares: bytes from 0x80 are negative, never letters, digits or '-'.
__m128i usualTokenBytes(__m128i block) noexcept
{
    const __m128i folded = _mm_or_si128(block, _mm_set1_epi8(0x20));
    const __m128i letter =
        _mm_and_si128(_mm_cmpgt_epi8(folded, _mm_set1_epi8(0x60)), _mm_cmplt_epi8(folded, _mm_set1_epi8(0x7b)));
    const __m128i digit =
        _mm_and_si128(_mm_cmpgt_epi8(block, _mm_set1_epi8(0x2f)), _mm_cmplt_epi8(block, _mm_set1_epi8(0x3a)));
    const __m128i dash = _mm_cmpeq_epi8(block, _mm_set1_epi8('-'));
    return _mm_or_si128(_mm_or_si128(letter, digit), dash);
}
#endif

/// A field name is a token. Every name of every answer is checked, so a name of letters,
/// digits and '-' is passed at once: 8 to 32 bytes (most names) in one or two 16-byte tests of
/// copies that overlap, longer ones 16 bytes at a time (without SSE2, 8 at a time: SWAR). Any
/// other name, and one under 8 bytes, is looked at byte by byte.
bool isToken(std::string_view name) noexcept
{
    const std::size_t size = name.size();
    const char* data = name.data();
#if defined(__SSE2__)
    if (size >= 16 && size <= 32)
    {
        const auto first = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data));
        const auto last = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + size - 16));
        if (_mm_movemask_epi8(_mm_and_si128(usualTokenBytes(first), usualTokenBytes(last))) == 0xffff)
            return true;
        return isTokenByBytes(name);
    }
    if (size >= 8 && size < 16)
    {
        // The first 8 bytes and the last 8 (which overlap them) in one block.
        const __m128i block = _mm_unpacklo_epi64(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(data)),
                                                 _mm_loadl_epi64(reinterpret_cast<const __m128i*>(data + size - 8)));
        if (_mm_movemask_epi8(usualTokenBytes(block)) == 0xffff)
            return true;
        return isTokenByBytes(name);
    }
    if (size > 32)
    {
        for (std::size_t i = 0;; i += 16) // the last block overlapping, as badValueByte
        {
            const std::size_t at = i + 16 <= size ? i : size - 16;
            const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + at));
            if (_mm_movemask_epi8(usualTokenBytes(block)) != 0xffff)
                return isTokenByBytes(name);
            if (at + 16 == size)
                return true;
        }
    }
#endif
    if (size < 8)
        return isTokenByBytes(name);
    for (std::size_t i = 0;; i += 8) // whole words, the last one overlapping (as badValueByte)
    {
        const std::size_t at = i + 8 <= size ? i : size - 8;
        const std::uint64_t word = load8(data + at);
        // Letters in either case (setting bit 5 maps A-Z and only them onto a-z: the digits and
        // '-' are tested on the word as it is, since 0x10-0x19 and CR would map onto them).
        const std::uint64_t folded = word | (ones * 0x20);
        const std::uint64_t usual =
            bytesBetween(folded, 0x60, 0x7b) | bytesBetween(word, 0x2f, 0x3a) | bytesEqual(word, '-');
        if (usual != highs)
            return isTokenByBytes(name);
        if (at + 8 == size)
            return true;
    }
}

/// A header that can go on the wire as it is: a token for a name, field-content for a value.
bool sendable(std::string_view name, std::string_view value) noexcept
{
    return isToken(name) && badValueByte(value) == std::string_view::npos;
}

/// How many bytes of `text` a field value may not have but HTAB may be among: those below 0x20
/// and DEL. The written header lines are counted at once (appendResponseHead): their own CR
/// and LF are 2 a line, and any more is a value to look at on its own.
std::size_t controlBytes(std::string_view text) noexcept
{
    const std::size_t size = text.size();
    std::size_t count = 0;
    std::size_t i = 0;
#if defined(__SSE2__)
    // Each of the 16 byte lanes counts its block's hits (a hit is 0xFF, -1: subtracted, it
    // adds one); a lane holds 255 at most, so they are summed every 255 blocks.
    const auto sum = [](__m128i lanes) {
        const __m128i halves = _mm_sad_epu8(lanes, _mm_setzero_si128());
        return static_cast<std::size_t>(_mm_cvtsi128_si32(halves) + _mm_extract_epi16(halves, 4));
    };
    while (size - i >= 16)
    {
        const std::size_t blocks = std::min<std::size_t>((size - i) / 16, 255);
        __m128i lanes = _mm_setzero_si128();
        for (std::size_t b = 0; b < blocks; ++b, i += 16)
            lanes = _mm_sub_epi8(lanes, controlOrDeleteBytes(_mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i))));
        count += sum(lanes);
    }
    if (i < size && size >= 16)
    {
        // The tail: the last 16 bytes, with the lanes already counted masked off.
        alignas(16) static constexpr unsigned char window[32] = {
            0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
        const __m128i last = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + size - 16));
        const __m128i fresh = _mm_loadu_si128(reinterpret_cast<const __m128i*>(window + (size - i)));
        return count + sum(_mm_sub_epi8(_mm_setzero_si128(), _mm_and_si128(controlOrDeleteBytes(last), fresh)));
    }
#endif
    for (; i < size; ++i)
    {
        const auto byte = static_cast<unsigned char>(text[i]);
        count += byte < 0x20 || byte == 0x7f;
    }
    return count;
}

/// How many dropped fields DroppedFields::description names; the rest are only counted.
constexpr std::size_t describedLimit = 8;

void noteDropped(DroppedFields& dropped, const std::string& what)
{
    if (dropped.count++ >= describedLimit)
        return;
    if (!dropped.description.empty())
        dropped.description += ", ";
    dropped.description += what;
}

/// Why `value` cannot be sent ("byte 0x0A in its value"); it has a bad byte.
std::string badValueReason(std::string_view value)
{
    return "byte " + detail::hexByte(value[badValueByte(value)]) + " in its value";
}

/// The slow path, for an answer with unsendable headers: names each in `dropped`.
void noteUnsendable(DroppedFields& dropped, const HeaderList& headers)
{
    for (const auto& [name, value] : headers)
    {
        // Framing headers are the core's and left out in any case (see the header).
        if (isFramingHeader(name) || sendable(name, value))
            continue;
        noteDropped(dropped, "header " + detail::quoted(name) + " (" +
                                 (isToken(name) ? badValueReason(value) : std::string("its name is not a token")) +
                                 ")");
    }
}

/// Poco's reason phrase for `status` (100..599). Poco's enum ends at 511, which makes 512..599
/// values the enum cannot hold (casting them is undefined): those get Poco's "unknown" phrase,
/// as any status Poco does not name does.
const std::string& reasonFor(int status)
{
    using Poco::Net::HTTPResponse;
    if (status > HTTPResponse::HTTP_NETWORK_AUTHENTICATION_REQUIRED)
        return HTTPResponse::HTTP_REASON_UNKNOWN;
    return HTTPResponse::getReasonForStatus(static_cast<HTTPResponse::HTTPStatus>(status));
}

constexpr std::string_view keepAliveLine = "\r\nConnection: Keep-Alive\r\n";
constexpr std::string_view closeLine = "\r\nConnection: Close\r\n";
constexpr std::string_view noCacheLine = "Cache-Control: no-cache\r\n";
constexpr std::string_view noBufferingLine = "X-Accel-Buffering: no\r\n";
constexpr std::string_view chunkedLine = "Transfer-Encoding: chunked\r\n";

/// How writeHead judges the header values.
enum class ValueCheck
{
    /// Each value on its own while measuring (the precise path: names what it leaves out).
    EachValue,
    /// The written lines all at once after copying (controlBytes): a head with a HTAB or a
    /// bad byte in some value is not finished, and goes down the precise path.
    LinesAfterCopy
};

/// appendResponseHead's work, reporting into `dropped` (empty when called). False only for
/// ValueCheck::LinesAfterCopy when a value needs the precise path: `out` then holds a partial
/// head after what it had, and `dropped` may hold part of a report.
bool writeHead(std::string& out, const Response& response, const ResponseHeadSpec& spec, ValueCheck check,
               DroppedFields& dropped)
{
    int statusCode = response.status;
    // Only final answers are written here (100 Continue is the connection's own): a 1xx from a
    // handler would tell a proxy in front that the protocol switched (101) or that more is to
    // come.
    if (statusCode < 200 || statusCode > 599)
    {
        noteDropped(dropped, "status " + std::to_string(statusCode) + " (not a final status, 200..599; sent as 500)");
        statusCode = 500;
    }
    const std::string& reason = reasonFor(statusCode);
    char statusDigits[24];
    const std::size_t statusLength = static_cast<std::size_t>(
        std::to_chars(statusDigits, statusDigits + sizeof statusDigits, statusCode).ptr - statusDigits);
    char lengthDigits[24];
    const std::size_t lengthLength = static_cast<std::size_t>(
        std::to_chars(lengthDigits, lengthDigits + sizeof lengthDigits, spec.contentLength).ptr - lengthDigits);
    const std::string_view connection = spec.keepAlive ? keepAliveLine : closeLine;

    // What the status allows: a 1xx or 204 has no content, so neither a length nor a type; a
    // 304 no framing header. HTTP/1.0 has no chunked coding.
    const bool bodyAllowed = statusAllowsBody(statusCode);
    const bool noContent = statusCode < 200 || statusCode == 204;
    const bool writeLength = bodyAllowed && spec.framing == AnswerFraming::ContentLength;
    const bool writeChunked = bodyAllowed && spec.framing == AnswerFraming::Chunked && spec.version != "HTTP/1.0";
    std::string_view contentType = noContent ? std::string_view() : std::string_view(response.contentType);
    if (!contentType.empty() && badValueByte(contentType) != std::string_view::npos)
    {
        noteDropped(dropped, "Content-Type (" + badValueReason(contentType) + "; sent as application/octet-stream)");
        contentType = "application/octet-stream";
    }

    // Measure, and check each header once: the copy below trusts this pass unless it found one
    // that cannot be sent (then it checks again; that is rare and may be slow).
    std::size_t size = spec.version.size() + 1 + statusLength + 1 + reason.size() + 8 /* "\r\nDate: " */ +
                       spec.date.size() + connection.size();
    if (!contentType.empty())
        size += 14 /* "Content-Type: " */ + contentType.size() + 2;
    std::size_t unsendable = 0;
    std::size_t framing = 0;
    bool hasCacheControl = false;
    bool hasBuffering = false;
    const bool eachValue = check == ValueCheck::EachValue;
    const auto passes = [eachValue](std::string_view name, std::string_view value) {
        return eachValue ? sendable(name, value) : isToken(name);
    };
    for (const auto& [name, value] : response.headers)
    {
        if (isFramingHeader(name))
        {
            ++framing;
            continue;
        }
        if (!passes(name, value))
        {
            ++unsendable;
            continue;
        }
        size += name.size() + 2 + value.size() + 2;
        if (spec.stream)
        {
            hasCacheControl = hasCacheControl || equalsIgnoringCase(name, "Cache-Control");
            hasBuffering = hasBuffering || equalsIgnoringCase(name, "X-Accel-Buffering");
        }
    }
    // A stream's defaults fill in for headers the exchange did not set, or set unsendable.
    const bool noCache = spec.stream && !hasCacheControl;
    const bool noBuffering = spec.stream && !hasBuffering;
    size += (noCache ? noCacheLine.size() : 0) + (noBuffering ? noBufferingLine.size() : 0);
    if (writeLength)
        size += 16 /* "Content-Length: " */ + lengthLength + 2;
    else if (writeChunked)
        size += chunkedLine.size();
    size += 2;

    // Copy.
    const std::size_t start = out.size();
    if (out.capacity() < start + size + spec.bytesAfter)
        out.reserve(start + size + spec.bytesAfter);
    out.resize(start + size);
    HeadWriter writer(out.data() + start);
    writer.put(spec.version);
    writer.put(" ");
    writer.put({statusDigits, statusLength});
    writer.put(" ");
    writer.put(reason);
    writer.put("\r\nDate: ");
    writer.put(spec.date);
    writer.put(connection);
    if (!contentType.empty())
        writer.header("Content-Type", contentType);
    // What the measuring pass found decides what this one has to look at again: usually
    // nothing (no framing header, none unsendable), and every header is copied as it is.
    const char* const linesStart = writer.position();
    std::size_t lines = 0;
    for (const auto& [name, value] : response.headers)
        if ((framing == 0 || !isFramingHeader(name)) && (unsendable == 0 || passes(name, value)))
        {
            writer.header(name, value);
            ++lines;
        }
    // Names are tokens (no control byte) and ": " has none: each line's CR LF is all there is,
    // unless a value has a HTAB or a byte it may not have.
    if (!eachValue && lines > 0 &&
        controlBytes(std::string_view(linesStart, static_cast<std::size_t>(writer.position() - linesStart))) != 2 * lines)
        return false;
    if (noCache)
        writer.put(noCacheLine);
    if (noBuffering)
        writer.put(noBufferingLine);
    if (writeLength)
    {
        writer.put("Content-Length: ");
        writer.put({lengthDigits, lengthLength});
        writer.put("\r\n");
    }
    else if (writeChunked)
        writer.put(chunkedLine);
    writer.put("\r\n");
    poco_assert(writer.position() == out.data() + out.size());

    if (unsendable > 0)
        noteUnsendable(dropped, response.headers);
    if (dropped.count > describedLimit)
        dropped.description += " and " + std::to_string(dropped.count - describedLimit) + " more";
    return true;
}

} // namespace

DroppedFields appendResponseHead(std::string& out, const Response& response, const ResponseHeadSpec& spec)
{
    // Values rarely have a control byte (a HTAB at most): the head is written trusting them and
    // its header lines checked in one pass, 16 bytes at a time, instead of value by value. The
    // few that need it are written again, each value checked (and what is left out, named).
    const std::size_t start = out.size();
    DroppedFields dropped;
    if (!writeHead(out, response, spec, ValueCheck::LinesAfterCopy, dropped))
    {
        out.resize(start);
        dropped = DroppedFields();
        writeHead(out, response, spec, ValueCheck::EachValue, dropped);
    }
    return dropped;
}

void appendChunkSize(std::string& out, std::size_t size)
{
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, size, 16).ptr;
    out.append(digits, static_cast<std::size_t>(end - digits));
    out += "\r\n";
}

} // namespace portico
