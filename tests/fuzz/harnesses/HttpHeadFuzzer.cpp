// Fuzzes the HTTP/1.1 head parsers and the chunked decoder (core/src/http/MessageHead.h) with
// arbitrary bytes as a client's request head, an upstream's answer head and a chunked body.
//
// The first three input bytes steer, the rest is the message: bytes 0-1 pick the offset where
// the head is split in two calls, byte 2 seeds the piece sizes (1..64) of a third feeding and of
// the decoder's slices, and its low bit says whether the answer is to a HEAD request.
//
// Contract: where the bytes are cut does not matter: whole, split in two and fed in pieces,
// each parser gives the same result, consumed count, head fields and error; the decoder gives
// the same result, data, end offset and error. And what they accept is what MessageHead.h
// promises: a Complete head ends with LF within the input, its method and names are tokens
// within the limits, values have no control byte but HTAB and no OWS at either end, the
// framing follows from exactly one Content-Length (all digits) or one Transfer-Encoding
// "chunked", never both; an answer without length or chunking is not kept alive. A refusal
// has a documented status and code and a message of printable ASCII (it becomes the client's
// JSON error).

#include "FuzzCheck.h"
#include "http/MessageHead.h"
#include <cstdint>
#include <random>
#include <string>
#include <vector>

using portico::fuzz::check;
using namespace portico;

namespace {

const HeadLimits limits;

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
ParsedRequest parseRequest(std::string_view message, const std::vector<std::size_t>& cuts)
{
    ParsedRequest out;
    RequestHeadParser parser(limits);
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

ParsedAnswer parseAnswer(std::string_view message, const std::vector<std::size_t>& cuts, bool requestWasHead)
{
    ParsedAnswer out;
    ResponseHeadParser parser(limits);
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

void checkRequest(std::string_view message, const ParsedRequest& parsed)
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
    const FramingCount count = countFraming(head.headers);
    checkFraming(head.framing, head.contentLength, count);
    check(!(head.http10 && count.codings > 0), "no Transfer-Encoding in HTTP/1.0");
}

void checkAnswer(std::string_view message, const ParsedAnswer& parsed)
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
    check(head.status >= 100 && head.status <= 599, "a status in 100..599");
    check(hasNoControl(head.reason), "the reason has no control byte but HTAB");
    const FramingCount count = countFraming(head.headers);
    if (head.framing != BodyFraming::None)
        checkFraming(head.framing, head.contentLength, count);
    check(head.framing != BodyFraming::UntilClose || !head.keepAlive, "a body to the close is not kept alive");
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

    const ParsedAnswer answer = parseAnswer(message, {}, requestWasHead);
    check(same(answer, parseAnswer(message, {split}, requestWasHead)), "an answer split in two parses as whole");
    check(same(answer, parseAnswer(message, inPieces, requestWasHead)), "an answer fed in pieces parses as whole");
    checkAnswer(message, answer);

    const Decoded whole = decode(message, {});
    const Decoded sliced = decode(message, inPieces);
    check(whole.result == sliced.result && whole.data == sliced.data && whole.end == sliced.end &&
              whole.error == sliced.error,
          "a chunked body decodes the same in slices as whole");
    check(whole.data.size() <= message.size() && whole.end <= message.size(), "no more data than bytes");
    check(whole.result != ChunkedDecoder::Result::Invalid || isPrintable(whole.error), "a printable decoder error");
    return 0;
}
