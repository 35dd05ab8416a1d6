// The request and answer head parsers (MessageHead.h). Both run one state machine over the
// bytes, one byte at a time, resuming where the previous call stopped: every decision depends
// only on the bytes before it, so a head split anywhere gives the result it gives whole, and a
// limit is refused at the byte that passes it. The request line and the status line have steps
// of their own; the field lines and CR/LF are shared, and so are the framing rules applied to
// the complete head (HeadFraming.cpp). ChunkedDecoder is in ChunkedDecoder.cpp.

#include "http/MessageHead.h"
#include "http/HeadFraming.h"
#include <algorithm>

namespace portico {
namespace {

using Step = detail::HeadScan::Step;
using detail::hexByte;
using detail::isTokenChar;
using detail::quoted;

/// Whitespace around a field value is OWS, unbounded by the grammar: a field line may be this
/// much longer than the name and value limits together, then it is refused.
constexpr std::size_t linePadding = 256;
/// Bytes of empty lines skipped before a request line (RFC 9112 §2.2 asks for at least one).
constexpr std::size_t maxLeadingEmpty = 256;

bool isOws(char c)
{
    return c == ' ' || c == '\t';
}

/// CTL (RFC 5234): 0x00-0x1f and DEL. Bytes 0x80-0xff (obs-text) are not.
bool isCtl(char c)
{
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
}

/// "HTTP/" DIGIT "." DIGIT, byte `index` of it.
bool versionByteFits(std::size_t index, char c)
{
    if (index < 5)
        return c == "HTTP/"[index];
    if (index == 6)
        return c == '.';
    return index < 8 && c >= '0' && c <= '9';
}

/// The 8 bytes of a version that fits the grammar: 1.1 or 1.0 (`http10`), or another (false).
bool supportedVersion(std::string_view version, bool& http10)
{
    http10 = version == "HTTP/1.0";
    return http10 || version == "HTTP/1.1";
}

/// The parser's working set for one call: its scan state, the input, where errors go and
/// whose head it is (a client's request: 400/431; an upstream's answer: 502).
class HeadReader
{
public:
    HeadReader(detail::HeadScan& state, std::string_view bytes, const HeadLimits& headLimits, HeadError& error,
               HeaderList& headers, bool upstream)
        : scan(state), input(bytes), limits(headLimits), error_(error), headers_(headers), upstream_(upstream)
    {
    }

    /// One byte of a field line (FieldStart, Name, Value). False: refused, error() set.
    bool fieldByte(std::size_t i);
    /// A CR or LF at `i` ends the current line, which leads to step `next` (true).
    bool endLine(std::size_t i, Step next);
    /// The byte after a CR: it must be LF.
    bool afterCr(std::size_t i);

    /// A syntax error, `problem` a phrase that follows "has".
    bool malformed(const std::string& problem)
    {
        if (upstream_)
            return fail(502, "upstream_error", "the upstream's answer has " + problem);
        return fail(400, "malformed_request", "The request head has " + problem + ".");
    }
    /// A limit passed: 431 with `sentence` for a request, 502 with `problem` for an answer.
    bool tooLarge(const std::string& sentence, const std::string& problem)
    {
        if (upstream_)
            return fail(502, "upstream_error", "the upstream's answer has " + problem);
        return fail(431, "request_header_fields_too_large", sentence);
    }
    /// A byte past HeadLimits::maxHead.
    bool headTooLarge()
    {
        const std::string limit = std::to_string(limits.maxHead);
        return tooLarge("The request head is longer than " + limit + " bytes (request line and header fields).",
                        "a head longer than " + limit + " bytes");
    }
    bool fail(int status, const char* code, std::string message)
    {
        error_ = {status, std::move(message), code};
        scan.step = Step::Failed;
        return false;
    }

    detail::HeadScan& scan;
    const std::string_view input;
    const HeadLimits& limits;

private:
    std::string_view name() const { return input.substr(scan.start, scan.nameEnd - scan.start); }
    bool nameByte(std::size_t i);
    bool valueByte(std::size_t i);
    bool bareCr();

    HeadError& error_;
    HeaderList& headers_;
    const bool upstream_;
};

bool HeadReader::endLine(std::size_t i, Step next)
{
    if (input[i] == '\r')
    {
        // The line is complete; whether the CR is part of a CRLF is for the next byte to say.
        scan.crFrom = scan.step;
        scan.afterCr = next;
        scan.step = Step::Cr;
        return true;
    }
    scan.step = next;
    if (next == Step::Done)
        scan.end = i + 1;
    return true;
}

bool HeadReader::afterCr(std::size_t i)
{
    if (input[i] != '\n')
        return bareCr();
    scan.step = scan.afterCr;
    if (scan.step == Step::Done)
        scan.end = i + 1;
    return true;
}

bool HeadReader::bareCr()
{
    switch (scan.crFrom)
    {
    case Step::Value:
        return malformed("a CR inside the value of header " + quoted(name()));
    case Step::FieldStart:
        return malformed("a CR not followed by LF at the end of the head");
    case Step::Empty:
        return malformed("a CR not followed by LF before the request line");
    default:
        return malformed(std::string("a CR not followed by LF at the end of the ") +
                         (upstream_ ? "status line" : "request line"));
    }
}

bool HeadReader::fieldByte(std::size_t i)
{
    const char c = input[i];
    if (scan.step == Step::Name)
        return nameByte(i);
    if (scan.step == Step::Value)
        return valueByte(i);
    // FieldStart: an empty line ends the head; otherwise a field name begins.
    if (c == '\r' || c == '\n')
        return endLine(i, Step::Done);
    if (isOws(c))
        return malformed("a header line that starts with whitespace (an obsolete line folding)");
    if (!isTokenChar(c))
        return malformed(c == ':' ? std::string("a header line with an empty name")
                                  : "a header line starting with byte " + hexByte(c) + ", not a name");
    if (++scan.fields > limits.maxFields)
        return tooLarge("The request has more than " + std::to_string(limits.maxFields) + " header fields.",
                        "more than " + std::to_string(limits.maxFields) + " header fields");
    scan.start = i;
    scan.step = Step::Name;
    return true;
}

bool HeadReader::nameByte(std::size_t i)
{
    const char c = input[i];
    scan.nameEnd = i;
    if (isTokenChar(c))
    {
        if (i + 1 - scan.start <= limits.maxNameLength)
            return true;
        const std::string limit = std::to_string(limits.maxNameLength);
        return tooLarge("A header field name is longer than " + limit + " bytes (" + quoted(name()) + ").",
                        "a header name longer than " + limit + " bytes (" + quoted(name()) + ")");
    }
    if (c == ':')
    {
        scan.hasValue = false;
        scan.step = Step::Value;
        return true;
    }
    // RFC 9112 §5.1: whitespace before the colon must be refused (it is a smuggling device).
    if (isOws(c))
        return malformed("whitespace between header name " + quoted(name()) + " and its colon");
    if (c == '\r' || c == '\n')
        return malformed("a header line without a colon (" + quoted(name()) + ")");
    return malformed("byte " + hexByte(c) + " inside header name " + quoted(name()));
}

bool HeadReader::valueByte(std::size_t i)
{
    const char c = input[i];
    if (c == '\r' || c == '\n')
    {
        const std::string_view value =
            scan.hasValue ? input.substr(scan.valueStart, scan.valueEnd - scan.valueStart) : std::string_view();
        headers_.add(name(), value);
        return endLine(i, Step::FieldStart);
    }
    if (isCtl(c) && c != '\t')
        return malformed("a control character (" + hexByte(c) + ") inside the value of header " + quoted(name()));
    if (!isOws(c))
    {
        if (!scan.hasValue)
            scan.valueStart = i;
        scan.hasValue = true;
        scan.valueEnd = i + 1;
        if (scan.valueEnd - scan.valueStart > limits.maxValueLength)
        {
            const std::string limit = std::to_string(limits.maxValueLength);
            return tooLarge("Header field " + quoted(name()) + " is longer than " + limit + " bytes.",
                            "header " + quoted(name()) + " longer than " + limit + " bytes");
        }
    }
    // Only OWS can make the line longer than this (name and value are within their limits).
    const std::size_t maxLine = limits.maxNameLength + 1 + limits.maxValueLength + linePadding;
    if (i + 1 - scan.start <= maxLine)
        return true;
    return tooLarge("Header field " + quoted(name()) + " has a line longer than " + std::to_string(maxLine) +
                        " bytes (whitespace around its value).",
                    "a header line longer than " + std::to_string(maxLine) + " bytes (" + quoted(name()) + ")");
}

// ---- The request line --------------------------------------------------------------------

bool badRequestLine(HeadReader& reader, const std::string& why)
{
    return reader.fail(400, "malformed_request", "The request line " + why + ".");
}

bool requestLineEnd(HeadReader& reader, RequestHead& line, std::size_t i)
{
    const detail::HeadScan& scan = reader.scan;
    const std::string_view version = reader.input.substr(scan.start, i - scan.start);
    if (version.size() != 8)
        return badRequestLine(reader, "does not end in an HTTP version (HTTP/1.1 or HTTP/1.0)");
    if (!supportedVersion(version, line.http10))
        return reader.fail(505, "http_version_not_supported",
                           "HTTP version " + quoted(version) + " is not supported (HTTP/1.1 and HTTP/1.0 are).");
    return reader.endLine(i, Step::FieldStart);
}

/// One byte before or in the request line: method SP target SP version.
bool requestLineByte(HeadReader& reader, RequestHead& line, bool& started, std::size_t i)
{
    detail::HeadScan& scan = reader.scan;
    const HeadLimits& limits = reader.limits;
    const char c = reader.input[i];
    const std::size_t length = i + 1 - scan.start; // of the token so far, with this byte
    switch (scan.step)
    {
    case Step::Empty:
        if (c == '\r' || c == '\n')
        {
            if (i >= maxLeadingEmpty)
                return badRequestLine(reader, "comes after more than " + std::to_string(maxLeadingEmpty) +
                                                  " bytes of empty lines");
            return reader.endLine(i, Step::Empty);
        }
        started = true;
        scan.start = i;
        scan.headStart = i;
        scan.step = Step::Method;
        return requestLineByte(reader, line, started, i);
    case Step::Method:
        if (isTokenChar(c))
            return length <= limits.maxMethod ||
                   badRequestLine(reader, "is too long: the method is longer than " + std::to_string(limits.maxMethod) +
                                              " bytes");
        if (c != ' ' || length == 1)
            return badRequestLine(reader, "does not start with a method (a token) and a space");
        line.method.assign(reader.input.substr(scan.start, i - scan.start));
        scan.start = i + 1;
        scan.step = Step::Target;
        return true;
    case Step::Target:
        if (c != ' ' && !isCtl(c))
            return length <= limits.maxTarget ||
                   badRequestLine(reader, "is too long: the target is longer than " + std::to_string(limits.maxTarget) +
                                              " bytes");
        if (c == '\r' || c == '\n')
            return badRequestLine(reader, "has no HTTP version");
        if (c != ' ')
            return badRequestLine(reader, "has a control character or whitespace (" + hexByte(c) + ") in its target");
        if (length == 1)
            return badRequestLine(reader, "has an empty target");
        line.target.assign(reader.input.substr(scan.start, i - scan.start));
        scan.start = i + 1;
        scan.step = Step::Version;
        return true;
    default: // Step::Version
        if (c == '\r' || c == '\n')
            return requestLineEnd(reader, line, i);
        return versionByteFits(length - 1, c) ||
               badRequestLine(reader, "does not end in an HTTP version (HTTP/1.1 or HTTP/1.0)");
    }
}

// ---- The status line ---------------------------------------------------------------------

/// One byte of the status line: version SP 3DIGIT [SP reason].
bool statusLineByte(HeadReader& reader, ResponseHead& line, std::size_t i)
{
    detail::HeadScan& scan = reader.scan;
    const char c = reader.input[i];
    const std::size_t index = i - scan.start; // within the token
    switch (scan.step)
    {
    case Step::AnswerVersion:
        if (index < 8)
            return versionByteFits(index, c) || reader.malformed("a status line that does not start with HTTP/1.x");
        if (c != ' ')
            return reader.malformed("a status line without a space after the version");
        if (!supportedVersion(reader.input.substr(scan.start, 8), line.http10))
            return reader.malformed("HTTP version " + quoted(reader.input.substr(scan.start, 8)) +
                                    " (only HTTP/1.1 and HTTP/1.0 are understood)");
        scan.start = i + 1;
        scan.step = Step::Status;
        return true;
    case Step::Status:
        if (index < 3)
        {
            if (c < '0' || c > '9')
                return reader.malformed("a status code that is not 3 digits");
            line.status = line.status * 10 + (c - '0');
            return true;
        }
        if (line.status < 100 || line.status > 599)
            return reader.malformed("status code " + std::to_string(line.status) + ", outside 100..599");
        if (c == '\r' || c == '\n') // no reason, and no space before it: accepted
            return reader.endLine(i, Step::FieldStart);
        if (c != ' ')
            return reader.malformed("a status code that is not 3 digits");
        scan.start = i + 1;
        scan.step = Step::Reason;
        return true;
    default: // Step::Reason: HTAB, SP, VCHAR, obs-text
        if (c == '\r' || c == '\n')
        {
            line.reason.assign(reader.input.substr(scan.start, i - scan.start));
            return reader.endLine(i, Step::FieldStart);
        }
        if (isCtl(c) && c != '\t')
            return reader.malformed("a control character (" + hexByte(c) + ") in the reason phrase");
        return index < reader.limits.maxValueLength ||
               reader.malformed("a reason phrase longer than " + std::to_string(reader.limits.maxValueLength) +
                                " bytes");
    }
}

/// In a field name: skips the token bytes from `i` (within the name's limit and before
/// `budgetEnd`, the head's).
void skipNameBytes(HeadReader& reader, std::size_t& i, std::size_t budgetEnd)
{
    const std::string_view input = reader.input;
    const std::size_t end = std::min({input.size(), reader.scan.start + reader.limits.maxNameLength, budgetEnd});
    while (i < end && isTokenChar(input[i]))
        ++i;
    if (i > reader.scan.start)
        reader.scan.nameEnd = i - 1;
}

/// In a field value: skips the bytes from `i` that need no decision (not CR, LF or another
/// control character but HTAB), keeping the value's bounds without its OWS, within the limits
/// (and before `budgetEnd`, the head's).
void skipValueBytes(HeadReader& reader, std::size_t& i, std::size_t budgetEnd)
{
    detail::HeadScan& scan = reader.scan;
    const std::string_view input = reader.input;
    const std::size_t maxLine = reader.limits.maxNameLength + 1 + reader.limits.maxValueLength + linePadding;
    const std::size_t end = std::min({input.size(), scan.start + maxLine, budgetEnd});
    while (i < end)
    {
        const char c = input[i];
        if (c == '\r' || c == '\n' || (isCtl(c) && c != '\t'))
            return;
        if (!isOws(c))
        {
            if (!scan.hasValue)
            {
                scan.valueStart = i;
                scan.hasValue = true;
            }
            if (i + 1 - scan.valueStart > reader.limits.maxValueLength)
                return; // valueByte reports it
            scan.valueEnd = i + 1;
        }
        ++i;
    }
}

/// Runs the state machine over the bytes of `input` not yet scanned, up to the end of the head;
/// `startLineByte` takes the steps before the field lines. False: refused.
template <typename StartLineByte>
bool run(HeadReader& reader, std::size_t& scanned, StartLineByte startLineByte)
{
    detail::HeadScan& scan = reader.scan;
    for (; scanned < reader.input.size() && scan.step != Step::Done; ++scanned)
    {
        // The head's total budget ends before this byte. The empty lines before a request line
        // do not count (they have a bound of their own): the budget starts with the line.
        const bool beforeHead = scan.step == Step::Empty || (scan.step == Step::Cr && scan.crFrom == Step::Empty);
        const std::size_t budgetEnd = beforeHead ? reader.input.size() : scan.headStart + reader.limits.maxHead;
        // Most bytes of a head are the plain bytes of names and values: those are taken in a
        // run here, and the state machine below sees the byte that ends the run (a colon, a
        // line end, anything to refuse, or the byte at a limit, which it reports).
        if (scan.step == Step::Name)
            skipNameBytes(reader, scanned, budgetEnd);
        else if (scan.step == Step::Value)
            skipValueBytes(reader, scanned, budgetEnd);
        if (scanned == reader.input.size())
            break;
        // Checked before anything else the byte could mean, so that the same byte is refused
        // for the same reason however the head was cut.
        if (scanned >= budgetEnd)
            return reader.headTooLarge();
        bool ok = true;
        if (scan.step == Step::Cr)
            ok = reader.afterCr(scanned);
        else if (scan.step < Step::FieldStart)
            ok = startLineByte(scanned);
        else
            ok = reader.fieldByte(scanned);
        if (!ok)
            return false;
    }
    return true;
}

template <typename Head>
void clearHead(Head& head)
{
    HeaderList headers;
    headers.swap(head.headers);
    headers.clear(); // keeps its capacity for the next head
    head = Head();
    head.headers.swap(headers);
}

} // namespace

RequestHeadParser::Result RequestHeadParser::parse(std::string_view input, RequestHead& head, std::size_t& consumed)
{
    if (scan_.step == Step::Failed)
        return Result::Invalid;
    if (scan_.step == Step::Done)
    {
        consumed = scan_.end;
        return Result::Complete;
    }
    HeadReader reader(scan_, input, limits_, error_, partial_.headers, false);
    if (!run(reader, scanned_, [&](std::size_t i) { return requestLineByte(reader, partial_, started_, i); }))
        return Result::Invalid;
    if (scan_.step != Step::Done)
        return Result::Incomplete;
    if (!detail::requestFraming(partial_, error_))
    {
        scan_.step = Step::Failed;
        return Result::Invalid;
    }
    std::swap(head, partial_);
    consumed = scan_.end;
    return Result::Complete;
}

void RequestHeadParser::reset()
{
    error_ = HeadError();
    scanned_ = 0;
    started_ = false;
    scan_ = detail::HeadScan();
    clearHead(partial_);
}

void RequestHeadParser::reuseHeaders(HeaderList& spare)
{
    if (started_ || spare.slots() <= partial_.headers.slots())
        return;
    spare.clear();
    partial_.headers.clear();
    partial_.headers.swap(spare);
}

ResponseHeadParser::Result ResponseHeadParser::parse(std::string_view input, bool requestWasHead, ResponseHead& head,
                                                     std::size_t& consumed)
{
    if (scan_.step == Step::Failed)
        return Result::Invalid;
    if (scan_.step == Step::Done)
    {
        consumed = scan_.end;
        return Result::Complete;
    }
    HeadReader reader(scan_, input, limits_, error_, partial_.headers, true);
    if (!run(reader, scanned_, [&](std::size_t i) { return statusLineByte(reader, partial_, i); }))
        return Result::Invalid;
    if (scan_.step != Step::Done)
        return Result::Incomplete;
    if (!detail::answerFraming(partial_, requestWasHead, error_))
    {
        scan_.step = Step::Failed;
        return Result::Invalid;
    }
    std::swap(head, partial_);
    consumed = scan_.end;
    return Result::Complete;
}

void ResponseHeadParser::reset()
{
    error_ = HeadError();
    scanned_ = 0;
    scan_ = detail::HeadScan{Step::AnswerVersion};
    clearHead(partial_);
}

} // namespace portico
