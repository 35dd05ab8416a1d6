// Request heads and bodies over the limits: each gets an answer in OpenAI's JSON shape (with
// the plugins' headers) and the connection is closed, without the server reading what it
// refused.

#include "PorticodProcess.h"
#include "RawConnection.h"
#include "TestAsserts.h"
#include <cppunit/extensions/HelperMacros.h>
#include <memory>
#include <string>

using namespace portico::test;

namespace {

const std::string limitsIni = R"([server]
listen = 127.0.0.1:{port}
max_body_bytes = 1024
header_timeout_seconds = 3
idle_timeout_seconds = 60
[plugins]
path = {plugins}
order = tracing, security, probe_b
[probe_b]
routes = true
)";

/// Checks an answer: `status`, JSON content type, OpenAI's error shape with `code`, a trace id.
void assertJsonError(const std::string& raw, int status, const std::string& code)
{
    CPPUNIT_ASSERT_EQUAL_MESSAGE(raw, status, statusOf(raw));
    const std::string head = lowerHeadOf(raw);
    PORTICO_ASSERT_CONTAINS(head, "content-type: application/json");
    PORTICO_ASSERT_CONTAINS(head, "x-trace-id: ");
    PORTICO_ASSERT_CONTAINS(head, "x-content-type-options: nosniff");
    const std::string body = bodyOf(raw);
    PORTICO_ASSERT_CONTAINS(body, "{\"error\":{\"message\":");
    PORTICO_ASSERT_CONTAINS(body, "\"code\":\"" + code + "\"");
}

/// Sends `bytes` on a new connection and reads until the server closes it. The answer must
/// come, and the close after it, well before the idle timeout (60 s): the server refused the
/// request, it did not wait for the rest of it.
std::string sendAndReadUntilClosed(unsigned short port, const std::string& bytes)
{
    RawConnection connection(port);
    CPPUNIT_ASSERT(connection.send(bytes));
    const ReadOutcome read = connection.readUntilClosed(10);
    CPPUNIT_ASSERT_MESSAGE("not closed within 10 s; got '" + read.data + "'", read.closed);
    return read.data;
}

} // namespace

class ProtocolLimitsTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ProtocolLimitsTest);
    CPPUNIT_TEST(testHeaderValueOverTheLimitIs431);
    CPPUNIT_TEST(testHeaderNameOverTheLimitIs431);
    CPPUNIT_TEST(testTooManyHeaderFieldsIs431);
    CPPUNIT_TEST(testDeclaredBodyOverTheLimitIs413WithoutReadingIt);
    CPPUNIT_TEST(testChunkedBodyOverTheLimitIs413WithoutReadingIt);
    CPPUNIT_TEST(testServerStillServesAfterwards);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override { porticod_ = std::make_unique<PorticodProcess>(limitsIni); }
    void tearDown() override { porticod_.reset(); }

    void testHeaderValueOverTheLimitIs431()
    {
        // Poco's limit for one field value is 8192 bytes.
        const std::string raw = sendAndReadUntilClosed(
            port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'v') + "\r\n\r\n");
        assertJsonError(raw, 431, "request_header_fields_too_large");
    }

    void testHeaderNameOverTheLimitIs431()
    {
        // ... and 256 bytes for a field name.
        const std::string raw = sendAndReadUntilClosed(
            port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nX-" + std::string(300, 'n') + ": v\r\n\r\n");
        assertJsonError(raw, 431, "request_header_fields_too_large");
    }

    void testTooManyHeaderFieldsIs431()
    {
        // ... and 100 fields.
        std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
        for (int i = 0; i < 150; ++i)
            request += "X-Field-" + std::to_string(i) + ": v\r\n";
        const std::string raw = sendAndReadUntilClosed(port(), request + "\r\n");
        assertJsonError(raw, 431, "request_header_fields_too_large");
    }

    void testDeclaredBodyOverTheLimitIs413WithoutReadingIt()
    {
        // A gigabyte declared, 512 bytes sent, then the client waits: the answer comes at once,
        // from the head alone, and the connection is closed (the unread body poisons it).
        RawConnection connection(port());
        CPPUNIT_ASSERT(connection.send("POST /probe_b/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                       "Content-Length: 1000000000\r\n\r\n" +
                                       std::string(512, 'b')));
        const ReadOutcome read = connection.readUntilClosed(10);
        CPPUNIT_ASSERT_MESSAGE("not closed within 10 s; got '" + read.data + "'", read.closed);
        CPPUNIT_ASSERT_MESSAGE("took " + std::to_string(read.ms) + " ms", read.ms < 5000);
        assertJsonError(read.data, 413, "request_too_large");
    }

    void testChunkedBodyOverTheLimitIs413WithoutReadingIt()
    {
        // Chunked: no length to refuse up front. Two 1000-byte chunks pass the 1024-byte limit;
        // the body never ends, yet the answer comes, and the connection is closed.
        const std::string chunk = "3e8\r\n" + std::string(1000, 'c') + "\r\n";
        RawConnection connection(port());
        CPPUNIT_ASSERT(connection.send("POST /probe_b/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                       "Transfer-Encoding: chunked\r\n\r\n" +
                                       chunk + chunk));
        const ReadOutcome read = connection.readUntilClosed(10);
        CPPUNIT_ASSERT_MESSAGE("not closed within 10 s; got '" + read.data + "'", read.closed);
        CPPUNIT_ASSERT_MESSAGE("took " + std::to_string(read.ms) + " ms", read.ms < 5000);
        assertJsonError(read.data, 413, "request_too_large");
    }

    void testServerStillServesAfterwards()
    {
        for (int i = 0; i < 3; ++i)
            sendAndReadUntilClosed(port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'v') +
                                               "\r\n\r\n");
        RawConnection connection(port());
        CPPUNIT_ASSERT(connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        const ReadOutcome read = connection.readUntilClosed(10);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(read.data, 200, statusOf(read.data));
        CPPUNIT_ASSERT(porticod_->running());
    }

private:
    unsigned short port() const { return porticod_->port(); }

    std::unique_ptr<PorticodProcess> porticod_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(ProtocolLimitsTest);
