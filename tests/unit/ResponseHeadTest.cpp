// ResponseHead and HttpDate: the head porticod writes itself (status line, Date, Connection,
// Content-Type, the exchange's headers in order, the framing header) for answers produced by a
// real Exchange walking a real chain into a MemorySink, and the Date value's format. What a
// plugin set that could split the answer (CR, LF, NUL, a name that is not a token, a status
// that is not 3 digits) never reaches the wire and is reported; 1xx, 204 and 304 answers carry
// no framing header. Every head written here parses back with porticod's own strict parser.

#include "ChainHarness.h"
#include "http/HttpDate.h"
#include "http/MessageHead.h"
#include "http/ResponseHead.h"
#include "portico/Plugin.h"
#include <cppunit/extensions/HelperMacros.h>
#include <ctime>

using portico::AnswerFraming;
using portico::Exchange;
using portico::ResponseHeadSpec;
using portico::test::ChainHarness;

namespace {

const std::string http11 = "HTTP/1.1";
const std::string http10 = "HTTP/1.0";
const std::string date = "Wed, 25 Nov 2026 20:40:00 GMT";

/// Adds two headers on every answer, the second overriding whatever the handler set.
class HeaderPlugin : public portico::Plugin
{
public:
    void onResponseHead(Exchange& exchange) override
    {
        exchange.response().headers.add("X-Trace-Id", "0123456789abcdef0123456789abcdef");
        exchange.response().headers.set("X-Frame-Options", "DENY");
    }
};

#define ASSERT_CONTAINS(haystack, needle)                                                                              \
    CPPUNIT_ASSERT_MESSAGE(std::string("expected \"") + (needle) + "\" in \"" + (haystack) + "\"",                     \
                           std::string(haystack).find(needle) != std::string::npos)
#define ASSERT_LACKS(haystack, needle)                                                                                 \
    CPPUNIT_ASSERT_MESSAGE(std::string("unexpected \"") + (needle) + "\" in \"" + (haystack) + "\"",                   \
                           std::string(haystack).find(needle) == std::string::npos)

/// The head, checked on the way: appended, and parsed back whole by porticod's strict answer
/// parser (nothing left over, nothing refused). `dropped` receives what was left out.
std::string head(const portico::Response& response, const ResponseHeadSpec& spec,
                 portico::DroppedFields* dropped = nullptr)
{
    std::string out = "(kept)";
    portico::DroppedFields result = portico::appendResponseHead(out, response, spec);
    CPPUNIT_ASSERT_EQUAL_MESSAGE("appends to what is there", std::string("(kept)"), out.substr(0, 6));
    const std::string text = out.substr(6);
    portico::ResponseHeadParser parser;
    portico::ResponseHead parsed;
    std::size_t consumed = 0;
    CPPUNIT_ASSERT_EQUAL_MESSAGE(text + parser.error().message, portico::ResponseHeadParser::Result::Complete,
                                 parser.parse(text, false, parsed, consumed));
    CPPUNIT_ASSERT_EQUAL_MESSAGE(text, text.size(), consumed);
    if (dropped)
        *dropped = std::move(result);
    else
        CPPUNIT_ASSERT_EQUAL_MESSAGE(result.description, std::size_t(0), result.count);
    return text;
}

/// A response as a plugin could leave it, without a chain.
portico::Response response(int status, std::initializer_list<portico::HeaderList::Header> headers = {})
{
    portico::Response out;
    out.status = status;
    out.headers = portico::HeaderList(headers);
    return out;
}

} // namespace

class ResponseHeadTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ResponseHeadTest);
    CPPUNIT_TEST(testBufferedAnswerThroughTheChain);
    CPPUNIT_TEST(testCoreErrorAnswerClosing);
    CPPUNIT_TEST(testStreamHeadIsChunkedWithNoCache);
    CPPUNIT_TEST(testStreamKeepsHandlerCacheControl);
    CPPUNIT_TEST(testHttp10StreamHasNoFraming);
    CPPUNIT_TEST(testFramingHeadersFromPluginsAreLeftOut);
    CPPUNIT_TEST(testEmptyContentTypeIsLeftOut);
    CPPUNIT_TEST(testHeadersThatWouldSplitTheAnswerAreDropped);
    CPPUNIT_TEST(testNamesThatAreNotTokensAreDropped);
    CPPUNIT_TEST(testFieldContentIsKept);
    CPPUNIT_TEST(testDroppedListIsBounded);
    CPPUNIT_TEST(testEveryByteAtEveryPlace);
    CPPUNIT_TEST(testLongHeadsAreCheckedToTheirLastByte);
    CPPUNIT_TEST(testLaneCountsCannotWrapAround);
    CPPUNIT_TEST(testUnsendableContentTypeIsOctetStream);
    CPPUNIT_TEST(testStatusOutsideTheRangeIsSentAs500);
    CPPUNIT_TEST(testStreamDefaultsReplaceUnsendableOnes);
    CPPUNIT_TEST(testStatusesWithoutContent);
    CPPUNIT_TEST(testNotModifiedKeepsContentType);
    CPPUNIT_TEST(testStatusAllowsBody);
    CPPUNIT_TEST(testHttp10IsNeverChunked);
    CPPUNIT_TEST(testChunkSize);
    CPPUNIT_TEST(testHttpDate);
    CPPUNIT_TEST(testHttpDateNow);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override
    {
        harness_ = std::make_unique<ChainHarness>();
        harness_->add("headers", std::make_unique<HeaderPlugin>());
        harness_->route("GET", "/ok", [](Exchange& exchange) {
            exchange.response().headers.set("X-Frame-Options", "SAMEORIGIN");
            exchange.respond(200, "{\"ok\":true}");
        });
        harness_->route("GET", "/events", [](Exchange& exchange) { exchange.stream().write("data: 1\n\n"); });
        harness_->route("GET", "/cached-events", [](Exchange& exchange) {
            exchange.response().headers.set("Cache-Control", "no-store");
            exchange.stream().write("data: 1\n\n");
        });
    }

    void tearDown() override { harness_.reset(); }

    void testBufferedAnswerThroughTheChain()
    {
        auto result = harness_->request("GET", "/ok");
        CPPUNIT_ASSERT(result->sink.sentWhole);
        const std::string text = head(result->head(), {http11, true, AnswerFraming::ContentLength, 11, date});
        CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1 200 OK\r\n"
                                         "Date: Wed, 25 Nov 2026 20:40:00 GMT\r\n"
                                         "Connection: Keep-Alive\r\n"
                                         "Content-Type: application/json\r\n"
                                         "X-Frame-Options: DENY\r\n"
                                         "X-Trace-Id: 0123456789abcdef0123456789abcdef\r\n"
                                         "Content-Length: 11\r\n"
                                         "\r\n"),
                             text);
    }

    void testCoreErrorAnswerClosing()
    {
        auto result = harness_->request("GET", "/missing");
        const auto& response = result->head();
        CPPUNIT_ASSERT_EQUAL(404, response.status);
        const std::string text =
            head(response, {http10, false, AnswerFraming::ContentLength, response.body.size(), date});
        CPPUNIT_ASSERT_EQUAL(0u, static_cast<unsigned>(text.find("HTTP/1.0 404 Not Found\r\n")));
        CPPUNIT_ASSERT(text.find("\r\nConnection: Close\r\n") != std::string::npos);
        CPPUNIT_ASSERT(text.find("\r\nX-Trace-Id: 0123456789abcdef0123456789abcdef\r\n") != std::string::npos);
        CPPUNIT_ASSERT(text.find("\r\nContent-Length: " + std::to_string(response.body.size()) + "\r\n\r\n") !=
                       std::string::npos);
    }

    void testStreamHeadIsChunkedWithNoCache()
    {
        auto result = harness_->request("GET", "/events");
        CPPUNIT_ASSERT(result->sink.streamBegun);
        ResponseHeadSpec spec{http11, true, AnswerFraming::Chunked, 0, date};
        spec.stream = true;
        const std::string text = head(result->head(), spec);
        CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1 200 OK\r\n"
                                         "Date: Wed, 25 Nov 2026 20:40:00 GMT\r\n"
                                         "Connection: Keep-Alive\r\n"
                                         "Content-Type: text/event-stream\r\n"
                                         "X-Trace-Id: 0123456789abcdef0123456789abcdef\r\n"
                                         "X-Frame-Options: DENY\r\n"
                                         "Cache-Control: no-cache\r\n"
                                         "X-Accel-Buffering: no\r\n"
                                         "Transfer-Encoding: chunked\r\n"
                                         "\r\n"),
                             text);
    }

    void testStreamKeepsHandlerCacheControl()
    {
        auto result = harness_->request("GET", "/cached-events");
        ResponseHeadSpec spec{http11, true, AnswerFraming::Chunked, 0, date};
        spec.stream = true;
        const std::string text = head(result->head(), spec);
        CPPUNIT_ASSERT(text.find("Cache-Control: no-store\r\n") != std::string::npos);
        CPPUNIT_ASSERT(text.find("no-cache") == std::string::npos);
        CPPUNIT_ASSERT(text.find("X-Accel-Buffering: no\r\n") != std::string::npos);
    }

    void testHttp10StreamHasNoFraming()
    {
        auto result = harness_->request("GET", "/events");
        ResponseHeadSpec spec{http10, false, AnswerFraming::UntilClose, 0, date};
        spec.stream = true;
        const std::string text = head(result->head(), spec);
        CPPUNIT_ASSERT(text.find("Transfer-Encoding") == std::string::npos);
        CPPUNIT_ASSERT(text.find("Content-Length") == std::string::npos);
        CPPUNIT_ASSERT(text.find("Connection: Close\r\n") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(text.size() - 4, text.find("\r\n\r\n"));
    }

    void testFramingHeadersFromPluginsAreLeftOut()
    {
        auto exchange = portico::test::makeExchange("GET", "/x");
        exchange->respond(200, "abc");
        auto& headers = exchange->response().headers;
        headers.add("content-length", "999");
        headers.add("Transfer-Encoding", "gzip");
        headers.add("CONNECTION", "upgrade");
        headers.add("Content-Language", "en");
        headers.add("Trailer", "x");
        const std::string text = head(exchange->response(), {http11, true, AnswerFraming::ContentLength, 3, date});
        CPPUNIT_ASSERT(text.find("999") == std::string::npos);
        CPPUNIT_ASSERT(text.find("gzip") == std::string::npos);
        CPPUNIT_ASSERT(text.find("upgrade") == std::string::npos);
        CPPUNIT_ASSERT(text.find("\r\nContent-Language: en\r\n") != std::string::npos);
        CPPUNIT_ASSERT(text.find("\r\nTrailer: x\r\n") != std::string::npos);
        CPPUNIT_ASSERT(text.find("\r\nContent-Length: 3\r\n") != std::string::npos);
    }

    void testEmptyContentTypeIsLeftOut()
    {
        auto exchange = portico::test::makeExchange("GET", "/x");
        exchange->respond(204, "", "");
        const std::string text = head(exchange->response(), {http11, true, AnswerFraming::ContentLength, 0, date});
        CPPUNIT_ASSERT_EQUAL(0u, static_cast<unsigned>(text.find("HTTP/1.1 204 No Content\r\n")));
        CPPUNIT_ASSERT(text.find("Content-Type") == std::string::npos);
    }

    void testHeadersThatWouldSplitTheAnswerAreDropped()
    {
        portico::DroppedFields dropped;
        const std::string text =
            head(response(200, {{"X-Before", "1"},
                                {"X-Split", "a\r\nSet-Cookie: stolen=1"},
                                {"X-Lf", "a\nSet-Cookie: stolen=2"},
                                {"X-Cr", "a\rb"},
                                {"X-Nul", std::string("a\0b", 3)},
                                {"X-Esc", "\x1b[31mred"},
                                {"X-Del", "a\x7f"},
                                {"X-After", "2"}}),
                 {http11, true, AnswerFraming::ContentLength, 0, date}, &dropped);
        ASSERT_LACKS(text, "Set-Cookie");
        ASSERT_LACKS(text, "X-Split");
        ASSERT_LACKS(text, "X-Nul");
        ASSERT_LACKS(text, "X-Esc");
        ASSERT_LACKS(text, "X-Del");
        // The others are sent, in their order.
        ASSERT_CONTAINS(text, "Content-Type: application/json\r\nX-Before: 1\r\nX-After: 2\r\nContent-Length: 0\r\n\r\n");
        CPPUNIT_ASSERT_EQUAL(std::size_t(6), dropped.count);
        CPPUNIT_ASSERT(!dropped.empty());
        CPPUNIT_ASSERT_EQUAL(std::string("header 'X-Split' (byte 0x0D in its value), header 'X-Lf' (byte 0x0A in its "
                                         "value), header 'X-Cr' (byte 0x0D in its value), header 'X-Nul' (byte 0x00 in "
                                         "its value), header 'X-Esc' (byte 0x1B in its value), header 'X-Del' (byte "
                                         "0x7F in its value)"),
                             dropped.description);
        // Values are never in the report (they may be secrets); only names.
        ASSERT_LACKS(dropped.description, "stolen");
    }

    void testNamesThatAreNotTokensAreDropped()
    {
        portico::DroppedFields dropped;
        const std::string text = head(response(200, {{"X-Ok", "1"},
                                                     {"Bad Name", "1"},
                                                     {"X-Inject\r\nSet-Cookie", "x=1"},
                                                     {"", "empty"},
                                                     {"X-Colon:", "1"},
                                                     {"caf\xC3\xA9", "1"},
                                                     {"X-Tab\t", "1"}}),
                                      {http11, false, AnswerFraming::ContentLength, 3, date}, &dropped);
        ASSERT_LACKS(text, "Set-Cookie");
        ASSERT_LACKS(text, "Bad Name");
        ASSERT_LACKS(text, "empty");
        ASSERT_CONTAINS(text, "\r\nX-Ok: 1\r\nContent-Length: 3\r\n\r\n");
        CPPUNIT_ASSERT_EQUAL(std::size_t(6), dropped.count);
        // Names are quoted printable: CR and LF never reach a log line either.
        ASSERT_CONTAINS(dropped.description, "header 'X-Inject\\x0D\\x0ASet-Cookie' (its name is not a token)");
        ASSERT_CONTAINS(dropped.description, "header 'Bad Name' (its name is not a token)");
        ASSERT_CONTAINS(dropped.description, "header '' (its name is not a token)");
        ASSERT_CONTAINS(dropped.description, "header 'caf\\xC3\\xA9' (its name is not a token)");
        for (const char c : dropped.description)
            CPPUNIT_ASSERT(c >= 0x20 && c < 0x7f);
    }

    void testFieldContentIsKept()
    {
        // HTAB, obs-text, inner and outer spaces, every token symbol: sent as they are.
        const std::string text = head(response(200, {{"X-Tab", "a\tb"},
                                                     {"X-Obs", "caf\xC3\xA9"},
                                                     {"X-Spaces", " a  b "},
                                                     {"X-Empty", ""},
                                                     {"!#$%&'*+-.^_`|~09azAZ", "v"}}),
                                      {http11, true, AnswerFraming::ContentLength, 0, date});
        ASSERT_CONTAINS(text, "\r\nX-Tab: a\tb\r\nX-Obs: caf\xC3\xA9\r\nX-Spaces:  a  b \r\nX-Empty: \r\n"
                              "!#$%&'*+-.^_`|~09azAZ: v\r\n");
    }

    void testDroppedListIsBounded()
    {
        portico::Response many = response(200);
        for (int i = 0; i < 12; ++i)
            many.headers.add("X-Bad-" + std::to_string(i), "\n");
        many.headers.add("X-Good", "yes");
        portico::DroppedFields dropped;
        const std::string text = head(many, {http11, true, AnswerFraming::ContentLength, 0, date}, &dropped);
        ASSERT_CONTAINS(text, "\r\nX-Good: yes\r\n");
        CPPUNIT_ASSERT_EQUAL(std::size_t(12), dropped.count);
        ASSERT_CONTAINS(dropped.description, "header 'X-Bad-7' (byte 0x0A in its value) and 4 more");
        ASSERT_LACKS(dropped.description, "X-Bad-8");
    }

    void testEveryByteAtEveryPlace()
    {
        // Names are checked 16 bytes at a time (SSE2): 8-15 bytes as one block of two halves
        // that overlap, 16-32 as two blocks that overlap, longer ones in a loop whose last
        // block overlaps; shorter ones byte by byte. Values are counted over the written
        // lines, 16 bytes at a time with a masked tail. Each byte value, at each place, is
        // judged as RFC 9110 judges it on its own.
        const std::pair<std::string, std::string> fields[] = {
            {"Abc-9z", "abc 9z"},                       // 6 bytes
            {"Abcdefgh-123", "abcdefgh 123"},           // 12: two halves
            {"Abcdefgh-1234567Z", "abcdefgh 1234567z"}, // 17: two blocks
            {"Abcdefgh-1234567-abcdefgh-12345Z", "abcdefgh 1234567 abcdefgh 12345z"}, // 32: two blocks
            {"Abcdefgh-1234567-abcdefgh-1234567-Xyz9", "abcdefgh 1234567 abcdefgh 1234567 xyz9"}, // 38
        };
        for (const auto& [name, value] : fields)
        {
            for (int byte = 0; byte < 256; ++byte)
            {
                const char c = static_cast<char>(byte);
                const bool token = portico::detail::isTokenChar(c);
                const bool content = byte == '\t' || (byte >= 0x20 && byte != 0x7f);
                for (std::size_t at = 0; at < name.size(); ++at)
                {
                    std::string badName = name;
                    badName[at] = c;
                    std::string badValue = value;
                    badValue[at] = c;
                    portico::DroppedFields dropped;
                    head(response(200, {{badName, "v"}, {"X-V", badValue}}),
                         {http11, true, AnswerFraming::ContentLength, 0, date}, &dropped);
                    const std::string where = "byte " + std::to_string(byte) + " at " + std::to_string(at);
                    CPPUNIT_ASSERT_EQUAL_MESSAGE(where, std::size_t(token ? 0 : 1) + (content ? 0 : 1), dropped.count);
                }
            }
        }
    }

    void testLongHeadsAreCheckedToTheirLastByte()
    {
        // The header lines are checked at once, 16 bytes at a time, summed every 255 blocks
        // (4,080 bytes; a line here is 74-76 bytes, and the strict parser that reads the head
        // back takes 100 fields, 4 of them the core's): heads of many sizes around those edges, clean, with a HTAB
        // (sent), or with a LF (left out) in the first, a middle or the last value.
        for (const std::size_t count : {1u, 2u, 53u, 54u, 55u, 56u, 96u})
            for (const std::size_t padding : {0u, 1u, 7u, 15u})
                for (const std::size_t at : {std::size_t(0), count / 2, count - 1})
                    for (const char odd : {'v', '\t', '\n'})
                    {
                        portico::Response many = response(200);
                        for (std::size_t i = 0; i < count; ++i)
                            many.headers.add("X-Header-" + std::to_string(i),
                                             std::string(i == at ? padding + 57 : 61, 'v') + (i == at ? std::string(1, odd) : ""));
                        portico::DroppedFields dropped;
                        const std::string text = head(many, {http11, true, AnswerFraming::ContentLength, 0, date}, &dropped);
                        const std::string where = std::to_string(count) + " headers, byte " +
                                                  std::to_string(static_cast<int>(odd)) + " in X-Header-" + std::to_string(at);
                        const bool sent = odd != '\n';
                        CPPUNIT_ASSERT_EQUAL_MESSAGE(where, std::size_t(sent ? 0 : 1), dropped.count);
                        const std::string line = "\r\nX-Header-" + std::to_string(at) + ": ";
                        CPPUNIT_ASSERT_EQUAL_MESSAGE(where, sent, text.find(line) != std::string::npos);
                        if (!sent)
                            CPPUNIT_ASSERT_EQUAL_MESSAGE(where, "header 'X-Header-" + std::to_string(at) +
                                                                    "' (byte 0x0A in its value)",
                                                         dropped.description);
                        // Every other header is there, in its order.
                        std::size_t from = 0;
                        for (std::size_t i = 0; i < count; ++i)
                        {
                            if (i == at && !sent)
                                continue;
                            const std::size_t found = text.find("\r\nX-Header-" + std::to_string(i) + ": ", from);
                            CPPUNIT_ASSERT_MESSAGE(where + ", X-Header-" + std::to_string(i), found != std::string::npos);
                            from = found + 1;
                        }
                    }
    }

    void testLaneCountsCannotWrapAround()
    {
        // 4,096 LFs in one value are 256 in each of the 16 byte lanes that count them: a lane
        // summed only at the end would wrap to 0 and pass the value as clean.
        for (const char odd : {'\n', '\t'})
        {
            portico::DroppedFields dropped;
            const std::string text = head(response(200, {{"X-Big", std::string(4096, odd)}, {"X-After", "1"}}),
                                          {http11, true, AnswerFraming::ContentLength, 0, date}, &dropped);
            const bool sent = odd == '\t';
            CPPUNIT_ASSERT_EQUAL(sent, text.find("X-Big") != std::string::npos);
            CPPUNIT_ASSERT_EQUAL(std::size_t(sent ? 0 : 1), dropped.count);
            ASSERT_CONTAINS(text, "\r\nX-After: 1\r\n");
        }
    }

    void testUnsendableContentTypeIsOctetStream()
    {
        portico::Response bad = response(200, {{"X-A", "1"}});
        bad.contentType = "text/html\r\nSet-Cookie: stolen=1";
        portico::DroppedFields dropped;
        const std::string text = head(bad, {http11, true, AnswerFraming::ContentLength, 5, date}, &dropped);
        ASSERT_CONTAINS(text, "\r\nContent-Type: application/octet-stream\r\nX-A: 1\r\n");
        ASSERT_LACKS(text, "text/html");
        ASSERT_LACKS(text, "Set-Cookie");
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), dropped.count);
        CPPUNIT_ASSERT_EQUAL(std::string("Content-Type (byte 0x0D in its value; sent as application/octet-stream)"),
                             dropped.description);
        // obs-text and HTAB are not a reason.
        bad.contentType = "text/plain;\tcharset=\xff";
        ASSERT_CONTAINS(head(bad, {http11, true, AnswerFraming::ContentLength, 5, date}),
                        "Content-Type: text/plain;\tcharset=\xff\r\n");
    }

    void testStatusOutsideTheRangeIsSentAs500()
    {
        // A 1xx is not a final answer either (a 101 would tell a proxy the protocol switched).
        for (const int status : {0, -1, 99, 100, 101, 103, 199, 600, 1000, 12345})
        {
            portico::DroppedFields dropped;
            const std::string text = head(response(status), {http11, true, AnswerFraming::ContentLength, 2, date}, &dropped);
            CPPUNIT_ASSERT_EQUAL(0u, static_cast<unsigned>(text.find("HTTP/1.1 500 Internal Server Error\r\n")));
            ASSERT_CONTAINS(text, "\r\nContent-Length: 2\r\n");
            CPPUNIT_ASSERT_EQUAL(std::size_t(1), dropped.count);
            CPPUNIT_ASSERT_EQUAL("status " + std::to_string(status) + " (not a final status, 200..599; sent as 500)",
                                 dropped.description);
        }
        // Any 3-digit status in range is sent, known or not.
        ASSERT_CONTAINS(head(response(599), {http11, true, AnswerFraming::ContentLength, 0, date}), "HTTP/1.1 599 ");
        ASSERT_CONTAINS(head(response(299), {http11, true, AnswerFraming::ContentLength, 0, date}), "HTTP/1.1 299 ");
    }

    void testStreamDefaultsReplaceUnsendableOnes()
    {
        portico::DroppedFields dropped;
        ResponseHeadSpec spec{http11, true, AnswerFraming::Chunked, 0, date};
        spec.stream = true;
        const std::string text =
            head(response(200, {{"Cache-Control", "no-store\r\nX: 1"}, {"X-Accel-Buffering", std::string("\0", 1)}}), spec, &dropped);
        ASSERT_CONTAINS(text, "\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no\r\nTransfer-Encoding: chunked\r\n");
        ASSERT_LACKS(text, "no-store");
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), dropped.count);
    }

    void testStatusesWithoutContent()
    {
        // 204: no Content-Length, no Transfer-Encoding, no Content-Type, whatever the caller's
        // framing; the other headers as usual.
        for (const int status : {204})
            for (const AnswerFraming framing :
                 {AnswerFraming::ContentLength, AnswerFraming::Chunked, AnswerFraming::UntilClose})
            {
                ResponseHeadSpec spec{http11, true, framing, 42, date};
                spec.stream = framing != AnswerFraming::ContentLength;
                portico::Response answer = response(status, {{"X-A", "1"}, {"Content-Length", "7"}});
                const std::string text = head(answer, spec);
                const std::string line = "HTTP/1.1 " + std::to_string(status) + " ";
                CPPUNIT_ASSERT_EQUAL(0u, static_cast<unsigned>(text.find(line)));
                ASSERT_LACKS(text, "Content-Length");
                ASSERT_LACKS(text, "Transfer-Encoding");
                ASSERT_LACKS(text, "Content-Type");
                ASSERT_CONTAINS(text, "\r\nX-A: 1\r\n");
                CPPUNIT_ASSERT_EQUAL(text.size() - 4, text.find("\r\n\r\n"));
            }
        // Through a chain: a handler's 204 with a body and a type.
        auto exchange = portico::test::makeExchange("DELETE", "/x");
        exchange->respond(204, "ignored", "text/plain");
        const std::string text =
            head(exchange->response(), {http11, true, AnswerFraming::ContentLength, 7, date});
        CPPUNIT_ASSERT_EQUAL(0u, static_cast<unsigned>(text.find("HTTP/1.1 204 No Content\r\n")));
        ASSERT_LACKS(text, "Content-Length");
        ASSERT_LACKS(text, "text/plain");
    }

    void testNotModifiedKeepsContentType()
    {
        // 304: no framing header (its Content-Length would be the representation's, not this
        // message's; simplest to send none), the Content-Type of the representation stays.
        for (const AnswerFraming framing : {AnswerFraming::ContentLength, AnswerFraming::Chunked})
        {
            portico::Response answer = response(304, {{"ETag", "\"v1\""}});
            answer.contentType = "text/plain";
            const std::string text = head(answer, {http11, true, framing, 10, date});
            CPPUNIT_ASSERT_EQUAL(0u, static_cast<unsigned>(text.find("HTTP/1.1 304 Not Modified\r\n")));
            ASSERT_LACKS(text, "Content-Length");
            ASSERT_LACKS(text, "Transfer-Encoding");
            ASSERT_CONTAINS(text, "\r\nContent-Type: text/plain\r\nETag: \"v1\"\r\n\r\n");
        }
    }

    void testStatusAllowsBody()
    {
        for (const int status : {204, 304})
            CPPUNIT_ASSERT_MESSAGE(std::to_string(status), !portico::statusAllowsBody(status));
        // 1xx and out-of-range statuses go out as 500, which has a body.
        for (const int status : {0, 99, 100, 101, 199, 200, 201, 202, 203, 205, 206, 299, 300, 301, 303, 305, 400, 404, 500, 599, 600})
            CPPUNIT_ASSERT_MESSAGE(std::to_string(status), portico::statusAllowsBody(status));
        static_assert(!portico::statusAllowsBody(204), "usable in constant expressions");
    }

    void testHttp10IsNeverChunked()
    {
        // RFC 9112 §6.1: no Transfer-Encoding to an HTTP/1.0 client (e.g. a HEAD request's
        // stream head, which carries no body to delimit).
        ResponseHeadSpec spec{http10, true, AnswerFraming::Chunked, 0, date};
        spec.stream = true;
        const std::string text = head(response(200), spec);
        CPPUNIT_ASSERT_EQUAL(0u, static_cast<unsigned>(text.find("HTTP/1.0 200 OK\r\n")));
        ASSERT_LACKS(text, "Transfer-Encoding");
        ASSERT_LACKS(text, "Content-Length");
    }

    void testChunkSize()
    {
        std::string out;
        portico::appendChunkSize(out, 0x1a2);
        portico::appendChunkSize(out, 1);
        portico::appendChunkSize(out, 65536);
        CPPUNIT_ASSERT_EQUAL(std::string("1a2\r\n1\r\n10000\r\n"), out);
    }

    void testHttpDate()
    {
        std::string out;
        portico::appendHttpDate(out, 784111777); // RFC 9110's example
        CPPUNIT_ASSERT_EQUAL(std::string("Sun, 06 Nov 1994 08:49:37 GMT"), out);
        out.clear();
        portico::appendHttpDate(out, 0);
        CPPUNIT_ASSERT_EQUAL(std::string("Thu, 01 Jan 1970 00:00:00 GMT"), out);
        out.clear();
        portico::appendHttpDate(out, 1795639200); // 2026-11-25 20:40:00 UTC
        CPPUNIT_ASSERT_EQUAL(date, out);
    }

    void testHttpDateNow()
    {
        const std::time_t before = std::time(nullptr) - 1; // the coarse clock may lag a tick behind
        const std::string first = portico::httpDateNow();
        const std::string second = portico::httpDateNow(); // from the cache, unless a second passed
        const std::time_t after = std::time(nullptr);
        const auto within = [&](const std::string& value) {
            for (std::time_t t = before; t <= after; ++t)
            {
                std::string formatted;
                portico::appendHttpDate(formatted, t);
                if (formatted == value)
                    return true;
            }
            return false;
        };
        CPPUNIT_ASSERT_MESSAGE(first, within(first));
        CPPUNIT_ASSERT_MESSAGE(second, within(second));
    }

private:
    std::unique_ptr<ChainHarness> harness_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(ResponseHeadTest);
