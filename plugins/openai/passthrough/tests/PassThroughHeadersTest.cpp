// passThroughRequest and relayAnswerHeaders on a real Exchange: what goes upstream (the target,
// the body, the headers without the hop-by-hop ones and without the client's key) and what
// comes back; hasDotSegment and forwardedAddress.

#include "PassThroughHeaders.h"
#include "portico/AsciiCase.h"
#include "portico/Attributes.h"
#include <cppunit/extensions/HelperMacros.h>

using portico::Exchange;
using portico::HeaderList;
using portico::UpstreamAnswer;
using portico::UpstreamRequest;
using namespace portico::openai;

namespace {

UpstreamConfig upstreamAt(const std::string& basePath, const std::string& key = "")
{
    UpstreamConfig upstream;
    upstream.name = "svc";
    upstream.basePath = basePath;
    upstream.apiKey = key;
    return upstream;
}

std::vector<std::string> valuesOf(const HeaderList& headers, const std::string& name)
{
    std::vector<std::string> values;
    for (const auto& [field, value] : headers)
        if (portico::equalsIgnoringCase(field, name))
            values.push_back(value);
    return values;
}

using Strings = std::vector<std::string>;

} // namespace

class PassThroughHeadersTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(PassThroughHeadersTest);
    CPPUNIT_TEST(testTargetAndBody);
    CPPUNIT_TEST(testHopByHopAndKeyStayHere);
    CPPUNIT_TEST(testUpstreamKeyAndTraceparent);
    CPPUNIT_TEST(testForwardedFor);
    CPPUNIT_TEST(testAnswerHeaders);
    CPPUNIT_TEST(testDotSegments);
    CPPUNIT_TEST(testForwardedAddress);
    CPPUNIT_TEST_SUITE_END();

public:
    void testTargetAndBody()
    {
        Exchange exchange("PATCH", "/v1/dreams/42?verbose=1&x=%20y", HeaderList(), "{\"a\": 1}", "127.0.0.1:5000");
        const UpstreamRequest request = passThroughRequest(exchange, upstreamAt("/v1"));
        CPPUNIT_ASSERT_EQUAL(std::string("PATCH"), request.method);
        // The path below the URL's /v1 (not doubled), the query as sent.
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/dreams/42?verbose=1&x=%20y"), request.target);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"a\": 1}"), request.body);
        CPPUNIT_ASSERT(!request.retryBusy);
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), request.maxBodyBytes);
        Exchange rooted("GET", "/v1/dreams", HeaderList(), "", "127.0.0.1:5000");
        CPPUNIT_ASSERT_EQUAL(std::string("/api/v1/dreams"), passThroughRequest(rooted, upstreamAt("/api")).target);
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/dreams"), passThroughRequest(rooted, upstreamAt("")).target);
    }

    void testHopByHopAndKeyStayHere()
    {
        HeaderList headers;
        headers.add("Host", "gateway.example");
        headers.add("Authorization", "Bearer sk-client-key");
        headers.add("Proxy-Authorization", "Basic abc");
        headers.add("Connection", "keep-alive, X-Hop");
        headers.add("X-Hop", "only for this connection");
        headers.add("Keep-Alive", "timeout=5");
        headers.add("TE", "trailers");
        headers.add("Upgrade", "websocket");
        headers.add("Content-Length", "2");
        headers.add("Expect", "100-continue");
        headers.add("Accept-Encoding", "gzip, br");
        headers.add("Content-Type", "application/json");
        headers.add("Cookie", "session=1");
        headers.add("X-Custom", "one");
        headers.add("x-custom", "two");
        Exchange exchange("POST", "/v1/feedback", std::move(headers), "{}", "127.0.0.1:5000");
        const UpstreamRequest request = passThroughRequest(exchange, upstreamAt("/v1"));
        for (const char* gone : {"Host", "Authorization", "Proxy-Authorization", "Connection", "X-Hop", "Keep-Alive",
                                 "TE", "Upgrade", "Content-Length", "Expect"})
            CPPUNIT_ASSERT_MESSAGE(gone, !request.headers.has(gone));
        CPPUNIT_ASSERT((Strings{"identity"}) == valuesOf(request.headers, "Accept-Encoding"));
        CPPUNIT_ASSERT((Strings{"application/json"}) == valuesOf(request.headers, "Content-Type"));
        CPPUNIT_ASSERT((Strings{"session=1"}) == valuesOf(request.headers, "Cookie"));
        // Repeated fields keep their order and their names as sent.
        CPPUNIT_ASSERT((Strings{"one", "two"}) == valuesOf(request.headers, "X-Custom"));
        for (const auto& [name, value] : request.headers)
            CPPUNIT_ASSERT(value.find("sk-client-key") == std::string::npos);
    }

    void testUpstreamKeyAndTraceparent()
    {
        HeaderList headers;
        headers.add("Authorization", "Bearer sk-client-key");
        headers.add("traceparent", "00-11111111111111111111111111111111-2222222222222222-01");
        Exchange exchange("GET", "/v1/dreams", std::move(headers), "", "127.0.0.1:5000");
        UpstreamRequest request = passThroughRequest(exchange, upstreamAt("/v1", "sk-upstream"));
        CPPUNIT_ASSERT((Strings{"Bearer sk-upstream"}) == valuesOf(request.headers, "Authorization"));
        // Tracing off: the client's traceparent goes on.
        CPPUNIT_ASSERT((Strings{"00-11111111111111111111111111111111-2222222222222222-01"}) ==
                       valuesOf(request.headers, "traceparent"));
        // Tracing on: the gateway's span is the upstream's parent.
        exchange.set(portico::attr::TraceparentOut, "00-11111111111111111111111111111111-3333333333333333-01");
        request = passThroughRequest(exchange, upstreamAt("/v1", "sk-upstream"));
        CPPUNIT_ASSERT((Strings{"00-11111111111111111111111111111111-3333333333333333-01"}) ==
                       valuesOf(request.headers, "traceparent"));
    }

    void testForwardedFor()
    {
        HeaderList headers;
        headers.add("X-Forwarded-For", "203.0.113.1");
        headers.add("X-Forwarded-For", "198.51.100.2, 10.0.0.3");
        Exchange exchange("GET", "/v1/dreams", std::move(headers), "", "10.1.2.3:40000");
        CPPUNIT_ASSERT((Strings{"203.0.113.1, 198.51.100.2, 10.0.0.3, 10.1.2.3"}) ==
                       valuesOf(passThroughRequest(exchange, upstreamAt("")).headers, "X-Forwarded-For"));
        Exchange direct("GET", "/v1/dreams", HeaderList(), "", "[::1]:40000");
        CPPUNIT_ASSERT((Strings{"::1"}) == valuesOf(passThroughRequest(direct, upstreamAt("")).headers, "X-Forwarded-For"));
    }

    void testAnswerHeaders()
    {
        UpstreamAnswer answer;
        answer.status = 200;
        answer.headers.add("Content-Type", "application/json");
        answer.headers.add("Content-Length", "12");
        answer.headers.add("Date", "Sun, 06 Dec 2026 09:00:00 GMT");
        answer.headers.add("Connection", "keep-alive, X-Upstream-Hop");
        answer.headers.add("X-Upstream-Hop", "1");
        answer.headers.add("Keep-Alive", "timeout=5");
        answer.headers.add("Transfer-Encoding", "chunked");
        answer.headers.add("X-Request-Id", "up-123");
        answer.headers.add("Set-Cookie", "a=1");
        answer.headers.add("Set-Cookie", "b=2");
        answer.headers.add("X-Dream", "lucid");
        HeaderList relayed;
        relayAnswerHeaders(answer, relayed);
        for (const char* gone : {"Content-Type", "Content-Length", "Date", "Connection", "X-Upstream-Hop",
                                 "Keep-Alive", "Transfer-Encoding", "X-Request-Id"})
            CPPUNIT_ASSERT_MESSAGE(gone, !relayed.has(gone));
        CPPUNIT_ASSERT((Strings{"up-123"}) == valuesOf(relayed, "X-Upstream-Request-Id"));
        CPPUNIT_ASSERT((Strings{"a=1", "b=2"}) == valuesOf(relayed, "Set-Cookie"));
        CPPUNIT_ASSERT((Strings{"lucid"}) == valuesOf(relayed, "X-Dream"));
    }

    void testDotSegments()
    {
        for (const char* path : {"/v1/dreams/../admin", "/v1/dreams/./x", "/v1/dreams/..", "/v1/dreams/%2e%2e/admin",
                                 "/v1/dreams/%2E./admin", "/v1/dreams/.%2e", "/v1/dreams/%2e"})
            CPPUNIT_ASSERT_MESSAGE(path, hasDotSegment(path));
        for (const char* path : {"/v1/dreams", "/v1/dreams/a.b", "/v1/dreams/...", "/v1/dreams/..x", "/v1/dreams/%2ex",
                                 "/v1/dreams/%2", "/v1/dreams/"})
            CPPUNIT_ASSERT_MESSAGE(path, !hasDotSegment(path));
    }

    void testForwardedAddress()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"), forwardedAddress("127.0.0.1:5000"));
        CPPUNIT_ASSERT_EQUAL(std::string("2001:db8::1"), forwardedAddress("[2001:db8::1]:443"));
        CPPUNIT_ASSERT_EQUAL(std::string("-"), forwardedAddress("-"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PassThroughHeadersTest);
