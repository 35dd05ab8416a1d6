// ResponseHead and HttpDate: the head porticod writes itself (status line, Date, Connection,
// Content-Type, the exchange's headers in order, the framing header) for answers produced by a
// real Exchange walking a real chain into a MemorySink, and the Date value's format.

#include "ChainHarness.h"
#include "http/HttpDate.h"
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

std::string head(const portico::Response& response, const ResponseHeadSpec& spec)
{
    std::string out = "(kept)";
    portico::appendResponseHead(out, response, spec);
    CPPUNIT_ASSERT_EQUAL_MESSAGE("appends to what is there", std::string("(kept)"), out.substr(0, 6));
    return out.substr(6);
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
