// WireExchange: the buffered request/answer on a raw socket, against a scripted server that
// answers exact bytes (chunked bodies, interim answers, bodies ended by close, broken answers).

#include "FakeUpstream.h"
#include "WireExchange.h"
#include "Poco/Exception.h"
#include "Poco/Net/NetException.h"
#include "Poco/Net/SocketAddress.h"
#include <cppunit/extensions/HelperMacros.h>
#include <chrono>
#include <cstdio>
#include <string>

using namespace portico::openai;
using namespace portico::openai::test;

namespace {

/// Sends a request to a server that answers `reply` (then closes when `closeAfter`), and reads
/// the answer into `answer` (what was read stays there when reading throws); also returns the
/// request bytes the server saw in `seen`.
void exchangeInto(WireAnswer& answer, const std::string& reply, bool closeAfter, std::string* seen = nullptr,
                  std::size_t maxBodyBytes = DefaultMaxBodyBytes)
{
    std::string received;
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
            receiveAnswer(socket, answer, maxBodyBytes);
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
}

WireAnswer exchange(const std::string& reply, bool closeAfter, std::string* seen = nullptr,
                    std::size_t maxBodyBytes = DefaultMaxBodyBytes)
{
    WireAnswer answer;
    exchangeInto(answer, reply, closeAfter, seen, maxBodyBytes);
    return answer;
}

/// A chunked body of `chunks` chunks of `size` bytes each.
std::string chunked(std::size_t chunks, std::size_t size)
{
    std::string reply = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    char sizeLine[32];
    std::snprintf(sizeLine, sizeof sizeLine, "%zx\r\n", size);
    for (std::size_t i = 0; i < chunks; ++i)
        reply += sizeLine + std::string(size, 'c') + "\r\n";
    return reply + "0\r\n\r\n";
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
    CPPUNIT_TEST(testFinalSwitchingProtocolsRefused);
    CPPUNIT_TEST(testContentLengthCap);
    CPPUNIT_TEST(testContentLengthOverCapRefusedWithoutReading);
    CPPUNIT_TEST(testChunkedCap);
    CPPUNIT_TEST(testCloseDelimitedCap);
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
        // At most 16 interim answers: more is an upstream that will never answer.
        std::string interim;
        for (int i = 0; i < 16; ++i)
            interim += "HTTP/1.1 103 Early Hints\r\nLink: </" + std::to_string(i) + ">\r\n\r\n";
        const std::string final = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        CPPUNIT_ASSERT_EQUAL(std::string("ok"), exchange(interim + final, false).body);
        CPPUNIT_ASSERT_THROW(exchange(interim + "HTTP/1.1 102 Processing\r\n\r\n" + final, false),
                             Poco::Net::MessageException);
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

    void testFinalSwitchingProtocolsRefused()
    {
        // A 101 is a final answer; what follows it is another protocol, not a body to relay.
        const std::string upgrade = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                    "Connection: Upgrade\r\n\r\n\x81\x05hello";
        CPPUNIT_ASSERT_THROW(exchange(upgrade, true), Poco::Net::MessageException);
        CPPUNIT_ASSERT_THROW(exchange(upgrade, false), Poco::Net::MessageException);
        // After an interim 100, too.
        CPPUNIT_ASSERT_THROW(exchange("HTTP/1.1 100 Continue\r\n\r\n" + upgrade, true), Poco::Net::MessageException);
    }

    void testContentLengthCap()
    {
        const std::string body(1000, 'b');
        const std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + body;
        const auto atCap = exchange(reply, false, nullptr, 1000);
        CPPUNIT_ASSERT_EQUAL(body, atCap.body);
        CPPUNIT_ASSERT(atCap.keepAlive);
        try
        {
            exchange(reply, false, nullptr, 999);
            CPPUNIT_FAIL("a Content-Length one byte over the cap was accepted");
        }
        catch (const AnswerTooLarge& error)
        {
            CPPUNIT_ASSERT_EQUAL(std::string("max_body_bytes"), std::string(error.field()));
            CPPUNIT_ASSERT_EQUAL(std::size_t(999), error.limit());
        }
    }

    void testContentLengthOverCapRefusedWithoutReading()
    {
        // The head promises a terabyte and no body byte ever comes: the reader refuses on the
        // head at once instead of waiting (a wait would end in a TimeoutException after 5 s).
        const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n";
        WireAnswer answer;
        const auto start = std::chrono::steady_clock::now();
        CPPUNIT_ASSERT_THROW(exchangeInto(answer, head, false), AnswerTooLarge);
        CPPUNIT_ASSERT(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
        CPPUNIT_ASSERT_EQUAL(head.size(), answer.received);
        CPPUNIT_ASSERT(answer.body.empty());
        // With body bytes behind the head, none of them is taken into the answer.
        CPPUNIT_ASSERT_THROW(exchangeInto(answer, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n0123456789A", false,
                                          nullptr, 10),
                             AnswerTooLarge);
        CPPUNIT_ASSERT(answer.body.empty());
    }

    void testChunkedCap()
    {
        // 40 chunks of 1000 bytes: 40000 at the cap pass, one byte less of cap refuses.
        const std::string reply = chunked(40, 1000);
        const auto atCap = exchange(reply, false, nullptr, 40000);
        CPPUNIT_ASSERT_EQUAL(std::string(40000, 'c'), atCap.body);
        CPPUNIT_ASSERT(atCap.keepAlive);
        WireAnswer answer;
        CPPUNIT_ASSERT_THROW(exchangeInto(answer, reply, false, nullptr, 39999), AnswerTooLarge);
        // Refused by the last chunk's declared size: the body never holds more than the cap.
        CPPUNIT_ASSERT(answer.body.size() <= 39999);
        // One huge declared chunk is refused before its bytes are read.
        CPPUNIT_ASSERT_THROW(exchangeInto(answer, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                                  "ffffffffff\r\nabc",
                                          false),
                             AnswerTooLarge);
    }

    void testCloseDelimitedCap()
    {
        // 200 KiB without a length, ended by close: more than one read block.
        const std::string body(200 * 1024, 'z');
        const std::string reply = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + body;
        CPPUNIT_ASSERT_EQUAL(body, exchange(reply, true, nullptr, body.size()).body);
        WireAnswer answer;
        CPPUNIT_ASSERT_THROW(exchangeInto(answer, reply, true, nullptr, body.size() - 1), AnswerTooLarge);
        CPPUNIT_ASSERT(answer.body.size() < body.size());
        CPPUNIT_ASSERT_THROW(exchangeInto(answer, reply, true, nullptr, 1000), AnswerTooLarge);
        CPPUNIT_ASSERT(answer.body.size() <= 1000);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(WireExchangeTest);
