// Fuzzes the HTTP/1.1 head parsers and the chunked decoder (core/src/http/MessageHead.h) with
// arbitrary bytes as a client's request head, an upstream's answer head and a chunked body; and
// the answer head writer (core/src/http/ResponseHead.h) with the same bytes cut into a
// Content-Type and header names and values.
//
// The first three input bytes steer, the rest is the message: bytes 0-1 pick the offset where
// the head is split in two calls (and the writer's status), byte 2 seeds the piece sizes
// (1..64) of a third feeding and of the decoder's slices, its low bit says whether the answer
// is to a HEAD request, and its other bits pick the writer's framing, version, keep-alive and
// stream flag.
//
// Contract: where the bytes are cut does not matter: whole, split in two and fed in pieces,
// each parser gives the same result, consumed count, head fields and error (with the default
// limits, and with a head budget small enough for the fuzzer to pass); the decoder gives the
// same result, data, end offset and error. And what they accept is what MessageHead.h
// promises: a Complete head ends with LF within the input and within the head budget, its
// method and names are tokens within the limits, values have no control byte but HTAB and no
// OWS at either end, the framing follows from exactly one Content-Length (all digits) or one
// Transfer-Encoding "chunked", never both; an answer without length or chunking is not kept
// alive; an HTTP/1.1 request has exactly one Host, an HTTP/1.0 one at most one and never
// expects 100-continue. A refusal has a documented status and code and a message of printable
// ASCII (it becomes the client's JSON error). The writer's head, whatever the fields, parses
// back whole with the answer parser into exactly the fields that were sendable (the rest are
// counted as dropped, described in printable ASCII) and the framing the status allows.

#include "FuzzCheck.h"
#include "http/MessageHead.h"
#include "http/ResponseHead.h"
#include <cstdint>
#include <random>
#include <string>
#include <vector>

using portico::fuzz::check;
using namespace portico;

namespace {

const HeadLimits limits;

/// The default limits but a head budget the fuzzer's inputs (at most 16 KiB) can pass.
HeadLimits smallBudget()
{
    HeadLimits small;
    small.maxHead = 200;
    return small;
}
const HeadLimits smallLimits = smallBudget();

/// Offsets at which a message of `size` bytes is cut into pieces of 1..64 bytes.
std::vector<std::size_t> pieces(std::size_t size, unsigned seed)
{
    std::vector<std::size_t> cuts;
    std::minstd_rand random(seed + 1);
    for (std::size_t at = 1 + random() % 64; at < size; at += 1 + random() % 64)
        cuts.push_back(at);
    return cuts;
}

template <typename Result, typename Head>
struct Parsed
{
    Result result{};
    Head head;
    std::size_t consumed = 0;
    HeadError error;
};

using ParsedRequest = Parsed<RequestHeadParser::Result, RequestHead>;
using ParsedAnswer = Parsed<ResponseHeadParser::Result, ResponseHead>;

/// Feeds `message` growing to each cut (each call gets the whole prefix), then whole.
ParsedRequest parseRequest(std::string_view message, const std::vector<std::size_t>& cuts,
                           const HeadLimits& with = limits)
{
    ParsedRequest out;
    RequestHeadParser parser(with);
    out.result = RequestHeadParser::Result::Incomplete;
    for (std::size_t cut : cuts)
        if ((out.result = parser.parse(message.substr(0, cut), out.head, out.consumed)) !=
            RequestHeadParser::Result::Incomplete)
            break;
    if (out.result == RequestHeadParser::Result::Incomplete)
        out.result = parser.parse(message, out.head, out.consumed);
    out.error = parser.error();
    return out;
}

ParsedAnswer parseAnswer(std::string_view message, const std::vector<std::size_t>& cuts, bool requestWasHead,
                         const HeadLimits& with = limits)
{
    ParsedAnswer out;
    ResponseHeadParser parser(with);
    out.result = ResponseHeadParser::Result::Incomplete;
    for (std::size_t cut : cuts)
        if ((out.result = parser.parse(message.substr(0, cut), requestWasHead, out.head, out.consumed)) !=
            ResponseHeadParser::Result::Incomplete)
            break;
    if (out.result == ResponseHeadParser::Result::Incomplete)
        out.result = parser.parse(message, requestWasHead, out.head, out.consumed);
    out.error = parser.error();
    return out;
}

bool sameError(const HeadError& a, const HeadError& b)
{
    return a.status == b.status && a.code == b.code && a.message == b.message;
}

bool same(const ParsedRequest& a, const ParsedRequest& b)
{
    if (a.result != b.result)
        return false;
    if (a.result == RequestHeadParser::Result::Invalid)
        return sameError(a.error, b.error);
    if (a.result == RequestHeadParser::Result::Incomplete)
        return true;
    const RequestHead &x = a.head, &y = b.head;
    return a.consumed == b.consumed && x.method == y.method && x.target == y.target && x.http10 == y.http10 &&
           x.headers == y.headers && x.framing == y.framing && x.contentLength == y.contentLength &&
           x.keepAlive == y.keepAlive && x.expectContinue == y.expectContinue;
}

bool same(const ParsedAnswer& a, const ParsedAnswer& b)
{
    if (a.result != b.result)
        return false;
    if (a.result == ResponseHeadParser::Result::Invalid)
        return sameError(a.error, b.error);
    if (a.result == ResponseHeadParser::Result::Incomplete)
        return true;
    const ResponseHead &x = a.head, &y = b.head;
    return a.consumed == b.consumed && x.status == y.status && x.reason == y.reason && x.http10 == y.http10 &&
           x.headers == y.headers && x.framing == y.framing && x.contentLength == y.contentLength &&
           x.keepAlive == y.keepAlive;
}

bool isToken(std::string_view text)
{
    for (const char c : text)
        if (!detail::isTokenChar(c))
            return false;
    return !text.empty();
}

bool isOws(char c)
{
    return c == ' ' || c == '\t';
}

/// No control byte but HTAB (obs-text is allowed).
bool hasNoControl(std::string_view text)
{
    for (const char c : text)
    {
        const auto byte = static_cast<unsigned char>(c);
        if ((byte < 0x20 && c != '\t') || byte == 0x7f)
            return false;
    }
    return true;
}

/// Field-content with the OWS around it removed.
bool isFieldValue(std::string_view value)
{
    return hasNoControl(value) && (value.empty() || (!isOws(value.front()) && !isOws(value.back())));
}

/// The value of a string of digits, or false when it is not one or does not fit in 64 bits.
bool decimal(std::string_view digits, std::uint64_t& value)
{
    value = 0;
    for (const char c : digits)
    {
        if (c < '0' || c > '9' || value > (UINT64_MAX - static_cast<std::uint64_t>(c - '0')) / 10)
            return false;
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return !digits.empty();
}

bool isPrintable(std::string_view message)
{
    for (const char c : message)
        if (c < 0x20 || c > 0x7e)
            return false;
    return !message.empty() && message.size() < 400;
}

/// The fields' own word on framing: how many Content-Length and Transfer-Encoding fields.
struct FramingCount
{
    int lengths = 0, codings = 0;
    std::string length, coding;
};

FramingCount countFraming(const HeaderList& headers)
{
    FramingCount count;
    for (const auto& [name, value] : headers)
    {
        check(isToken(name) && name.size() <= limits.maxNameLength, "a field name is a token within the limit");
        check(isFieldValue(value) && value.size() <= limits.maxValueLength, "a value is trimmed field-content");
        if (HeaderList::sameName(name, "Content-Length"))
        {
            ++count.lengths;
            count.length = value;
        }
        if (HeaderList::sameName(name, "Transfer-Encoding"))
        {
            ++count.codings;
            count.coding = value;
        }
    }
    check(headers.size() <= limits.maxFields, "no more fields than the limit");
    check(count.lengths == 0 || count.codings == 0, "never both Content-Length and Transfer-Encoding");
    check(count.lengths <= 1, "at most one Content-Length");
    std::uint64_t value = 0;
    check(count.lengths == 0 || decimal(count.length, value), "a Content-Length is digits that fit");
    return count;
}

/// The body framing agrees with the fields (for an answer with a body).
void checkFraming(BodyFraming framing, std::uint64_t contentLength, const FramingCount& count)
{
    if (framing == BodyFraming::Chunked)
        check(count.codings == 1 && equalsIgnoringCase(count.coding, "chunked"), "Chunked: one TE, chunked");
    std::uint64_t value = 0;
    if (framing == BodyFraming::Length)
        check(count.lengths == 1 && decimal(count.length, value) && value == contentLength,
              "Length: the one Content-Length's value");
    if (framing == BodyFraming::None || framing == BodyFraming::UntilClose)
        check(count.lengths == 0 && count.codings == 0, "no framing field without Length or Chunked");
}

/// Bytes of empty lines before the request line (not the head's for its budget).
std::size_t leadingEmptyLines(std::string_view message)
{
    std::size_t i = 0;
    while (i < message.size() && (message[i] == '\r' || message[i] == '\n'))
        ++i;
    return i;
}

void checkRequest(std::string_view message, const ParsedRequest& parsed, const HeadLimits& with = limits)
{
    if (parsed.result == RequestHeadParser::Result::Invalid)
    {
        const int status = parsed.error.status;
        check(status == 400 || status == 431 || status == 501 || status == 505, "a request is refused 400/431/501/505");
        check(isPrintable(parsed.error.message), "the error message is printable ASCII");
        return;
    }
    if (parsed.result != RequestHeadParser::Result::Complete)
        return;
    const RequestHead& head = parsed.head;
    check(parsed.consumed > 0 && parsed.consumed <= message.size() && message[parsed.consumed - 1] == '\n',
          "a head ends with LF within the input");
    check(isToken(head.method) && head.method.size() <= limits.maxMethod, "the method is a token within the limit");
    check(!head.target.empty() && head.target.size() <= limits.maxTarget, "the target is within the limit");
    for (const char c : head.target)
        check(static_cast<unsigned char>(c) > 0x20 && c != 0x7f, "the target has no whitespace or control byte");
    check(parsed.consumed - leadingEmptyLines(message) <= with.maxHead, "the head is within its budget");
    const FramingCount count = countFraming(head.headers);
    checkFraming(head.framing, head.contentLength, count);
    check(!(head.http10 && count.codings > 0), "no Transfer-Encoding in HTTP/1.0");
    std::size_t hosts = 0;
    for (const auto& header : head.headers)
        hosts += HeaderList::sameName(header.first, "Host") ? 1 : 0;
    check(hosts == 1 || (head.http10 && hosts == 0), "HTTP/1.1: one Host; HTTP/1.0: at most one");
    check(!(head.http10 && head.expectContinue), "no 100-continue for HTTP/1.0");
}

void checkAnswer(std::string_view message, const ParsedAnswer& parsed, const HeadLimits& with = limits)
{
    if (parsed.result == ResponseHeadParser::Result::Invalid)
    {
        check(parsed.error.status == 502 && parsed.error.code == "upstream_error", "an answer is refused as 502");
        check(isPrintable(parsed.error.message), "the error message is printable ASCII");
        return;
    }
    if (parsed.result != ResponseHeadParser::Result::Complete)
        return;
    const ResponseHead& head = parsed.head;
    check(parsed.consumed > 0 && parsed.consumed <= message.size() && message[parsed.consumed - 1] == '\n',
          "a head ends with LF within the input");
    check(parsed.consumed <= with.maxHead, "the head is within its budget");
    check(head.status >= 100 && head.status <= 599, "a status in 100..599");
    check(hasNoControl(head.reason), "the reason has no control byte but HTAB");
    const FramingCount count = countFraming(head.headers);
    if (head.framing != BodyFraming::None)
        checkFraming(head.framing, head.contentLength, count);
    check(head.framing != BodyFraming::UntilClose || !head.keepAlive, "a body to the close is not kept alive");
}

// ---- The answer head writer -------------------------------------------------------------

std::string_view trimmed(std::string_view value)
{
    while (!value.empty() && isOws(value.front()))
        value.remove_prefix(1);
    while (!value.empty() && isOws(value.back()))
        value.remove_suffix(1);
    return value;
}

bool isCoreFraming(std::string_view name)
{
    return HeaderList::sameName(name, "Connection") || HeaderList::sameName(name, "Content-Length") ||
           HeaderList::sameName(name, "Transfer-Encoding");
}

/// Writes a head for a response made of `message` (cut at 0xFF bytes into a Content-Type, then
/// names and values) and checks it against what ResponseHead.h promises, by reading it back.
void checkWriter(std::string_view message, int status, unsigned flags)
{
    Response response;
    response.status = status;
    std::vector<std::string_view> parts;
    for (std::size_t from = 0;;)
    {
        const std::size_t cut = message.find('\xff', from);
        parts.push_back(message.substr(from, cut == std::string_view::npos ? std::string_view::npos : cut - from));
        if (cut == std::string_view::npos)
            break;
        from = cut + 1;
    }
    response.contentType = std::string(parts[0]);
    for (std::size_t i = 1; i + 1 < parts.size(); i += 2)
        response.headers.add(std::string(parts[i]), std::string(parts[i + 1]));

    static const std::string http11 = "HTTP/1.1", http10 = "HTTP/1.0", date = "Sun, 06 Nov 1994 08:49:37 GMT";
    const AnswerFraming framings[] = {AnswerFraming::ContentLength, AnswerFraming::Chunked,
                                      AnswerFraming::UntilClose, AnswerFraming::ContentLength};
    const AnswerFraming framing = framings[(flags >> 1) & 3];
    const bool old = (flags & 8) != 0;
    ResponseHeadSpec spec{old ? http10 : http11, (flags & 16) != 0, framing, message.size(), date};
    spec.stream = (flags & 32) != 0;
    std::string out;
    const DroppedFields dropped = appendResponseHead(out, response, spec);

    // What should be on the wire, worked out here from ResponseHead.h's rules.
    const bool validStatus = status >= 200 && status <= 599; // final answers only
    const int sent = validStatus ? status : 500;
    const bool noContent = sent == 204;
    const bool bodyAllowed = !noContent && sent != 304;
    std::size_t expectDropped = validStatus ? 0 : 1;
    HeaderList expected{{"Date", date}, {"Connection", spec.keepAlive ? "Keep-Alive" : "Close"}};
    if (!noContent && !response.contentType.empty())
    {
        const bool ok = hasNoControl(response.contentType);
        expectDropped += ok ? 0 : 1;
        expected.add("Content-Type", ok ? std::string(trimmed(response.contentType)) : "application/octet-stream");
    }
    bool cacheControl = false, buffering = false;
    for (const auto& [name, value] : response.headers)
    {
        if (isCoreFraming(name))
            continue;
        if (!isToken(name) || !hasNoControl(value))
        {
            ++expectDropped;
            continue;
        }
        expected.add(name, std::string(trimmed(value)));
        cacheControl = cacheControl || HeaderList::sameName(name, "Cache-Control");
        buffering = buffering || HeaderList::sameName(name, "X-Accel-Buffering");
    }
    if (spec.stream && !cacheControl)
        expected.add("Cache-Control", "no-cache");
    if (spec.stream && !buffering)
        expected.add("X-Accel-Buffering", "no");
    BodyFraming expectFraming = BodyFraming::None;
    if (bodyAllowed && framing == AnswerFraming::ContentLength)
    {
        expected.add("Content-Length", std::to_string(message.size()));
        expectFraming = BodyFraming::Length;
    }
    else if (bodyAllowed && framing == AnswerFraming::Chunked && !old)
    {
        expected.add("Transfer-Encoding", "chunked");
        expectFraming = BodyFraming::Chunked;
    }
    else if (bodyAllowed)
        expectFraming = BodyFraming::UntilClose;

    check(dropped.count == expectDropped, "the writer counts exactly the fields it could not send");
    check(dropped.count == 0 ? dropped.description.empty() : !dropped.description.empty(),
          "dropped fields, and only they, are described");
    for (const char c : dropped.description)
        check(c >= 0x20 && c <= 0x7e, "the dropped fields are described in printable ASCII");

    // Read back by the strict parser, with limits out of the way: one head, nothing more.
    HeadLimits roomy;
    roomy.maxNameLength = roomy.maxValueLength = roomy.maxHead = 1 << 22;
    roomy.maxFields = 1 << 16;
    ResponseHeadParser parser(roomy);
    ResponseHead head;
    std::size_t consumed = 0;
    check(parser.parse(out, false, head, consumed) == ResponseHeadParser::Result::Complete,
          "the written head parses back");
    check(consumed == out.size(), "the written head is one head, nothing after it");
    check(head.status == sent && head.http10 == old, "the status line is the one asked for (500 if invalid)");
    check(head.headers == expected, "the written fields are exactly the sendable ones, in order");
    check(head.framing == expectFraming, "the framing is the one the status and version allow");
    check(expectFraming != BodyFraming::Length || head.contentLength == message.size(), "the length is the spec's");
}

struct Decoded
{
    ChunkedDecoder::Result result = ChunkedDecoder::Result::NeedMore;
    std::string data;
    std::size_t end = 0; ///< offset in the body: consumed (Done), the bad byte (Invalid)
    std::string error;
};

Decoded decode(std::string_view body, const std::vector<std::size_t>& cuts)
{
    Decoded out;
    ChunkedDecoder decoder;
    std::size_t from = 0;
    std::vector<std::size_t> ends = cuts;
    ends.push_back(body.size());
    for (std::size_t to : ends)
    {
        std::size_t consumed = 0;
        out.result = decoder.decode(body.substr(from, to - from), consumed, out.data);
        out.end = from + consumed;
        if (out.result != ChunkedDecoder::Result::NeedMore)
            break;
        check(consumed == to - from, "NeedMore consumes the whole slice");
        from = to;
    }
    out.error = decoder.error();
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 3)
        return 0;
    const std::string_view message(reinterpret_cast<const char*>(data) + 3, size - 3);
    const std::size_t split = (std::size_t(data[0]) << 8 | data[1]) % (message.size() + 1);
    const std::vector<std::size_t> inPieces = pieces(message.size(), data[2]);
    const bool requestWasHead = (data[2] & 1) != 0;

    const ParsedRequest request = parseRequest(message, {});
    check(same(request, parseRequest(message, {split})), "a request split in two parses as whole");
    check(same(request, parseRequest(message, inPieces)), "a request fed in pieces parses as whole");
    checkRequest(message, request);

    const ParsedRequest small = parseRequest(message, {}, smallLimits);
    check(same(small, parseRequest(message, {split}, smallLimits)), "a request split in two parses as whole (budget)");
    check(same(small, parseRequest(message, inPieces, smallLimits)), "a request in pieces parses as whole (budget)");
    checkRequest(message, small, smallLimits);

    const ParsedAnswer answer = parseAnswer(message, {}, requestWasHead);
    check(same(answer, parseAnswer(message, {split}, requestWasHead)), "an answer split in two parses as whole");
    check(same(answer, parseAnswer(message, inPieces, requestWasHead)), "an answer fed in pieces parses as whole");
    checkAnswer(message, answer);

    const ParsedAnswer smallAnswer = parseAnswer(message, {}, requestWasHead, smallLimits);
    check(same(smallAnswer, parseAnswer(message, inPieces, requestWasHead, smallLimits)),
          "an answer fed in pieces parses as whole (budget)");
    checkAnswer(message, smallAnswer, smallLimits);

    checkWriter(message, static_cast<int>((std::size_t(data[0]) << 8 | data[1]) % 700) - 50, data[2]);

    const Decoded whole = decode(message, {});
    const Decoded sliced = decode(message, inPieces);
    check(whole.result == sliced.result && whole.data == sliced.data && whole.end == sliced.end &&
              whole.error == sliced.error,
          "a chunked body decodes the same in slices as whole");
    check(whole.data.size() <= message.size() && whole.end <= message.size(), "no more data than bytes");
    check(whole.result != ChunkedDecoder::Result::Invalid || isPrintable(whole.error), "a printable decoder error");
    return 0;
}
