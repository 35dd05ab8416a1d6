// What an upstream must not be able to do through the proxy, with exact bytes from a scripted
// server and the openai plugin in a real chain: split or smuggle the client's answer (a CR, LF
// or NUL in a header, conflicting framing), switch protocols, stall in interim answers, or send
// a broken head or body. Each is a 502 upstream_error in OpenAI's shape, never relayed, and
// the connection is not reused; the ordinary forms (interim answers, chunk extensions and
// trailers, a body ended by close) still work.

#include "FakeUpstream.h"
#include "ProxyTestSupport.h"
#include <cppunit/extensions/HelperMacros.h>
#include <string>

using namespace portico::openai;
using namespace portico::openai::test;

namespace {

const char* const Chat = R"({"model":"m","messages":[]})";
const char* const StreamChat = R"({"model":"m","stream":true,"messages":[]})";

/// An upstream that answers every request with `reply` (then closes its side when `close`).
class Replying
{
public:
    explicit Replying(std::string reply, bool close = true)
        : reply_(std::move(reply)),
          server_([this, close](Poco::Net::StreamSocket& socket, int) {
              while (!ScriptedServer::readRequest(socket).empty())
              {
                  socket.sendBytes(reply_.data(), static_cast<int>(reply_.size()));
                  if (close)
                  {
                      socket.shutdownSend();
                      ScriptedServer::readRequest(socket); // until the proxy closes
                      return;
                  }
              }
          })
    {
    }

    std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()) + "/v1"; }
    int accepted() const { return server_.accepted(); }

private:
    const std::string reply_;
    ScriptedServer server_;
};

/// The answer the client gets when the upstream answers `reply`.
std::unique_ptr<ProxyResult> through(const std::string& reply, const char* body = Chat, bool close = true)
{
    Replying upstream(reply, close);
    OpenAiHarness harness(upstreamSection(upstream.url(), {{"upstream.retries", "0"}}));
    return postChat(harness, body);
}

void assertRefused(const std::string& reply, const std::string& why, const char* body = Chat)
{
    const auto result = through(reply, body);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(why + ": " + result->body(), 502, result->status());
    CPPUNIT_ASSERT_MESSAGE(why, result->sink.sentWhole && !result->sink.streamBegun);
    CPPUNIT_ASSERT_MESSAGE(why + ": " + result->body(), contains(result->body(), R"("code":"upstream_error")"));
    CPPUNIT_ASSERT_EQUAL(std::string("application/json"), result->sink.sentHead.contentType);
    for (const auto& [name, value] : result->sink.sentHead.headers)
    {
        CPPUNIT_ASSERT_MESSAGE(why + ": " + name, name.find_first_of("\r\n") == std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(why + ": " + value, value.find_first_of(std::string("\r\n\0", 3)) == std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(why, name != "Set-Cookie");
    }
}

} // namespace

class MalformedAnswerTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(MalformedAnswerTest);
    CPPUNIT_TEST(testOrdinaryFormsStillWork);
    CPPUNIT_TEST(testHeaderInjectionRefused);
    CPPUNIT_TEST(testConflictingFramingRefused);
    CPPUNIT_TEST(testFinalSwitchingProtocolsIs502);
    CPPUNIT_TEST(testTooManyInterimAnswersIs502);
    CPPUNIT_TEST(testBrokenHeadOrBodyIs502);
    CPPUNIT_TEST_SUITE_END();

public:
    void testOrdinaryFormsStillWork()
    {
        auto result = through("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                              "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
        CPPUNIT_ASSERT_EQUAL(200, result->status());
        CPPUNIT_ASSERT_EQUAL(std::string("{\"a\":1}"), result->body());
        result = through("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "5;name=value\r\nhello\r\nA\r\n, world!!!\r\n0\r\nX-Trailer: t\r\n\r\n");
        CPPUNIT_ASSERT_EQUAL(std::string("hello, world!!!"), result->body());
        CPPUNIT_ASSERT_EQUAL(std::string("application/json"), result->sink.sentHead.contentType);
        result = through("HTTP/1.1 200 OK\nContent-Type: text/plain\n\nuntil the end");
        CPPUNIT_ASSERT_EQUAL(std::string("until the end"), result->body());
        CPPUNIT_ASSERT_EQUAL(std::string("text/plain"), result->sink.sentHead.contentType);
        // 16 interim answers are still skipped.
        std::string interim;
        for (int i = 0; i < 16; ++i)
            interim += "HTTP/1.1 103 Early Hints\r\nLink: </" + std::to_string(i) + ">\r\n\r\n";
        result = through(interim + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        CPPUNIT_ASSERT_EQUAL(std::string("ok"), result->body());
    }

    void testHeaderInjectionRefused()
    {
        // A bare CR inside a value (what Python's http.client reads as a line break), in the
        // header that is relayed (x-request-id) and in one that is not.
        assertRefused("HTTP/1.1 200 OK\r\nx-request-id: req_1\rSet-Cookie: stolen=1\r\nContent-Length: 2\r\n\r\n{}",
                      "CR in x-request-id");
        assertRefused("HTTP/1.1 200 OK\r\nX-Other: a\rSet-Cookie: stolen=1\r\nContent-Length: 2\r\n\r\n{}",
                      "CR in a value");
        assertRefused(std::string("HTTP/1.1 200 OK\r\nx-request-id: req\0_1\r\nContent-Length: 2\r\n\r\n{}", 62),
                      "NUL in a value");
        assertRefused("HTTP/1.1 200 OK\r\nX-Na\rme: a\r\nContent-Length: 2\r\n\r\n{}", "CR in a name");
        assertRefused("HTTP/1.1 200 OK\r\nx-request-id: req_1\rSet-Cookie: stolen=1\r\nContent-Type: "
                      "text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                      "CR in a stream's head", StreamChat);
    }

    void testConflictingFramingRefused()
    {
        assertRefused("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}x", "two Content-Lengths");
        assertRefused("HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\n{}x", "a Content-Length list");
        assertRefused("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
                      "Content-Length with Transfer-Encoding");
        assertRefused("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n{}", "a negative Content-Length");
    }

    void testFinalSwitchingProtocolsIs502()
    {
        // A 101 is a final answer; what follows it is another protocol, not a body to relay.
        const std::string upgrade = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                    "Connection: Upgrade\r\n\r\n\x81\x05hello";
        for (const char* body : {Chat, StreamChat})
        {
            const auto result = through(upgrade, body);
            CPPUNIT_ASSERT_EQUAL(502, result->status());
            CPPUNIT_ASSERT_MESSAGE(result->body(), contains(result->body(), "101"));
            CPPUNIT_ASSERT_MESSAGE(result->body(), contains(result->body(), R"("code":"upstream_error")"));
        }
        // After an interim 100, too; and on a connection left open, which is not reused.
        Replying upstream("HTTP/1.1 100 Continue\r\n\r\n" + upgrade, false);
        OpenAiHarness harness(upstreamSection(upstream.url(), {{"upstream.retries", "0"}}));
        CPPUNIT_ASSERT_EQUAL(502, postChat(harness, Chat)->status());
        CPPUNIT_ASSERT_EQUAL(502, postChat(harness, Chat)->status());
        CPPUNIT_ASSERT_EQUAL(2, upstream.accepted());
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), poolOf(harness)->idle());
    }

    void testTooManyInterimAnswersIs502()
    {
        // More than 16 interim answers is an upstream that will never answer.
        std::string interim;
        for (int i = 0; i < 17; ++i)
            interim += "HTTP/1.1 103 Early Hints\r\nLink: </" + std::to_string(i) + ">\r\n\r\n";
        assertRefused(interim + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "17 interim answers");
    }

    void testBrokenHeadOrBodyIs502()
    {
        assertRefused("SSH-2.0-OpenSSH\r\n\r\n", "not HTTP");
        assertRefused("HTTP/1.1 000 OK\r\nContent-Length: 0\r\n\r\n", "status 000");
        assertRefused("HTTP/1.1 600 OK\r\nContent-Length: 0\r\n\r\n", "status 600");
        assertRefused("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "a line without a colon");
        assertRefused("HTTP/1.1 200 OK\r\nContent-Ty", "a head cut short");
        assertRefused("", "no answer at all");
        assertRefused("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "a body cut short");
        assertRefused("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\nabc", "a chunk cut short");
        assertRefused("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", "a bad chunk size");
        CPPUNIT_ASSERT_EQUAL(599, through("HTTP/1.1 599 X\r\nContent-Length: 0\r\n\r\n")->status());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(MalformedAnswerTest);
