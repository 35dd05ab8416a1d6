// WireExchange: the buffered request/answer on a raw socket, against a scripted server that
// answers exact bytes (chunked bodies, interim answers, bodies ended by close, broken answers).

#include "FakeUpstream.h"
#include "WireExchange.h"
#include "Poco/Exception.h"
#include "Poco/Net/NetException.h"
#include "Poco/Net/SocketAddress.h"
#include <cppunit/extensions/HelperMacros.h>
#include <string>

using namespace portico::openai;
using namespace portico::openai::test;

namespace {

/// Sends `request` to a server that answers `reply` (then closes when `closeAfter`), and reads
/// the answer; also returns the request bytes the server saw in `seen`.
WireAnswer exchange(const std::string& reply, bool closeAfter, std::string* seen = nullptr)
{
    std::string received;
    WireAnswer answer;
    {
        ScriptedServer server([&](Poco::Net::StreamSocket& socket, int) {
            received = ScriptedServer::readRequest(socket);
            socket.sendBytes(reply.data(), static_cast<int>(reply.size()));
            if (closeAfter)
                socket.shutdownSend();
            else
                ScriptedServer::readRequest(socket); // holds the connection until the client closes
        });
        Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", server.port()));
        socket.setReceiveTimeout(Poco::Timespan(5, 0));
        const std::string body = R"({"model":"m"})";
        sendRequest(socket,
                    "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n",
                    body);
        try
        {
            receiveAnswer(socket, answer);
        }
        catch (...)
        {
            socket.close();
            throw;
        }
        socket.close();
    } // the server's threads have ended: `received` is theirs no more
    if (seen)
        *seen = received;
    return answer;
}

} // namespace

class WireExchangeTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(WireExchangeTest);
    CPPUNIT_TEST(testContentLength);
    CPPUNIT_TEST(testChunkedWithExtensionsAndTrailers);
    CPPUNIT_TEST(testInterimAnswersSkipped);
    CPPUNIT_TEST(testBodyEndedByClose);
    CPPUNIT_TEST(testKeepAliveRules);
    CPPUNIT_TEST(testNoAnswerIsNoMessage);
    CPPUNIT_TEST(testTruncatedBody);
    CPPUNIT_TEST(testMalformedHead);
    CPPUNIT_TEST_SUITE_END();

public:
    void testContentLength()
    {
        std::string seen;
        const auto answer = exchange("HTTP/1.1 201 Created\r\ncontent-type: application/json; charset=utf-8\r\n"
                                     "X-Request-Id: req-1\r\nX-Request-Id: req-2\r\nContent-Length: 7\r\n\r\n{\"a\":1}",
                                     false, &seen);
        CPPUNIT_ASSERT_EQUAL(201, answer.status);
        CPPUNIT_ASSERT_EQUAL(std::string("application/json; charset=utf-8"), answer.contentType);
        CPPUNIT_ASSERT_EQUAL(std::string("req-1"), answer.requestId); // the first, as Poco's get()
        CPPUNIT_ASSERT_EQUAL(std::string("{\"a\":1}"), answer.body);
        CPPUNIT_ASSERT(answer.keepAlive);
        // Head and body arrived as one request.
        CPPUNIT_ASSERT(seen.find("\r\n\r\n{\"model\":\"m\"}") != std::string::npos);
    }

    void testChunkedWithExtensionsAndTrailers()
    {
        const auto answer = exchange("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                     "5;name=value\r\nhello\r\nA\r\n, world!!!\r\n0\r\nX-Trailer: t\r\n\r\n",
                                     false);
        CPPUNIT_ASSERT_EQUAL(200, answer.status);
        CPPUNIT_ASSERT_EQUAL(std::string("hello, world!!!"), answer.body);
        CPPUNIT_ASSERT(answer.keepAlive);
        CPPUNIT_ASSERT(answer.contentType.empty());
    }

    void testInterimAnswersSkipped()
    {
        const auto answer = exchange("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                                     "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                                     false);
        CPPUNIT_ASSERT_EQUAL(200, answer.status);
        CPPUNIT_ASSERT_EQUAL(std::string("ok"), answer.body);
    }

    void testBodyEndedByClose()
    {
        const auto answer = exchange("HTTP/1.1 200 OK\nContent-Type: text/plain\n\nuntil the end", true);
        CPPUNIT_ASSERT_EQUAL(std::string("until the end"), answer.body);
        CPPUNIT_ASSERT_EQUAL(std::string("text/plain"), answer.contentType);
        CPPUNIT_ASSERT(!answer.keepAlive);
    }

    void testKeepAliveRules()
    {
        CPPUNIT_ASSERT(!exchange("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", true).keepAlive);
        CPPUNIT_ASSERT(!exchange("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", true).keepAlive);
        CPPUNIT_ASSERT(
            exchange("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n", false).keepAlive);
        // Bytes after the answer: the connection is out of step and is not reused.
        CPPUNIT_ASSERT(!exchange("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxy", false).keepAlive);
        const auto noContent = exchange("HTTP/1.1 204 No Content\r\n\r\n", false);
        CPPUNIT_ASSERT_EQUAL(204, noContent.status);
        CPPUNIT_ASSERT(noContent.body.empty() && noContent.keepAlive);
    }

    void testNoAnswerIsNoMessage()
    {
        WireAnswer answer;
        CPPUNIT_ASSERT_THROW(answer = exchange("", true), Poco::Net::NoMessageException);
    }

    void testTruncatedBody()
    {
        CPPUNIT_ASSERT_THROW(exchange("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", true), Poco::IOException);
        CPPUNIT_ASSERT_THROW(exchange("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\nabc", true),
                             Poco::IOException);
    }

    void testMalformedHead()
    {
        CPPUNIT_ASSERT_THROW(exchange("SSH-2.0-OpenSSH\r\n\r\n", true), Poco::Net::MessageException);
        // Status codes outside RFC 9110's 100..599 (a 0 would be relayed to the client).
        CPPUNIT_ASSERT_THROW(exchange("HTTP/1.1 000 OK\r\nContent-Length: 0\r\n\r\n", true),
                             Poco::Net::MessageException);
        CPPUNIT_ASSERT_THROW(exchange("HTTP/1.1 099 OK\r\nContent-Length: 0\r\n\r\n", true),
                             Poco::Net::MessageException);
        CPPUNIT_ASSERT_THROW(exchange("HTTP/1.1 600 OK\r\nContent-Length: 0\r\n\r\n", true),
                             Poco::Net::MessageException);
        CPPUNIT_ASSERT_EQUAL(599, exchange("HTTP/1.1 599 X\r\nContent-Length: 0\r\n\r\n", true).status);
        CPPUNIT_ASSERT_THROW(exchange("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", true), Poco::Net::MessageException);
        CPPUNIT_ASSERT_THROW(exchange("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", true),
                             Poco::Net::MessageException);
        CPPUNIT_ASSERT_THROW(exchange("HTTP/1.1 200 OK\r\nContent-Ty", true), Poco::Net::MessageException);
        CPPUNIT_ASSERT_THROW(exchange("HTTP/1.1 200 OK\r\n" + std::string(70000, 'x'), true),
                             Poco::Net::MessageException);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(WireExchangeTest);
