// ResponseParser: every framing the load generator meets (Content-Length, chunked, until close,
// no body), fed whole and one byte at a time, keep-alive decisions, and the failures it reports.

#include "ResponseParser.h"
#include <cppunit/extensions/HelperMacros.h>
#include <string>

using portico::loadgen::ResponseParser;

namespace {

struct Parsed
{
    std::string body;
    std::size_t used = 0;
    bool done = false;
    bool failed = false;
    int status = 0;
    bool keepAlive = false;
    std::string error;
};

// Feeds `wire` in pieces of `piece` bytes (0: all at once); `eof` closes the input at the end.
Parsed parse(const std::string& wire, std::size_t piece, bool eof = false)
{
    Parsed out;
    ResponseParser parser([&](std::string_view data) { out.body.append(data); });
    const std::size_t step = piece == 0 ? wire.size() : piece;
    for (std::size_t at = 0; at < wire.size() && !parser.done() && !parser.failed(); at += step)
    {
        const std::size_t size = std::min(step, wire.size() - at);
        const std::size_t used = parser.feed(wire.data() + at, size);
        out.used += used;
        if (used < size)
            break;
    }
    if (eof)
        parser.endOfInput();
    out.done = parser.done();
    out.failed = parser.failed();
    out.status = parser.headComplete() ? parser.status() : 0;
    out.keepAlive = parser.keepAlive();
    out.error = parser.error();
    return out;
}

} // namespace

class ResponseParserTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ResponseParserTest);
    CPPUNIT_TEST(testContentLength);
    CPPUNIT_TEST(testChunkedInEverySplit);
    CPPUNIT_TEST(testStopsAtTheEndOfOneResponse);
    CPPUNIT_TEST(testUntilClose);
    CPPUNIT_TEST(testNoBodyStatuses);
    CPPUNIT_TEST(testConnectionClose);
    CPPUNIT_TEST(testFailures);
    CPPUNIT_TEST(testReset);
    CPPUNIT_TEST_SUITE_END();

public:
    void testContentLength()
    {
        const std::string wire = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-length: 15\r\n\r\n"
                                 "{\"status\":\"ok\"}";
        for (std::size_t piece : {0, 1, 7})
        {
            const Parsed p = parse(wire, piece);
            CPPUNIT_ASSERT(p.done);
            CPPUNIT_ASSERT_EQUAL(200, p.status);
            CPPUNIT_ASSERT_EQUAL(std::string("{\"status\":\"ok\"}"), p.body);
            CPPUNIT_ASSERT(p.keepAlive);
            CPPUNIT_ASSERT_EQUAL(wire.size(), p.used);
        }
    }

    void testChunkedInEverySplit()
    {
        const std::string wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 "6\r\ndata: \r\nA;ext=1\r\n[DONE]\n\n\r\n\r\n0\r\nX-Trailer: y\r\n\r\n";
        for (std::size_t piece = 0; piece <= wire.size(); ++piece)
        {
            const Parsed p = parse(wire, piece);
            CPPUNIT_ASSERT_MESSAGE("piece " + std::to_string(piece), p.done);
            CPPUNIT_ASSERT_EQUAL(std::string("data: [DONE]\n\n\r\n"), p.body);
            CPPUNIT_ASSERT_EQUAL(wire.size(), p.used);
        }
    }

    void testStopsAtTheEndOfOneResponse()
    {
        const std::string first = "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno";
        const Parsed p = parse(first + "HTTP/1.1 200 OK\r\n", 0);
        CPPUNIT_ASSERT(p.done);
        CPPUNIT_ASSERT_EQUAL(404, p.status);
        CPPUNIT_ASSERT_EQUAL(first.size(), p.used);
    }

    void testUntilClose()
    {
        const std::string wire = "HTTP/1.0 200 OK\r\n\r\nall of it";
        const Parsed open = parse(wire, 3);
        CPPUNIT_ASSERT(!open.done && !open.failed);
        const Parsed closed = parse(wire, 3, true);
        CPPUNIT_ASSERT(closed.done);
        CPPUNIT_ASSERT_EQUAL(std::string("all of it"), closed.body);
        CPPUNIT_ASSERT(!closed.keepAlive);
    }

    void testNoBodyStatuses()
    {
        CPPUNIT_ASSERT(parse("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", 0).done);
        CPPUNIT_ASSERT(parse("HTTP/1.1 304 Not Modified\r\n\r\n", 0).done);
        CPPUNIT_ASSERT(parse("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0).done);
    }

    void testConnectionClose()
    {
        const Parsed p = parse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx", 0);
        CPPUNIT_ASSERT(p.done);
        CPPUNIT_ASSERT(!p.keepAlive);
        CPPUNIT_ASSERT(parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx", 0).keepAlive);
    }

    void testFailures()
    {
        CPPUNIT_ASSERT(parse("SSH-2.0-OpenSSH\r\n\r\n", 0).failed);
        CPPUNIT_ASSERT(parse("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", 0).failed);
        CPPUNIT_ASSERT(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0).failed);
        CPPUNIT_ASSERT(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n", 0).failed);
        const Parsed cut = parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 0, true);
        CPPUNIT_ASSERT(cut.failed);
        CPPUNIT_ASSERT(cut.error.find("middle") != std::string::npos);
        const Parsed none = parse("", 0, true);
        CPPUNIT_ASSERT(none.failed);
        CPPUNIT_ASSERT(none.error.find("before a response") != std::string::npos);
        CPPUNIT_ASSERT(parse("HTTP/1.1 200 OK\r\nX: " + std::string(70000, 'a'), 1000).failed);
    }

    void testReset()
    {
        std::string body;
        ResponseParser parser([&](std::string_view data) { body.append(data); });
        const std::string one = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na";
        const std::string two = "HTTP/1.1 500 Oops\r\nContent-Length: 1\r\n\r\nb";
        parser.feed(one.data(), one.size());
        CPPUNIT_ASSERT(parser.done());
        parser.reset();
        CPPUNIT_ASSERT(!parser.headComplete());
        parser.feed(two.data(), two.size());
        CPPUNIT_ASSERT(parser.done());
        CPPUNIT_ASSERT_EQUAL(500, parser.status());
        CPPUNIT_ASSERT_EQUAL(std::string("ab"), body);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ResponseParserTest);
