// MessageHead: the strict, resumable HTTP/1.1 head parsers (client requests, upstream answers)
// and the chunked decoder. Every head here is parsed whole, a byte per call and (when short)
// split at every offset, and the three must agree (result, consumed, error, head fields): the
// server feeds the parser what recv() returned, so where the bytes are cut must not matter.
// Covered: the request and status lines, the field syntax (bare CR, NUL, obs-fold, whitespace
// before the colon), each limit refused before the head ends, the framing rules that stop
// request smuggling (RFC 9112 §6), keep-alive and Expect, and chunked bodies cut anywhere.

#include "http/MessageHead.h"
#include <cppunit/extensions/HelperMacros.h>
#include <ostream>
#include <string>
#include <vector>

using portico::BodyFraming;
using portico::ChunkedDecoder;
using portico::HeaderList;
using portico::HeadError;
using portico::HeadLimits;
using portico::RequestHead;
using portico::RequestHeadParser;
using portico::ResponseHead;
using portico::ResponseHeadParser;

namespace portico {

// CPPUNIT_ASSERT_EQUAL prints the values it compares.
inline std::ostream& operator<<(std::ostream& out, RequestHeadParser::Result r)
{
    const char* names[] = {"Incomplete", "Complete", "Invalid"};
    return out << names[static_cast<int>(r)];
}
inline std::ostream& operator<<(std::ostream& out, ResponseHeadParser::Result r)
{
    const char* names[] = {"Incomplete", "Complete", "Invalid"};
    return out << names[static_cast<int>(r)];
}
inline std::ostream& operator<<(std::ostream& out, ChunkedDecoder::Result r)
{
    const char* names[] = {"NeedMore", "Done", "Invalid"};
    return out << names[static_cast<int>(r)];
}
inline std::ostream& operator<<(std::ostream& out, BodyFraming f)
{
    const char* names[] = {"None", "Length", "Chunked", "UntilClose"};
    return out << names[static_cast<int>(f)];
}

} // namespace portico

namespace {

using Request = RequestHeadParser::Result;
using Answer = ResponseHeadParser::Result;
using Chunks = ChunkedDecoder::Result;

const std::string get = "GET /v1/models HTTP/1.1\r\nHost: gateway\r\n";

/// One parse of a request head, however it was fed.
struct ParsedRequest
{
    Request result = Request::Incomplete;
    RequestHead head;
    std::size_t consumed = 0;
    HeadError error;
    bool started = false;
};

struct ParsedAnswer
{
    Answer result = Answer::Incomplete;
    ResponseHead head;
    std::size_t consumed = 0;
    HeadError error;
};

/// Feeds `input` growing by the given cut points (each call gets the whole prefix so far).
ParsedRequest feedRequest(const std::string& input, const std::vector<std::size_t>& cuts, const HeadLimits& limits)
{
    ParsedRequest out;
    RequestHeadParser parser(limits);
    for (std::size_t cut : cuts)
    {
        out.result = parser.parse(std::string_view(input).substr(0, cut), out.head, out.consumed);
        if (out.result != Request::Incomplete)
            break;
    }
    if (out.result == Request::Incomplete)
        out.result = parser.parse(input, out.head, out.consumed);
    out.error = parser.error();
    out.started = parser.started();
    return out;
}

ParsedAnswer feedAnswer(const std::string& input, const std::vector<std::size_t>& cuts, bool requestWasHead,
                        const HeadLimits& limits)
{
    ParsedAnswer out;
    ResponseHeadParser parser(limits);
    for (std::size_t cut : cuts)
    {
        out.result = parser.parse(std::string_view(input).substr(0, cut), requestWasHead, out.head, out.consumed);
        if (out.result != Answer::Incomplete)
            break;
    }
    if (out.result == Answer::Incomplete)
        out.result = parser.parse(input, requestWasHead, out.head, out.consumed);
    out.error = parser.error();
    return out;
}

std::vector<std::size_t> everyByte(std::size_t size)
{
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < size; ++i)
        cuts.push_back(i);
    return cuts;
}

void assertSameError(const HeadError& a, const HeadError& b, const std::string& how)
{
    CPPUNIT_ASSERT_EQUAL_MESSAGE(how, a.status, b.status);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(how, a.code, b.code);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(how, a.message, b.message);
}

void assertSame(const ParsedRequest& a, const ParsedRequest& b, const std::string& how)
{
    CPPUNIT_ASSERT_EQUAL_MESSAGE(how, a.result, b.result);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(how, a.started, b.started);
    if (a.result == Request::Invalid)
        return assertSameError(a.error, b.error, how);
    if (a.result != Request::Complete)
        return;
    CPPUNIT_ASSERT_EQUAL_MESSAGE(how, a.consumed, b.consumed);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(how, a.head.method, b.head.method);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(how, a.head.target, b.head.target);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(how, a.head.http10, b.head.http10);
    CPPUNIT_ASSERT_MESSAGE(how, a.head.headers == b.head.headers);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(how, a.head.framing, b.head.framing);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(how, a.head.contentLength, b.head.contentLength);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(how, a.head.keepAlive, b.head.keepAlive);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(how, a.head.expectContinue, b.head.expectContinue);
}

void assertSame(const ParsedAnswer& a, const ParsedAnswer& b, const std::string& how)
{
    CPPUNIT_ASSERT_EQUAL_MESSAGE(how, a.result, b.result);
    if (a.result == Answer::Invalid)
        return assertSameError(a.error, b.error, how);
    if (a.result != Answer::Complete)
        return;
    CPPUNIT_ASSERT_EQUAL_MESSAGE(how, a.consumed, b.consumed);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(how, a.head.status, b.head.status);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(how, a.head.reason, b.head.reason);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(how, a.head.http10, b.head.http10);
    CPPUNIT_ASSERT_MESSAGE(how, a.head.headers == b.head.headers);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(how, a.head.framing, b.head.framing);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(how, a.head.contentLength, b.head.contentLength);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(how, a.head.keepAlive, b.head.keepAlive);
}

/// An error message is shown to the client in JSON: printable ASCII only, and short.
void assertPrintable(const std::string& message)
{
    CPPUNIT_ASSERT_MESSAGE("empty error message", !message.empty());
    CPPUNIT_ASSERT_MESSAGE("long error message: " + message, message.size() < 300);
    for (const char c : message)
        CPPUNIT_ASSERT_MESSAGE("a raw byte in: " + message, c >= 0x20 && c < 0x7f);
}

/// `input` parsed whole, a byte per call and (short inputs) split at every offset, all alike.
ParsedRequest parseRequest(const std::string& input, const HeadLimits& limits = {})
{
    const ParsedRequest whole = feedRequest(input, {}, limits);
    assertSame(whole, feedRequest(input, everyByte(input.size()), limits), "a byte per call");
    if (input.size() <= 600)
        for (std::size_t cut = 0; cut <= input.size(); ++cut)
            assertSame(whole, feedRequest(input, {cut}, limits), "split at " + std::to_string(cut));
    if (whole.result == Request::Invalid)
        assertPrintable(whole.error.message);
    return whole;
}

ParsedAnswer parseAnswer(const std::string& input, bool requestWasHead = false, const HeadLimits& limits = {})
{
    const ParsedAnswer whole = feedAnswer(input, {}, requestWasHead, limits);
    assertSame(whole, feedAnswer(input, everyByte(input.size()), requestWasHead, limits), "a byte per call");
    if (input.size() <= 600)
        for (std::size_t cut = 0; cut <= input.size(); ++cut)
            assertSame(whole, feedAnswer(input, {cut}, requestWasHead, limits), "split at " + std::to_string(cut));
    if (whole.result == Answer::Invalid)
        assertPrintable(whole.error.message);
    return whole;
}

#define ASSERT_CONTAINS(haystack, needle)                                                                              \
    CPPUNIT_ASSERT_MESSAGE(std::string("expected \"") + (needle) + "\" in \"" + (haystack) + "\"",                     \
                           std::string(haystack).find(needle) != std::string::npos)

/// A request refused with `status`, `code`, and a message containing `part`.
void assertRefused(const std::string& input, int status, const std::string& code, const std::string& part,
                   const HeadLimits& limits = {})
{
    const ParsedRequest parsed = parseRequest(input, limits);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(input.substr(0, 200), Request::Invalid, parsed.result);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(parsed.error.message, status, parsed.error.status);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(parsed.error.message, code, parsed.error.code);
    ASSERT_CONTAINS(parsed.error.message, part);
}

void assertBadRequest(const std::string& input, const std::string& part)
{
    assertRefused(input, 400, "malformed_request", part);
}

void assertTooLarge(const std::string& input, const std::string& part, const HeadLimits& limits = {})
{
    assertRefused(input, 431, "request_header_fields_too_large", part, limits);
}

void assertBadAnswer(const std::string& input, const std::string& part, bool requestWasHead = false)
{
    const ParsedAnswer parsed = parseAnswer(input, requestWasHead);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(input.substr(0, 200), Answer::Invalid, parsed.result);
    CPPUNIT_ASSERT_EQUAL(502, parsed.error.status);
    CPPUNIT_ASSERT_EQUAL(std::string("upstream_error"), parsed.error.code);
    ASSERT_CONTAINS(parsed.error.message, "the upstream's answer has ");
    ASSERT_CONTAINS(parsed.error.message, part);
}

RequestHead completeRequest(const std::string& input)
{
    const ParsedRequest parsed = parseRequest(input);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(parsed.error.message, Request::Complete, parsed.result);
    CPPUNIT_ASSERT_EQUAL(input.size(), parsed.consumed);
    return parsed.head;
}

ResponseHead completeAnswer(const std::string& input, bool requestWasHead = false)
{
    const ParsedAnswer parsed = parseAnswer(input, requestWasHead);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(parsed.error.message, Answer::Complete, parsed.result);
    CPPUNIT_ASSERT_EQUAL(input.size(), parsed.consumed);
    return parsed.head;
}

/// One decoding of a chunked body fed in slices ending at `cuts` (ascending), then the rest.
struct Decoded
{
    Chunks result = Chunks::NeedMore;
    std::string data;
    std::size_t end = 0; ///< offset in the whole input: consumed (Done) or the bad byte (Invalid)
    std::string error;
};

Decoded decode(const std::string& input, const std::vector<std::size_t>& cuts = {})
{
    Decoded out;
    ChunkedDecoder decoder;
    std::size_t from = 0;
    std::vector<std::size_t> ends = cuts;
    ends.push_back(input.size());
    for (std::size_t to : ends)
    {
        std::size_t consumed = 0;
        out.result = decoder.decode(std::string_view(input).substr(from, to - from), consumed, out.data);
        out.end = from + consumed;
        if (out.result != Chunks::NeedMore)
            break;
        CPPUNIT_ASSERT_EQUAL_MESSAGE("NeedMore consumes everything", to - from, consumed);
        from = to;
    }
    out.error = decoder.error();
    return out;
}

void assertSameDecoding(const Decoded& a, const Decoded& b, const std::string& how)
{
    CPPUNIT_ASSERT_EQUAL_MESSAGE(how, a.result, b.result);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(how, a.data, b.data);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(how, a.end, b.end);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(how, a.error, b.error);
}

/// `input` decoded whole, a byte per call, cut once at every offset and (short inputs) cut
/// twice at every pair of offsets, all alike.
Decoded decodeEveryWay(const std::string& input)
{
    const Decoded whole = decode(input);
    assertSameDecoding(whole, decode(input, everyByte(input.size())), "a byte per call");
    for (std::size_t i = 0; i <= input.size(); ++i)
    {
        assertSameDecoding(whole, decode(input, {i}), "cut at " + std::to_string(i));
        if (input.size() <= 120)
            for (std::size_t j = i; j <= input.size(); ++j)
                assertSameDecoding(whole, decode(input, {i, j}),
                                   "cut at " + std::to_string(i) + " and " + std::to_string(j));
    }
    return whole;
}

void assertBadChunks(const std::string& input, const std::string& part, std::size_t badByte)
{
    const Decoded decoded = decodeEveryWay(input);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(input.substr(0, 100), Chunks::Invalid, decoded.result);
    ASSERT_CONTAINS(decoded.error, part);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(decoded.error, badByte, decoded.end);
}

} // namespace

class MessageHeadTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(MessageHeadTest);
    CPPUNIT_TEST(testRequestHeadFields);
    CPPUNIT_TEST(testBareLfEndsLines);
    CPPUNIT_TEST(testIncompleteUntilTheEmptyLine);
    CPPUNIT_TEST(testPipelinedRequestIsNotConsumed);
    CPPUNIT_TEST(testEmptyLinesBeforeTheRequestLine);
    CPPUNIT_TEST(testMalformedRequestLine);
    CPPUNIT_TEST(testRequestLineTooLongIsRefusedEarly);
    CPPUNIT_TEST(testOtherHttpVersionsAre505);
    CPPUNIT_TEST(testControlBytesInValues);
    CPPUNIT_TEST(testBareCr);
    CPPUNIT_TEST(testObsFoldIsRefused);
    CPPUNIT_TEST(testWhitespaceBeforeColonIsRefused);
    CPPUNIT_TEST(testFieldNameMustBeAToken);
    CPPUNIT_TEST(testValueLimitIs431BeforeTheHeadEnds);
    CPPUNIT_TEST(testNameLimitIs431BeforeTheHeadEnds);
    CPPUNIT_TEST(testFieldCountIs431BeforeTheHeadEnds);
    CPPUNIT_TEST(testWhitespacePaddingIsBounded);
    CPPUNIT_TEST(testHeadBudgetIs431BeforeTheHeadEnds);
    CPPUNIT_TEST(testHeadBudgetStartsAtTheRequestLine);
    CPPUNIT_TEST(testCustomHeadBudget);
    CPPUNIT_TEST(testCustomLimits);
    CPPUNIT_TEST(testMessagesQuoteNamesSafely);
    CPPUNIT_TEST(testByteAtATimeIsLinear);
    CPPUNIT_TEST(testContentLength);
    CPPUNIT_TEST(testContentLengthMalformed);
    CPPUNIT_TEST(testDuplicateContentLengthIsRefused);
    CPPUNIT_TEST(testContentLengthWithTransferEncodingIsRefused);
    CPPUNIT_TEST(testTransferEncodingChunked);
    CPPUNIT_TEST(testOtherTransferEncodingsAre501);
    CPPUNIT_TEST(testTransferEncodingInHttp10IsRefused);
    CPPUNIT_TEST(testKeepAlive);
    CPPUNIT_TEST(testExpectContinue);
    CPPUNIT_TEST(testHostIsRequiredInHttp11);
    CPPUNIT_TEST(testMoreThanOneHostIsRefused);
    CPPUNIT_TEST(testHostValue);
    CPPUNIT_TEST(testResultsStickUntilReset);
    CPPUNIT_TEST(testAnswerHead);
    CPPUNIT_TEST(testAnswerStatusLine);
    CPPUNIT_TEST(testMalformedStatusLine);
    CPPUNIT_TEST(testAnswersWithoutBody);
    CPPUNIT_TEST(testInterimAnswerThenFinal);
    CPPUNIT_TEST(testAnswerFraming);
    CPPUNIT_TEST(testAnswerFramingConflicts);
    CPPUNIT_TEST(testAnswerFieldErrors);
    CPPUNIT_TEST(testAnswerKeepAlive);
    CPPUNIT_TEST(testAnswerHeadBudget);
    CPPUNIT_TEST(testChunkedBody);
    CPPUNIT_TEST(testChunkedBareLfAndHexCase);
    CPPUNIT_TEST(testChunkExtensions);
    CPPUNIT_TEST(testChunkTrailers);
    CPPUNIT_TEST(testBadLineEndAfterChunkData);
    CPPUNIT_TEST(testChunkSizeLimits);
    CPPUNIT_TEST(testMalformedChunkSize);
    CPPUNIT_TEST(testDecoderStateAcrossCalls);
    CPPUNIT_TEST_SUITE_END();

public:
    // ---- Requests ------------------------------------------------------------------------

    void testRequestHeadFields()
    {
        const RequestHead head = completeRequest("POST /v1/chat/completions?x=1 HTTP/1.1\r\n"
                                                 "Host: gateway\r\n"
                                                 "content-TYPE:application/json \t\r\n"
                                                 "X-Empty:\r\n"
                                                 "X-Spaces:   \r\n"
                                                 "X-Inner: a \t b\r\n"
                                                 "X-Utf8: caf\xC3\xA9\r\n"
                                                 "X-Dup: 1\r\n"
                                                 "x-dup: 2\r\n"
                                                 "\r\n");
        CPPUNIT_ASSERT_EQUAL(std::string("POST"), head.method);
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/chat/completions?x=1"), head.target);
        CPPUNIT_ASSERT(!head.http10);
        CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1"), std::string(head.version()));
        // Names as sent, values without the OWS around them, duplicates kept in order.
        const HeaderList expected{{"Host", "gateway"},   {"content-TYPE", "application/json"},
                                  {"X-Empty", ""},       {"X-Spaces", ""},
                                  {"X-Inner", "a \t b"}, {"X-Utf8", "caf\xC3\xA9"},
                                  {"X-Dup", "1"},        {"x-dup", "2"}};
        CPPUNIT_ASSERT(expected == head.headers);
        CPPUNIT_ASSERT_EQUAL(BodyFraming::None, head.framing);
        CPPUNIT_ASSERT(head.keepAlive);
        CPPUNIT_ASSERT(!head.expectContinue);

        // Any token is a method; the target is opaque here (no field lines at all is fine).
        const RequestHead options = completeRequest("M-SEARCH * HTTP/1.0\r\n\r\n");
        CPPUNIT_ASSERT_EQUAL(std::string("M-SEARCH"), options.method);
        CPPUNIT_ASSERT_EQUAL(std::string("*"), options.target);
        CPPUNIT_ASSERT(options.http10);
        CPPUNIT_ASSERT(options.headers.empty());
    }

    void testBareLfEndsLines()
    {
        const RequestHead head = completeRequest("GET / HTTP/1.1\nHost: a\r\nX-B: b \n\n");
        CPPUNIT_ASSERT(HeaderList({{"Host", "a"}, {"X-B", "b"}}) == head.headers);
    }

    void testIncompleteUntilTheEmptyLine()
    {
        for (const std::string& prefix :
             {std::string(), std::string("GET"), std::string("GET / HTTP/1.1"), std::string("GET / HTTP/1.1\r"), get,
              get + "X-A: b", get + "X-A: b\r\n", get + "\r"})
        {
            const ParsedRequest parsed = parseRequest(prefix);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(prefix, Request::Incomplete, parsed.result);
        }
    }

    void testPipelinedRequestIsNotConsumed()
    {
        const std::string first = "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n";
        const std::string second = "GET /b HTTP/1.1\r\nHost: x\r\n\r\n";
        const std::string stream = first + "hello" + second;
        const ParsedRequest parsed = parseRequest(stream);
        CPPUNIT_ASSERT_EQUAL(Request::Complete, parsed.result);
        CPPUNIT_ASSERT_EQUAL(first.size(), parsed.consumed);
        CPPUNIT_ASSERT_EQUAL(BodyFraming::Length, parsed.head.framing);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(5), parsed.head.contentLength);

        // The same parser, reset, reads the next request from where the body ends.
        RequestHeadParser parser;
        RequestHead head;
        std::size_t consumed = 0;
        CPPUNIT_ASSERT_EQUAL(Request::Complete, parser.parse(stream, head, consumed));
        parser.reset();
        CPPUNIT_ASSERT(!parser.started());
        const std::string_view rest = std::string_view(stream).substr(consumed + 5);
        CPPUNIT_ASSERT_EQUAL(Request::Complete, parser.parse(rest, head, consumed));
        CPPUNIT_ASSERT_EQUAL(second.size(), consumed);
        CPPUNIT_ASSERT_EQUAL(std::string("/b"), head.target);
        CPPUNIT_ASSERT_EQUAL(BodyFraming::None, head.framing);
        CPPUNIT_ASSERT(HeaderList({{"Host", "x"}}) == head.headers);
    }

    void testEmptyLinesBeforeTheRequestLine()
    {
        const std::string input = "\r\n\n\r\n" + get + "\r\n";
        const ParsedRequest parsed = parseRequest(input);
        CPPUNIT_ASSERT_EQUAL(Request::Complete, parsed.result);
        CPPUNIT_ASSERT_EQUAL(input.size(), parsed.consumed); // the empty lines are the head's
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/models"), parsed.head.target);

        // Only empty lines: an idle connection, not a request begun.
        const ParsedRequest idle = parseRequest("\r\n\r\n\n");
        CPPUNIT_ASSERT_EQUAL(Request::Incomplete, idle.result);
        CPPUNIT_ASSERT(!idle.started);
        CPPUNIT_ASSERT(parseRequest("\r\nG").started);

        // 256 bytes of them are skipped, not more (a client could send CRLF forever).
        std::string many;
        for (int i = 0; i < 128; ++i)
            many += "\r\n";
        CPPUNIT_ASSERT_EQUAL(Request::Complete, parseRequest(many + get + "\r\n").result);
        assertBadRequest(many + "\n", "more than 256 bytes of empty lines");
        assertBadRequest("\r\r\n" + get + "\r\n", "a CR not followed by LF before the request line");
    }

    void testMalformedRequestLine()
    {
        assertBadRequest(" GET / HTTP/1.1\r\n\r\n", "does not start with a method");
        assertBadRequest("G(T / HTTP/1.1\r\n\r\n", "does not start with a method");
        assertBadRequest("GET\t/ HTTP/1.1\r\n\r\n", "does not start with a method");
        assertBadRequest("GET\r\n\r\n", "does not start with a method");
        assertBadRequest("GET  / HTTP/1.1\r\n\r\n", "has an empty target");
        assertBadRequest("GET /\r\n\r\n", "has no HTTP version");
        assertBadRequest("GET /a\tb HTTP/1.1\r\n\r\n", "has a control character or whitespace (0x09) in its target");
        assertBadRequest(std::string("GET /a\0b HTTP/1.1\r\n\r\n", 21), "(0x00) in its target");
        assertBadRequest("GET /a\x7f HTTP/1.1\r\n\r\n", "(0x7F) in its target");
        assertBadRequest("GET / HTTP/1.1 \r\n\r\n", "does not end in an HTTP version");
        assertBadRequest("GET / HTTP/1.1x\r\n\r\n", "does not end in an HTTP version");
        assertBadRequest("GET / http/1.1\r\n\r\n", "does not end in an HTTP version");
        assertBadRequest("GET / HTTP/1.\r\n\r\n", "does not end in an HTTP version");
        assertBadRequest("GET / HTTP/11.0\r\n\r\n", "does not end in an HTTP version");
        assertBadRequest("GET /a b HTTP/1.1\r\n\r\n", "does not end in an HTTP version");
        assertBadRequest("GET / HTTP/1.1\rX-A: b\r\n\r\n", "a CR not followed by LF at the end of the request line");
        // Refused at the byte that shows it, before the line ends.
        assertBadRequest("GET / HTTP/1.1 ", "does not end in an HTTP version");
        assertBadRequest("GET / HTTQ", "does not end in an HTTP version");
    }

    void testRequestLineTooLongIsRefusedEarly()
    {
        const std::string method32(32, 'M');
        CPPUNIT_ASSERT_EQUAL(Request::Complete, parseRequest(method32 + " / HTTP/1.1\r\nHost: a\r\n\r\n").result);
        // 33 bytes of method and nothing else yet: refused (400, not 414 or 431).
        assertBadRequest(method32 + "M", "The request line is too long: the method is longer than 32 bytes");

        const std::string target = "/" + std::string(16383, 't');
        CPPUNIT_ASSERT_EQUAL(Request::Complete, parseRequest("GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n").result);
        assertBadRequest("GET " + target + "t", "The request line is too long: the target is longer than 16384 bytes");
    }

    void testOtherHttpVersionsAre505()
    {
        for (const char* version : {"HTTP/2.0", "HTTP/1.2", "HTTP/0.9", "HTTP/3.0"})
            assertRefused(std::string("GET / ") + version + "\r\n\r\n", 505, "http_version_not_supported",
                          std::string("HTTP version '") + version + "' is not supported");
        CPPUNIT_ASSERT(completeRequest("GET / HTTP/1.0\r\n\r\n").http10);
    }

    void testControlBytesInValues()
    {
        assertBadRequest(get + std::string("X-A: a\0b\r\n\r\n", 12),
                         "a control character (0x00) inside the value of header 'X-A'");
        assertBadRequest(get + "X-A: \x01\r\n\r\n", "(0x01) inside the value of header 'X-A'");
        assertBadRequest(get + "X-A: a\x7f\r\n\r\n", "(0x7F) inside the value of header 'X-A'");
        assertBadRequest(get + "X-A: a\x1b[31m\r\n\r\n", "(0x1B)");
        // HTAB and obs-text are field-content.
        CPPUNIT_ASSERT(HeaderList({{"Host", "gateway"}, {"X-A", "a\tb\x80\xff"}}) ==
                       completeRequest(get + "X-A: a\tb\x80\xff\r\n\r\n").headers);
    }

    void testBareCr()
    {
        assertBadRequest(get + "X-A: a\rb\r\n\r\n", "a CR inside the value of header 'X-A'");
        assertBadRequest(get + "X-A: a\r\r\n\r\n", "a CR inside the value of header 'X-A'");
        assertBadRequest(get + "X-A: a\r \r\n\r\n", "a CR inside the value of header 'X-A'");
        assertBadRequest(get + "\rX", "a CR not followed by LF at the end of the head");
        assertBadRequest(get + "X-A\r: b\r\n\r\n", "a header line without a colon ('X-A')");
    }

    void testObsFoldIsRefused()
    {
        assertBadRequest(get + "X-A: a\r\n b\r\n\r\n", "a header line that starts with whitespace");
        assertBadRequest(get + "X-A: a\r\n\tb\r\n\r\n", "obsolete line folding");
        // Whitespace before the first field line (RFC 9112 §2.2) too.
        assertBadRequest("GET / HTTP/1.1\r\n Host: a\r\n\r\n", "a header line that starts with whitespace");
    }

    void testWhitespaceBeforeColonIsRefused()
    {
        assertBadRequest(get + "Content-Length : 5\r\n\r\n",
                         "whitespace between header name 'Content-Length' and its colon");
        assertBadRequest(get + "Transfer-Encoding\t: chunked\r\n\r\n",
                         "whitespace between header name 'Transfer-Encoding'");
    }

    void testFieldNameMustBeAToken()
    {
        assertBadRequest(get + ": b\r\n\r\n", "a header line with an empty name");
        assertBadRequest(get + "X(A: b\r\n\r\n", "byte 0x28 inside header name 'X'");
        assertBadRequest(get + "X\xC3\xA9: b\r\n\r\n", "byte 0xC3 inside header name 'X'");
        assertBadRequest(get + "\x01X: b\r\n\r\n", "a header line starting with byte 0x01");
        assertBadRequest(get + "NoColon\r\n\r\n", "a header line without a colon ('NoColon')");
        assertBadRequest(get + "NoColon\n\n", "a header line without a colon ('NoColon')");
    }

    void testValueLimitIs431BeforeTheHeadEnds()
    {
        CPPUNIT_ASSERT_EQUAL(Request::Complete,
                             parseRequest(get + "X-Big: " + std::string(8192, 'v') + "\r\n\r\n").result);
        // The 8193rd byte of the value is enough: no line end, no end of head.
        assertTooLarge(get + "X-Big: " + std::string(8193, 'v'), "Header field 'X-Big' is longer than 8192 bytes.");
        // Inner whitespace counts; trailing OWS is not value.
        assertTooLarge(get + "X-Big: " + std::string(4096, 'v') + std::string(4096, ' ') + "v",
                       "Header field 'X-Big' is longer than 8192 bytes.");
        CPPUNIT_ASSERT_EQUAL(Request::Complete,
                             parseRequest(get + "X-Big: " + std::string(8192, 'v') + "  \r\n\r\n").result);
    }

    void testNameLimitIs431BeforeTheHeadEnds()
    {
        CPPUNIT_ASSERT_EQUAL(Request::Complete, parseRequest(get + std::string(256, 'n') + ": v\r\n\r\n").result);
        assertTooLarge(get + "X-" + std::string(255, 'n'), "A header field name is longer than 256 bytes ('X-nnn");
    }

    void testFieldCountIs431BeforeTheHeadEnds()
    {
        std::string hundred = get; // Host is the first
        for (int i = 1; i < 100; ++i)
            hundred += "X-Field-" + std::to_string(i) + ": v\r\n";
        CPPUNIT_ASSERT_EQUAL(Request::Complete, parseRequest(hundred + "\r\n").result);
        // The first byte of a 101st field line is enough.
        assertTooLarge(hundred + "X", "The request has more than 100 header fields.");
    }

    void testWhitespacePaddingIsBounded()
    {
        // OWS around a value is not value, but it is not free either: at most 256 bytes more
        // than the name and value limits, so a client cannot make the line grow forever.
        const std::size_t maxLine = 256 + 1 + 8192 + 256;
        std::string line = "X-Pad:" + std::string(maxLine - 6, ' ');
        CPPUNIT_ASSERT_EQUAL(Request::Incomplete, parseRequest(get + line).result);
        assertTooLarge(get + line + " ", "Header field 'X-Pad' has a line longer than 8705 bytes");
        assertTooLarge(get + "X-Pad:" + std::string(8000, ' ') + std::string(800, 'v'), "longer than 8705 bytes");
    }

    /// A request head of exactly `size` bytes (at least 48): the request line, Host, fields of
    /// 8000-byte values (within the field limits), one shorter field, the empty line.
    static std::string headOfSize(std::size_t size)
    {
        std::string head = get; // "GET /v1/models HTTP/1.1\r\nHost: gateway\r\n"
        for (int i = 0; size - 2 - head.size() > 8100; ++i)
            head += "X-F" + std::to_string(i) + ": " + std::string(8000, 'v') + "\r\n";
        const std::size_t room = size - 2 - head.size();
        CPPUNIT_ASSERT(room >= 8);
        head += "X-L: " + std::string(room - 7, 'w') + "\r\n\r\n";
        CPPUNIT_ASSERT_EQUAL(size, head.size());
        return head;
    }

    void testHeadBudgetIs431BeforeTheHeadEnds()
    {
        // 64 KiB of head, each field within its own limits: accepted; one byte more is refused.
        const std::string exact = headOfSize(65536);
        CPPUNIT_ASSERT_EQUAL(Request::Complete, parseRequest(exact).result);
        const std::string over = headOfSize(65537);
        assertTooLarge(over, "The request head is longer than 65536 bytes (request line and header fields).");
        // The byte past the budget is enough: the head has not ended, the line has not ended.
        const std::string longer = headOfSize(70000);
        assertTooLarge(longer.substr(0, 65537), "The request head is longer than 65536 bytes");
        CPPUNIT_ASSERT_EQUAL(Request::Incomplete, parseRequest(longer.substr(0, 65536)).result);
        // Wherever the byte past it falls: in a name, in OWS, at a line end.
        std::string head = headOfSize(65536 - 10);
        head.resize(head.size() - 2); // without the empty line
        assertTooLarge(head + "X-Name-Is-Long: v\r\n\r\n", "longer than 65536 bytes");
        assertTooLarge(head + "X:" + std::string(12, ' ') + "v\r\n\r\n", "longer than 65536 bytes");
        assertTooLarge(head + "X-Abcd: v\r\n\r\n", "longer than 65536 bytes"); // its last LF is byte 65537
        CPPUNIT_ASSERT_EQUAL(Request::Complete, parseRequest(head + "X-Abc: v\r\n\r\n").result);
    }

    void testHeadBudgetStartsAtTheRequestLine()
    {
        // Empty lines before the request line have their own bound and are not the head's.
        std::string empty;
        for (int i = 0; i < 100; ++i)
            empty += "\r\n";
        const ParsedRequest parsed = parseRequest(empty + headOfSize(65536));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(parsed.error.message, Request::Complete, parsed.result);
        CPPUNIT_ASSERT_EQUAL(std::size_t(200 + 65536), parsed.consumed);
        assertTooLarge(empty + headOfSize(65537), "longer than 65536 bytes");
        // A long target counts too (16 KiB target, then fields).
        const std::string line = "GET /" + std::string(16000, 't') + " HTTP/1.1\r\nHost: a\r\n";
        std::string fields;
        for (int i = 0; i < 7; ++i)
            fields += "X-F" + std::to_string(i) + ": " + std::string(8000, 'v') + "\r\n";
        assertTooLarge(line + fields + "\r\n", "longer than 65536 bytes");
        CPPUNIT_ASSERT_EQUAL(Request::Complete, parseRequest(line + fields.substr(0, 5 * 8008) + "\r\n").result);
    }

    void testCustomHeadBudget()
    {
        // Small enough that every split of the head is tried (parseRequest, <= 600 bytes).
        HeadLimits limits;
        limits.maxHead = 40;
        const std::string ok = "GET / HTTP/1.1\r\nHost: a\r\nX-B: 012345\r\n\r\n"; // 40 bytes
        CPPUNIT_ASSERT_EQUAL(std::size_t(40), ok.size());
        CPPUNIT_ASSERT_EQUAL(Request::Complete, parseRequest(ok, limits).result);
        CPPUNIT_ASSERT_EQUAL(Request::Complete, parseRequest("\r\n\n" + ok, limits).result);
        const std::string over = "GET / HTTP/1.1\r\nHost: a\r\nX-B: 0123456\r\n\r\n";
        assertTooLarge(over, "The request head is longer than 40 bytes", limits);
        assertTooLarge("\r\n" + over, "The request head is longer than 40 bytes", limits);
        // The byte past the budget is refused for the budget, even when it also breaks a rule.
        assertTooLarge("GET / HTTP/1.1\r\nHost: a\r\nX-B: 0123456789ab\x01", "longer than 40 bytes", limits);
        assertBadRequest("GET / HTTP/1.1\r\nHost: a\r\nX-B: 0123456789a\x01", "a control character (0x01)");
        // ... and the request line is within it.
        assertTooLarge("GET /" + std::string(40, 't') + " HTTP/1.1\r\n\r\n", "longer than 40 bytes", limits);
    }

    void testCustomLimits()
    {
        HeadLimits limits;
        limits.maxMethod = 4;
        limits.maxTarget = 8;
        limits.maxNameLength = 5;
        limits.maxValueLength = 6;
        limits.maxFields = 2;
        const std::string ok = "POST /1234567 HTTP/1.1\r\nAbcde: 123456\r\nHost: c\r\n\r\n";
        CPPUNIT_ASSERT_EQUAL(Request::Complete, parseRequest(ok, limits).result);
        assertRefused("PATCH", 400, "malformed_request", "longer than 4 bytes", limits);
        assertRefused("GET /12345678", 400, "malformed_request", "longer than 8 bytes", limits);
        assertTooLarge("GET / HTTP/1.1\r\nAbcdef", "longer than 5 bytes", limits);
        assertTooLarge("GET / HTTP/1.1\r\nA: 1234567", "Header field 'A' is longer than 6 bytes.", limits);
        assertTooLarge("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC", "more than 2 header fields", limits);
    }

    void testMessagesQuoteNamesSafely()
    {
        // A long name is cut at 64 bytes; a byte that is not printable is never echoed.
        const ParsedRequest parsed = parseRequest(get + std::string(300, 'n'));
        CPPUNIT_ASSERT_EQUAL(431, parsed.error.status);
        ASSERT_CONTAINS(parsed.error.message, "('" + std::string(64, 'n') + "...')");
        assertBadRequest(get + std::string(70, 'n') + "\x01", "byte 0x01 inside header name 'nnnn");
        assertRefused("GET / HTTP/1.1\r\nTransfer-Encoding: \x80\xff\r\n\r\n", 501, "unsupported_transfer_encoding",
                      "Transfer-Encoding '\\x80\\xFF' is not supported");
    }

    void testByteAtATimeIsLinear()
    {
        // 100 fields of 8 KiB, a byte per call (parseRequest does that too): a parser that
        // rescanned what it had seen would do ~3e11 steps here and time the suite out. (Over
        // the default head budget, so with a larger one.)
        std::string input = get;
        for (int i = 0; i < 99; ++i)
            input += "X-F" + std::to_string(i) + ": " + std::string(8192, 'a' + i % 26) + "\r\n";
        input += "\r\n";
        HeadLimits limits;
        limits.maxHead = 1 << 20;
        const ParsedRequest parsed = parseRequest(input, limits);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(parsed.error.message, Request::Complete, parsed.result);
        CPPUNIT_ASSERT_EQUAL(std::size_t(100), parsed.head.headers.size());
        CPPUNIT_ASSERT_EQUAL(std::string(8192, 'a'), parsed.head.headers.get("x-f0"));
        // With the default budget the same head is refused at byte 65537, as fast.
        const ParsedRequest refused = parseRequest(input);
        CPPUNIT_ASSERT_EQUAL(431, refused.error.status);
    }

    void testContentLength()
    {
        RequestHead head = completeRequest("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 42\r\n\r\n");
        CPPUNIT_ASSERT_EQUAL(BodyFraming::Length, head.framing);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(42), head.contentLength);
        // OWS is not part of the value; leading zeros are digits; 0 is a length.
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(5),
                             completeRequest("POST / HTTP/1.1\r\nHost: a\r\ncontent-length:  5 \r\n\r\n").contentLength);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(7),
                             completeRequest("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 007\r\n\r\n").contentLength);
        head = completeRequest("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
        CPPUNIT_ASSERT_EQUAL(BodyFraming::Length, head.framing);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(0), head.contentLength);
        CPPUNIT_ASSERT_EQUAL(
            std::uint64_t(18446744073709551615u),
            completeRequest("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 18446744073709551615\r\n\r\n").contentLength);
    }

    void testContentLengthMalformed()
    {
        for (const char* value : {"+5", "-1", "5a", "0x5", "5 5", "1e3", ""})
            assertBadRequest(std::string("POST / HTTP/1.1\r\nContent-Length: ") + value + "\r\n\r\n",
                             *value ? "a Content-Length that is not a number" : "an empty Content-Length");
        assertBadRequest("POST / HTTP/1.1\r\nContent-Length: 18446744073709551616\r\n\r\n",
                         "a Content-Length too large ('18446744073709551616')");
        assertBadRequest("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", "too large");
    }

    void testDuplicateContentLengthIsRefused()
    {
        assertBadRequest("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
                         "The request head has 2 Content-Length headers.");
        assertBadRequest("POST / HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 6\r\n\r\n",
                         "2 Content-Length headers");
        assertBadRequest("POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n",
                         "a Content-Length that is a list ('5, 5'), not one number");
        assertBadRequest("POST / HTTP/1.1\r\nContent-Length: 5,\r\n\r\n", "is a list");
    }

    void testContentLengthWithTransferEncodingIsRefused()
    {
        const char* both = "The request sent both Transfer-Encoding and Content-Length";
        assertBadRequest("POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", both);
        assertBadRequest("POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\ncontent-length: 5\r\n\r\n", both);
        // Even when the length is malformed or the coding unknown: the pair is the problem.
        assertBadRequest("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nContent-Length: x\r\n\r\n", both);
    }

    void testTransferEncodingChunked()
    {
        for (const char* value : {"chunked", "Chunked", "CHUNKED", " \tchunked\t "})
        {
            const RequestHead head =
                completeRequest(std::string("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:") + value + "\r\n\r\n");
            CPPUNIT_ASSERT_EQUAL(BodyFraming::Chunked, head.framing);
            CPPUNIT_ASSERT(head.keepAlive);
        }
    }

    void testOtherTransferEncodingsAre501()
    {
        const auto refused = [](const std::string& fields, const std::string& shown) {
            assertRefused("POST / HTTP/1.1\r\n" + fields + "\r\n", 501, "unsupported_transfer_encoding",
                          "Transfer-Encoding '" + shown + "' is not supported; only 'chunked' is.");
        };
        refused("Transfer-Encoding: chunked, chunked\r\n", "chunked, chunked");
        refused("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "chunked, chunked");
        refused("Transfer-Encoding: gzip, chunked\r\n", "gzip, chunked");
        refused("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", "gzip, chunked");
        refused("Transfer-Encoding: chunked,\r\n", "chunked,");
        refused("Transfer-Encoding: identity\r\n", "identity");
        refused("Transfer-Encoding: chunked;q=1\r\n", "chunked;q=1");
        refused("Transfer-Encoding: \r\n", "");
        refused("Transfer-Encoding: xchunked\r\n", "xchunked");
    }

    void testTransferEncodingInHttp10IsRefused()
    {
        assertBadRequest("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
                         "Transfer-Encoding is not allowed in an HTTP/1.0 request.");
    }

    void testKeepAlive()
    {
        CPPUNIT_ASSERT(completeRequest(get + "\r\n").keepAlive);
        CPPUNIT_ASSERT(!completeRequest(get + "Connection: close\r\n\r\n").keepAlive);
        CPPUNIT_ASSERT(!completeRequest(get + "Connection: Upgrade, CLOSE\r\n\r\n").keepAlive);
        CPPUNIT_ASSERT(!completeRequest(get + "Connection: keep-alive\r\nConnection: close\r\n\r\n").keepAlive);
        CPPUNIT_ASSERT(completeRequest(get + "Connection: closed, x-close\r\n\r\n").keepAlive);
        CPPUNIT_ASSERT(completeRequest(get + "X-Connection: close\r\n\r\n").keepAlive);

        CPPUNIT_ASSERT(!completeRequest("GET / HTTP/1.0\r\n\r\n").keepAlive);
        CPPUNIT_ASSERT(completeRequest("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keepAlive);
        CPPUNIT_ASSERT(completeRequest("GET / HTTP/1.0\r\nConnection: foo ,keep-alive \r\n\r\n").keepAlive);
        CPPUNIT_ASSERT(!completeRequest("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n").keepAlive);
        CPPUNIT_ASSERT(!completeRequest("GET / HTTP/1.0\r\nConnection: keep-alivex\r\n\r\n").keepAlive);
    }

    void testExpectContinue()
    {
        CPPUNIT_ASSERT(
            completeRequest("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n").expectContinue);
        CPPUNIT_ASSERT(completeRequest("POST / HTTP/1.1\r\nHost: a\r\nexpect:  100-Continue \r\n\r\n").expectContinue);
        CPPUNIT_ASSERT(!completeRequest("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continued\r\n\r\n").expectContinue);
        CPPUNIT_ASSERT(!completeRequest("POST / HTTP/1.1\r\nHost: a\r\nX-Expect: 100-continue\r\n\r\n").expectContinue);
        // RFC 9110 §10.1.1: an HTTP/1.0 client would not understand a 100 (Continue).
        CPPUNIT_ASSERT(
            !completeRequest("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n").expectContinue);
        CPPUNIT_ASSERT(!completeRequest("POST / HTTP/1.0\r\nHost: a\r\nExpect: 100-continue\r\n\r\n").expectContinue);
    }

    void testHostIsRequiredInHttp11()
    {
        assertBadRequest("GET / HTTP/1.1\r\n\r\n", "The request has no Host header (HTTP/1.1 requires one).");
        assertBadRequest("POST / HTTP/1.1\r\nContent-Length: 0\r\nX-Host: a\r\n\r\n", "no Host header");
        assertBadRequest("GET / HTTP/1.1\r\nHost-Name: a\r\n\r\n", "no Host header");
        // The name is case-insensitive; an empty value is a Host (a target without authority).
        CPPUNIT_ASSERT_EQUAL(std::string("a"), completeRequest("GET / HTTP/1.1\r\nhOST: a\r\n\r\n").headers.get("Host"));
        CPPUNIT_ASSERT_EQUAL(std::string(), completeRequest("GET / HTTP/1.1\r\nHost:\r\n\r\n").headers.get("Host"));
        CPPUNIT_ASSERT_EQUAL(std::string(), completeRequest("GET / HTTP/1.1\r\nHost:  \r\n\r\n").headers.get("Host"));
        // HTTP/1.0 may omit it.
        CPPUNIT_ASSERT(completeRequest("GET / HTTP/1.0\r\n\r\n").headers.empty());
        // A framing error is reported first: it is the one that matters to the connection.
        assertBadRequest("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "2 Content-Length headers");
        assertRefused("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "unsupported_transfer_encoding",
                      "Transfer-Encoding 'gzip'");
    }

    void testMoreThanOneHostIsRefused()
    {
        assertBadRequest(get + "Host: gateway\r\n\r\n", "The request has 2 Host headers; only one is allowed.");
        assertBadRequest(get + "host: other\r\n\r\n", "2 Host headers");
        assertBadRequest(get + "Host: a\r\nHOST: b\r\n\r\n", "3 Host headers");
        // In HTTP/1.0 too (RFC 9112 §3.2: "any request message").
        assertBadRequest("GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", "2 Host headers");
        // A list in one field is not a host either.
        assertBadRequest("GET / HTTP/1.1\r\nHost: a, b\r\n\r\n", "Host header 'a, b' is not a host");
    }

    void testHostValue()
    {
        for (const char* host : {"gateway", "127.0.0.1", "127.0.0.1:8000", "localhost:", "[::1]", "[::1]:443",
                                 "[v1.fe80::a+en1]", "[fe80::1%25en0]:80", "api.example.com.", "xn--caf-dma.example",
                                 "a%2Db", "under_score", "!$&'()*+,;=-._~"})
            CPPUNIT_ASSERT_EQUAL(std::string(host),
                                 completeRequest(std::string("GET / HTTP/1.1\r\nHost: ") + host + "\r\n\r\n")
                                     .headers.get("Host"));
        for (const char* host : {"a b", "user@host", "host/path", "host:80x", "host:80:80", "[::1", "[]", "[::1]x",
                                 "[::1]:x", "a%2", "a%zz", "caf\xC3\xA9", "h\tx", "a\"b", "<script>"})
            assertBadRequest(std::string("GET / HTTP/1.1\r\nHost: ") + host + "\r\n\r\n", "is not a host");
        // Quoted safely in the message.
        assertBadRequest("GET / HTTP/1.1\r\nHost: caf\xC3\xA9\r\n\r\n",
                         "The request's Host header 'caf\\xC3\\xA9' is not a host with an optional port.");
        // In HTTP/1.0 too, when there is one.
        assertBadRequest("GET / HTTP/1.0\r\nHost: a b\r\n\r\n", "is not a host");
    }

    void testResultsStickUntilReset()
    {
        RequestHeadParser parser;
        RequestHead head;
        std::size_t consumed = 99;
        const std::string bad = "GET / HTTP/1.1\r\nA : b\r\n\r\n";
        CPPUNIT_ASSERT_EQUAL(Request::Invalid, parser.parse(bad, head, consumed));
        CPPUNIT_ASSERT_EQUAL(std::size_t(99), consumed); // written on Complete only
        CPPUNIT_ASSERT_EQUAL(Request::Invalid, parser.parse(bad + "more", head, consumed));
        CPPUNIT_ASSERT_EQUAL(400, parser.error().status);
        parser.reset();
        CPPUNIT_ASSERT(parser.error().message.empty());
        const std::string good = get + "\r\n";
        CPPUNIT_ASSERT_EQUAL(Request::Complete, parser.parse(good, head, consumed));
        CPPUNIT_ASSERT_EQUAL(good.size(), consumed);
        CPPUNIT_ASSERT_EQUAL(Request::Complete, parser.parse(good + "next", head, consumed));
        CPPUNIT_ASSERT_EQUAL(good.size(), consumed);
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/models"), head.target);

        // After reset the head is a fresh one, whatever the caller's held before.
        parser.reset();
        CPPUNIT_ASSERT_EQUAL(Request::Complete,
                             parser.parse("GET /x HTTP/1.0\r\nContent-Length: 1\r\n\r\n", head, consumed));
        parser.reset();
        CPPUNIT_ASSERT_EQUAL(Request::Complete, parser.parse("GET /y HTTP/1.1\r\nHost: y\r\n\r\n", head, consumed));
        CPPUNIT_ASSERT_EQUAL(BodyFraming::None, head.framing);
        CPPUNIT_ASSERT(!head.http10);
        CPPUNIT_ASSERT(HeaderList({{"Host", "y"}}) == head.headers);
        CPPUNIT_ASSERT(head.keepAlive);
    }

    // ---- Answers -------------------------------------------------------------------------

    void testAnswerHead()
    {
        const ResponseHead head = completeAnswer("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                                 "Content-Length: 12\r\nX-Request-Id:  abc \r\n\r\n");
        CPPUNIT_ASSERT_EQUAL(200, head.status);
        CPPUNIT_ASSERT_EQUAL(std::string("OK"), head.reason);
        CPPUNIT_ASSERT(!head.http10);
        CPPUNIT_ASSERT(
            HeaderList({{"Content-Type", "application/json"}, {"Content-Length", "12"}, {"X-Request-Id", "abc"}}) ==
            head.headers);
        CPPUNIT_ASSERT_EQUAL(BodyFraming::Length, head.framing);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(12), head.contentLength);
        CPPUNIT_ASSERT(head.keepAlive);

        // The body that follows is not consumed.
        const std::string answer = "HTTP/1.1 200 OK\nContent-Length: 2\n\n";
        const ParsedAnswer parsed = parseAnswer(answer + "{}");
        CPPUNIT_ASSERT_EQUAL(Answer::Complete, parsed.result);
        CPPUNIT_ASSERT_EQUAL(answer.size(), parsed.consumed);
    }

    void testAnswerStatusLine()
    {
        CPPUNIT_ASSERT_EQUAL(std::string(""), completeAnswer("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n").reason);
        CPPUNIT_ASSERT_EQUAL(std::string(""), completeAnswer("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n").reason);
        CPPUNIT_ASSERT_EQUAL(std::string("Not \tFound \xC3\xA9 "),
                             completeAnswer("HTTP/1.1 404 Not \tFound \xC3\xA9 \r\nContent-Length: 0\r\n\r\n").reason);
        CPPUNIT_ASSERT_EQUAL(599, completeAnswer("HTTP/1.1 599 x\r\nContent-Length: 0\r\n\r\n").status);
        CPPUNIT_ASSERT_EQUAL(100, completeAnswer("HTTP/1.1 100 Continue\r\n\r\n").status);
    }

    void testMalformedStatusLine()
    {
        assertBadAnswer("HTTP/1.1 20 OK\r\n\r\n", "a status code that is not 3 digits");
        assertBadAnswer("HTTP/1.1 2000 OK\r\n\r\n", "a status code that is not 3 digits");
        assertBadAnswer("HTTP/1.1 2x0 OK\r\n\r\n", "a status code that is not 3 digits");
        assertBadAnswer("HTTP/1.1 -20 OK\r\n\r\n", "a status code that is not 3 digits");
        assertBadAnswer("HTTP/1.1 099 Low\r\n\r\n", "status code 99, outside 100..599");
        assertBadAnswer("HTTP/1.1 000 Zero\r\n\r\n", "status code 0, outside 100..599");
        assertBadAnswer("HTTP/1.1 600 High\r\n\r\n", "status code 600, outside 100..599");
        assertBadAnswer("HTTP/2.0 200 OK\r\n\r\n", "HTTP version 'HTTP/2.0'");
        assertBadAnswer("HTTP/2 200 OK\r\n\r\n", "a status line that does not start with HTTP/1.x");
        assertBadAnswer("http/1.1 200 OK\r\n\r\n", "a status line that does not start with HTTP/1.x");
        assertBadAnswer("\r\nHTTP/1.1 200 OK\r\n\r\n", "a status line that does not start with HTTP/1.x");
        assertBadAnswer("HTTP/1.1  200 OK\r\n\r\n", "a status code that is not 3 digits");
        assertBadAnswer("HTTP/1.1\t200 OK\r\n\r\n", "a status line without a space after the version");
        assertBadAnswer("HTTP/1.1 200 O\x01K\r\n\r\n", "a control character (0x01) in the reason phrase");
        assertBadAnswer("HTTP/1.1 200 OK\rX\r\n\r\n", "a CR not followed by LF at the end of the status line");
        assertBadAnswer("HTTP/1.1 200 " + std::string(8193, 'r'), "a reason phrase longer than 8192 bytes");
    }

    void testAnswersWithoutBody()
    {
        // 204 and 304 with a Content-Length (a 304 carries the representation's), HEAD's
        // answer with either framing field, a 1xx: none has a body.
        for (const char* answer :
             {"HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n",
              "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
              "HTTP/1.1 204 No Content\r\nTransfer-Encoding: gzip\r\n\r\n",
              "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", "HTTP/1.1 304 Not Modified\r\n\r\n"})
        {
            const ResponseHead head = completeAnswer(answer);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(answer, BodyFraming::None, head.framing);
            CPPUNIT_ASSERT_MESSAGE(answer, head.keepAlive);
        }
        for (const char* answer : {"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n",
                                   "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "HTTP/1.1 200 OK\r\n\r\n"})
        {
            const ResponseHead head = completeAnswer(answer, true);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(answer, BodyFraming::None, head.framing);
            CPPUNIT_ASSERT_MESSAGE(answer, head.keepAlive);
        }
        // The fields must still be unambiguous.
        assertBadAnswer("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
                        "2 Content-Length headers");
        assertBadAnswer("HTTP/1.1 304 Not Modified\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
                        "both Transfer-Encoding and Content-Length headers");
        assertBadAnswer("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", "a Content-Length that is not a number", true);
    }

    void testInterimAnswerThenFinal()
    {
        const std::string interim = "HTTP/1.1 100 Continue\r\n\r\n";
        const std::string final = "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
        const std::string stream = interim + final;
        ResponseHeadParser parser;
        ResponseHead head;
        std::size_t consumed = 0;
        CPPUNIT_ASSERT_EQUAL(Answer::Complete, parser.parse(stream, false, head, consumed));
        CPPUNIT_ASSERT_EQUAL(100, head.status);
        CPPUNIT_ASSERT_EQUAL(interim.size(), consumed);
        parser.reset();
        CPPUNIT_ASSERT_EQUAL(Answer::Complete,
                             parser.parse(std::string_view(stream).substr(consumed), false, head, consumed));
        CPPUNIT_ASSERT_EQUAL(201, head.status);
        CPPUNIT_ASSERT_EQUAL(final.size(), consumed);
        CPPUNIT_ASSERT_EQUAL(BodyFraming::Length, head.framing);
        CPPUNIT_ASSERT(HeaderList({{"Content-Length", "0"}}) == head.headers);
    }

    void testAnswerFraming()
    {
        ResponseHead head = completeAnswer("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n");
        CPPUNIT_ASSERT_EQUAL(BodyFraming::Chunked, head.framing);
        CPPUNIT_ASSERT(head.keepAlive);
        head = completeAnswer("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n");
        CPPUNIT_ASSERT_EQUAL(BodyFraming::UntilClose, head.framing);
        CPPUNIT_ASSERT(!head.keepAlive); // the close ends the body
        head = completeAnswer("HTTP/1.1 200 OK\r\nContent-Length:  7 \r\n\r\n");
        CPPUNIT_ASSERT_EQUAL(BodyFraming::Length, head.framing);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(7), head.contentLength);
    }

    void testAnswerFramingConflicts()
    {
        assertBadAnswer("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
                        "the upstream's answer has 2 Content-Length headers");
        assertBadAnswer("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
                        "2 Content-Length headers");
        assertBadAnswer("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n", "a Content-Length that is a list");
        assertBadAnswer("HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n", "a Content-Length that is not a number");
        assertBadAnswer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
                        "both Transfer-Encoding and Content-Length headers");
        assertBadAnswer("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
                        "a Transfer-Encoding other than 'chunked' ('gzip')");
        assertBadAnswer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
                        "a Transfer-Encoding other than 'chunked' ('chunked, chunked')");
        assertBadAnswer("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                        "Transfer-Encoding in an HTTP/1.0 answer");
    }

    void testAnswerFieldErrors()
    {
        const std::string ok = "HTTP/1.1 200 OK\r\n";
        assertBadAnswer(ok + "X-Trace: a\rb\r\n\r\n",
                        "the upstream's answer has a CR inside the value of header 'X-Trace'");
        assertBadAnswer(ok + std::string("X-Trace: a\0\r\n\r\n", 14),
                        "a control character (0x00) inside the value of header 'X-Trace'");
        assertBadAnswer(ok + "X-A: a\r\n folded\r\n\r\n", "a header line that starts with whitespace");
        assertBadAnswer(ok + "Content-Length : 5\r\n\r\n",
                        "whitespace between header name 'Content-Length' and its colon");
        assertBadAnswer(ok + "X-Big: " + std::string(8193, 'v'), "header 'X-Big' longer than 8192 bytes");
        assertBadAnswer(ok + std::string(257, 'n'), "a header name longer than 256 bytes");
        std::string many = ok;
        for (int i = 0; i < 101; ++i)
            many += "X-" + std::to_string(i) + ": v\r\n";
        assertBadAnswer(many, "more than 100 header fields");
    }

    void testAnswerKeepAlive()
    {
        CPPUNIT_ASSERT(!completeAnswer("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").keepAlive);
        const ResponseHead old = completeAnswer("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
        CPPUNIT_ASSERT(old.http10);
        CPPUNIT_ASSERT(!old.keepAlive);
        CPPUNIT_ASSERT(
            completeAnswer("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n").keepAlive);
        // keep-alive, but the body ends at the close.
        CPPUNIT_ASSERT(!completeAnswer("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n").keepAlive);
    }

    void testAnswerHeadBudget()
    {
        // An upstream's head has the same 64 KiB budget; past it the answer is a 502. (And an
        // answer needs no Host.)
        std::string answer = "HTTP/1.1 200 OK\r\n";
        for (int i = 0; i < 8; ++i)
            answer += "X-F" + std::to_string(i) + ": " + std::string(8000, 'v') + "\r\n";
        CPPUNIT_ASSERT_EQUAL(BodyFraming::Length, completeAnswer(answer + "Content-Length: 0\r\n\r\n").framing);
        answer += "X-F8: " + std::string(1500, 'v') + "\r\n";
        assertBadAnswer(answer + "Content-Length: 0\r\n\r\n", "a head longer than 65536 bytes");
    }

    // ---- Chunked bodies ------------------------------------------------------------------

    void testChunkedBody()
    {
        const std::string body = "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
        const Decoded decoded = decodeEveryWay(body + "GET / HTTP/1.1\r\n");
        CPPUNIT_ASSERT_EQUAL(Chunks::Done, decoded.result);
        CPPUNIT_ASSERT_EQUAL(std::string("hello world"), decoded.data);
        CPPUNIT_ASSERT_EQUAL(body.size(), decoded.end); // the next request is not consumed

        const Decoded empty = decodeEveryWay("0\r\n\r\n");
        CPPUNIT_ASSERT_EQUAL(Chunks::Done, empty.result);
        CPPUNIT_ASSERT_EQUAL(std::string(), empty.data);

        // Binary data, CRLF inside it, a chunk bigger than a slice.
        const std::string binary("\r\n\0\xff", 4);
        const std::string big(3000, 'b');
        const Decoded mixed = decodeEveryWay("4\r\n" + binary + "\r\nbb8\r\n" + big + "\r\n0\r\n\r\n");
        CPPUNIT_ASSERT_EQUAL(Chunks::Done, mixed.result);
        CPPUNIT_ASSERT_EQUAL(binary + big, mixed.data);
    }

    void testChunkedBareLfAndHexCase()
    {
        const Decoded decoded = decodeEveryWay("a\nabcdefghij\nA\r\nABCDEFGHIJ\r\n0000B\n0123456789x\n0\n\n");
        CPPUNIT_ASSERT_EQUAL(Chunks::Done, decoded.result);
        CPPUNIT_ASSERT_EQUAL(std::string("abcdefghijABCDEFGHIJ0123456789x"), decoded.data);
    }

    void testChunkExtensions()
    {
        const Decoded decoded =
            decodeEveryWay("5;name=value;flag\r\nhello\r\n3 ; q=\"a;b\\\"c\"\r\nabc\r\n0;last\r\n\r\n");
        CPPUNIT_ASSERT_EQUAL(Chunks::Done, decoded.result);
        CPPUNIT_ASSERT_EQUAL(std::string("helloabc"), decoded.data);

        const std::string longest = "1;" + std::string(4094, 'e') + "\r\nx\r\n0\r\n\r\n"; // a 4096-byte line
        CPPUNIT_ASSERT_EQUAL(Chunks::Done, decode(longest).result);
        assertBadChunks("1;" + std::string(4095, 'e'), "a chunk size line (with extensions) longer than 4096 bytes",
                        4096);
        assertBadChunks("5 \r\nhello\r\n0\r\n\r\n", "only an extension (';') may follow whitespace", 2);
        assertBadChunks("5;a\x01\r\nhello\r\n", "a control character in a chunk extension", 3);
        assertBadChunks("5;a\rb\nhello\r\n", "a CR not followed by LF after a chunk size", 4);
    }

    void testChunkTrailers()
    {
        const std::string body = "3\r\nabc\r\n0\r\nX-Checksum: 123\r\nx-empty:\r\nY:\tz \xC3\xA9\n\r\n";
        const Decoded decoded = decodeEveryWay(body + "NEXT");
        CPPUNIT_ASSERT_EQUAL(Chunks::Done, decoded.result);
        CPPUNIT_ASSERT_EQUAL(std::string("abc"), decoded.data); // trailers are dropped
        CPPUNIT_ASSERT_EQUAL(body.size(), decoded.end);

        const std::string start = "0\r\n"; // the trailers begin at 3
        assertBadChunks(start + " X: folded\r\n\r\n", "a trailer line that starts with whitespace", 3);
        assertBadChunks(start + "X : y\r\n\r\n", "a trailer field name that is not a token, or without a colon", 4);
        assertBadChunks(start + "NoColon\r\n\r\n", "a trailer field name that is not a token, or without a colon", 10);
        assertBadChunks(start + ": y\r\n\r\n", "a trailer line that does not start with a field name", 3);
        assertBadChunks(start + "X: a\x7f\r\n\r\n", "a control character in a trailer field value", 7);
        assertBadChunks(start + "X: a\rb\r\n\r\n", "a CR not followed by LF in the trailer section", 8);
        assertBadChunks(start + "\rX", "a CR not followed by LF in the trailer section", 4);

        // 8 KiB of trailers in all, the final empty line included.
        std::string trailers;
        for (int i = 0; trailers.size() < 8000; ++i)
            trailers += "X-T" + std::to_string(i) + ": " + std::string(90, 'v') + "\r\n";
        trailers += "X-L: " + std::string(8190 - trailers.size() - 7, 'v') + "\r\n";
        CPPUNIT_ASSERT_EQUAL(std::size_t(8190), trailers.size());
        CPPUNIT_ASSERT_EQUAL(Chunks::Done, decode(start + trailers + "\r\n").result);
        assertBadChunks(start + trailers + "XYZ", "trailer fields longer than 8192 bytes", start.size() + 8192);
    }

    void testBadLineEndAfterChunkData()
    {
        assertBadChunks("5\r\nhelloX\r\n0\r\n\r\n", "chunk data not followed by CRLF", 8);
        assertBadChunks("5\r\nhello\rX\r\n", "a CR not followed by LF after chunk data", 9);
        assertBadChunks("5\r\nhello\r\r\n", "a CR not followed by LF after chunk data", 9);
        assertBadChunks("3\r\nhello\r\n", "chunk data not followed by CRLF (the chunk is longer than its size)", 6);
    }

    void testChunkSizeLimits()
    {
        // 15 hex digits is the most: 2^60-1 bytes, which never overflows a count.
        ChunkedDecoder decoder;
        std::string out;
        std::size_t consumed = 0;
        CPPUNIT_ASSERT_EQUAL(Chunks::NeedMore, decoder.decode("fffffffffffffff\r\nabc", consumed, out));
        CPPUNIT_ASSERT_EQUAL(std::size_t(20), consumed);
        CPPUNIT_ASSERT_EQUAL(std::string("abc"), out);
        assertBadChunks("1000000000000000\r\n", "a chunk size too large (more than 15 hex digits)", 15);
        assertBadChunks("0000000000000001\r\nx\r\n", "a chunk size too large", 15);
        assertBadChunks("ffffffffffffffffffff\r\n", "a chunk size too large", 15);
    }

    void testMalformedChunkSize()
    {
        assertBadChunks("\r\nhello\r\n", "a chunk that does not start with a hex size", 0);
        assertBadChunks(";ext\r\n", "a chunk that does not start with a hex size", 0);
        assertBadChunks(" 5\r\nhello\r\n", "a chunk that does not start with a hex size", 0);
        assertBadChunks("0x5\r\nhello\r\n", "a chunk size followed by a byte that is not a hex digit", 1);
        assertBadChunks("+5\r\nhello\r\n", "a chunk that does not start with a hex size", 0);
        assertBadChunks("5g\r\nhello\r\n", "not a hex digit", 1);
        assertBadChunks("5\rhello\r\n", "a CR not followed by LF after a chunk size", 2);
        assertBadChunks("5\r\nhello\r\nz\r\n", "a chunk that does not start with a hex size", 10);
    }

    void testDecoderStateAcrossCalls()
    {
        ChunkedDecoder decoder;
        std::string out;
        std::size_t consumed = 99;
        CPPUNIT_ASSERT_EQUAL(Chunks::NeedMore, decoder.decode("", consumed, out));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), consumed);
        CPPUNIT_ASSERT_EQUAL(Chunks::NeedMore, decoder.decode("5\r\nhel", consumed, out));
        CPPUNIT_ASSERT_EQUAL(std::size_t(6), consumed);
        CPPUNIT_ASSERT_EQUAL(Chunks::Done, decoder.decode("lo\r\n0\r\n\r\nrest", consumed, out));
        CPPUNIT_ASSERT_EQUAL(std::size_t(9), consumed);
        CPPUNIT_ASSERT_EQUAL(std::string("hello"), out);
        // Done stays done and consumes nothing more.
        CPPUNIT_ASSERT_EQUAL(Chunks::Done, decoder.decode("rest", consumed, out));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), consumed);

        decoder.reset();
        out.clear();
        CPPUNIT_ASSERT_EQUAL(Chunks::Invalid, decoder.decode("2\r\nabX", consumed, out));
        CPPUNIT_ASSERT_EQUAL(std::size_t(5), consumed);
        CPPUNIT_ASSERT_EQUAL(std::string("chunk data not followed by CRLF (the chunk is longer than its size)"),
                             decoder.error());
        CPPUNIT_ASSERT_EQUAL(Chunks::Invalid, decoder.decode("\r\n0\r\n\r\n", consumed, out));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), consumed);

        decoder.reset();
        out.clear();
        CPPUNIT_ASSERT(decoder.error().empty());
        CPPUNIT_ASSERT_EQUAL(Chunks::Done, decoder.decode("1\r\nz\r\n0\r\n\r\n", consumed, out));
        CPPUNIT_ASSERT_EQUAL(std::string("z"), out);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(MessageHeadTest);
