// Every kind of answer from the installed porticod carries the five security headers, X-Trace-Id
// and X-Request-Id: 200, HEAD, 404, 405, 413 (declared and chunked), 500 from a handler, a
// request hook and a response hook, and another plugin's short-circuit.

#include "IntegrationConfigs.h"
#include "PorticodProcess.h"
#include "Poco/String.h"
#include <cppunit/extensions/HelperMacros.h>
#include <memory>

using namespace portico::test;

namespace {

/// One porticod for the whole suite: every test here only reads from it.
PorticodProcess& server()
{
    static std::unique_ptr<PorticodProcess> process;
    if (!process)
        process = std::make_unique<PorticodProcess>(probeChainIni);
    return *process;
}

HttpResult get(const std::string& path, const std::map<std::string, std::string>& headers = {})
{
    return httpRequest(server().port(), "GET", path, "", headers);
}

} // namespace

class ResponseHeadersTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ResponseHeadersTest);
    CPPUNIT_TEST(testHealthz);
    CPPUNIT_TEST(testHeadHealthz);
    CPPUNIT_TEST(testReadyz);
    CPPUNIT_TEST(testNotFound);
    CPPUNIT_TEST(testMethodNotAllowed);
    CPPUNIT_TEST(testHandlerThrows);
    CPPUNIT_TEST(testRequestHookThrows);
    CPPUNIT_TEST(testResponseHookThrows);
    CPPUNIT_TEST(testHandlerReturnsWithoutAnswer);
    CPPUNIT_TEST(testShortCircuit);
    CPPUNIT_TEST(testTraceIdsAreUniqueAndTraceparentIsHonoured);
    CPPUNIT_TEST(testBodyWithinTheLimit);
    CPPUNIT_TEST(testDeclaredBodyOverTheLimit);
    CPPUNIT_TEST(testChunkedBodyOverTheLimit);
    CPPUNIT_TEST_SUITE_END();

public:
    void testHealthz()
    {
        const HttpResult result = get("/healthz");
        CPPUNIT_ASSERT_EQUAL(200, result.status);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"status\":\"ok\"}"), result.body);
        CPPUNIT_ASSERT_EQUAL(std::string("application/json"), result.header("Content-Type"));
        assertGatewayHeaders(result, "200 /healthz");
    }

    void testHeadHealthz()
    {
        const HttpResult result = httpRequest(server().port(), "HEAD", "/healthz");
        CPPUNIT_ASSERT_EQUAL(200, result.status);
        CPPUNIT_ASSERT(result.body.empty());
        CPPUNIT_ASSERT_EQUAL(std::string("15"), result.header("Content-Length"));
        assertGatewayHeaders(result, "HEAD /healthz");
    }

    void testReadyz()
    {
        const HttpResult result = get("/readyz");
        CPPUNIT_ASSERT_EQUAL(200, result.status);
        PORTICO_ASSERT_CONTAINS(result.body, "ready");
        assertGatewayHeaders(result, "200 /readyz");
    }

    void testNotFound()
    {
        const HttpResult result = get("/v1/nothing-here?x=1");
        assertOpenAiError(result, 404, "not_found");
        PORTICO_ASSERT_CONTAINS(result.body, "/v1/nothing-here");
        assertGatewayHeaders(result, "404");
    }

    void testMethodNotAllowed()
    {
        const HttpResult result = httpRequest(server().port(), "POST", "/healthz", "{}");
        assertOpenAiError(result, 405, "method_not_allowed");
        CPPUNIT_ASSERT_EQUAL(std::string("GET, HEAD"), result.header("Allow"));
        assertGatewayHeaders(result, "405");
    }

    void testHandlerThrows()
    {
        const HttpResult result = get("/probe_b/throw");
        assertOpenAiError(result, 500, "server_error");
        PORTICO_ASSERT_NOT_CONTAINS(result.body, "test fixture"); // the exception text stays in the log
        assertGatewayHeaders(result, "500 from a handler");
        CPPUNIT_ASSERT(server().waitForOutput("probe_b handler throws (test fixture)", 5));
    }

    void testRequestHookThrows()
    {
        const HttpResult result = get("/boom");
        assertOpenAiError(result, 500, "server_error");
        assertGatewayHeaders(result, "500 from a request hook");
        // probe_a's own response hook ran too (its request hook ran, if only to throw).
        CPPUNIT_ASSERT_EQUAL(std::string("probe_a"), result.header("X-Probe-Response-Trail"));
    }

    void testResponseHookThrows()
    {
        const HttpResult result = get("/headboom");
        assertOpenAiError(result, 500, "server_error");
        assertGatewayHeaders(result, "500 from a response hook");
        CPPUNIT_ASSERT_EQUAL(std::string("probe_b,probe_a"), result.header("X-Probe-Response-Trail"));
    }

    void testHandlerReturnsWithoutAnswer()
    {
        const HttpResult result = get("/probe_b/silent");
        assertOpenAiError(result, 500, "server_error");
        assertGatewayHeaders(result, "500 from a silent handler");
    }

    void testShortCircuit()
    {
        const HttpResult result = get("/short");
        assertOpenAiError(result, 418, "probe_answer");
        assertGatewayHeaders(result, "probe_a's short-circuit");
        // probe_b, further in, never saw the request.
        CPPUNIT_ASSERT_EQUAL(std::string("probe_a"), result.header("X-Probe-Request-Trail"));
        CPPUNIT_ASSERT_EQUAL(std::string("probe_a"), result.header("X-Probe-Response-Trail"));
    }

    void testTraceIdsAreUniqueAndTraceparentIsHonoured()
    {
        const std::string first = get("/healthz").header("X-Trace-Id");
        const std::string second = get("/healthz").header("X-Trace-Id");
        CPPUNIT_ASSERT(first != second);
        const std::string trace = "0af7651916cd43dd8448eb211c80319c";
        const HttpResult joined = get("/healthz", {{"traceparent", "00-" + trace + "-b7ad6b7169203331-01"}});
        CPPUNIT_ASSERT_EQUAL(trace, joined.header("X-Trace-Id"));
        CPPUNIT_ASSERT_EQUAL(trace, joined.header("X-Request-Id"));
        const HttpResult malformed = get("/healthz", {{"traceparent", "00-" + Poco::toUpper(trace) + "-b7ad6b7169203331-01"}});
        CPPUNIT_ASSERT(isTraceId(malformed.header("X-Trace-Id")));
        CPPUNIT_ASSERT(malformed.header("X-Trace-Id") != trace);
    }

    void testBodyWithinTheLimit()
    {
        const std::string body(1024, 'x');
        const HttpResult result = httpRequest(server().port(), "POST", "/probe_b/echo", body, {{"Content-Type", "text/plain"}});
        CPPUNIT_ASSERT_EQUAL(200, result.status);
        CPPUNIT_ASSERT_EQUAL(body, result.body);
        assertGatewayHeaders(result, "200 echo");
        // The same within the limit, chunked.
        const RawResult chunked = rawRequest(server().port(), "POST /probe_b/echo HTTP/1.1\r\nHost: x\r\n"
                                                              "Transfer-Encoding: chunked\r\n\r\n"
                                                              "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
        CPPUNIT_ASSERT_EQUAL(200, chunked.status);
        PORTICO_ASSERT_CONTAINS(chunked.raw, "\r\n\r\nhello world");
    }

    void testDeclaredBodyOverTheLimit()
    {
        // 10 MB declared, 64 KiB sent: the answer must come without the server waiting for the rest.
        const std::string request = "POST /probe_b/echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                                    "Content-Length: 10485760\r\n\r\n" + std::string(65536, 'x');
        const RawResult result = rawRequestUntilClosed(server().port(), request, 5);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(result.raw, 413, result.status);
        CPPUNIT_ASSERT_MESSAGE("the connection must be closed", result.closedByServer);
        CPPUNIT_ASSERT(!result.arrivals.empty() && result.arrivals.front().ms < 2000);
        const std::string head = rawHead(result);
        PORTICO_ASSERT_CONTAINS(head, "connection: close");
        PORTICO_ASSERT_CONTAINS(head, "strict-transport-security: max-age=31536000; includesubdomains");
        PORTICO_ASSERT_CONTAINS(head, "x-trace-id: ");
        PORTICO_ASSERT_CONTAINS(result.raw, "\"code\":\"request_too_large\"");
    }

    void testChunkedBodyOverTheLimit()
    {
        std::string request = "POST /probe_b/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
        for (int i = 0; i < 4; ++i)
            request += "200\r\n" + std::string(512, 'y') + "\r\n"; // 4 x 512 bytes > 1024
        request += "0\r\n\r\n";
        const RawResult result = rawRequestUntilClosed(server().port(), request, 5);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(result.raw, 413, result.status);
        CPPUNIT_ASSERT(result.closedByServer);
        const std::string head = rawHead(result);
        PORTICO_ASSERT_CONTAINS(head, "connection: close");
        PORTICO_ASSERT_CONTAINS(head, "x-frame-options: deny");
        PORTICO_ASSERT_CONTAINS(head, "x-request-id: ");
        PORTICO_ASSERT_CONTAINS(result.raw, "\"code\":\"request_too_large\"");
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ResponseHeadersTest);
