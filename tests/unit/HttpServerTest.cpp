// The event-driven server in-process: a real HttpServer (event loops, workers, connections)
// on 127.0.0.1 with a chain of test routes, driven over real sockets by RawConnection. What a
// connection does with the bytes it gets: keep-alive and pipelining, HTTP/1.0, HEAD, Expect,
// chunked bodies, the RFC 9112 framing refusals, the deadlines, streams on the loop and from a
// worker (with backpressure), a client that leaves, max_connections, drain.

#include "RawConnection.h"
#include "api/ExchangeControl.h"
#include "http/HttpServer.h"
#include "portico/AttributeKey.h"
#include "portico/Deferred.h"
#include "Poco/Net/NetException.h"
#include <cppunit/extensions/HelperMacros.h>
#include <sys/socket.h>
#include <atomic>
#include <thread>

using portico::Exchange;
using portico::test::RawConnection;
using portico::test::ReadOutcome;
using portico::test::bodyOf;
using portico::test::lowerHeadOf;
using portico::test::statusOf;

namespace {

/// `events` SSE events on the loop, `delayMs` apart, each `size` bytes of data (0: its number);
/// counts what it produced and its cancel()s.
class Ticker : public portico::DeferredAnswer
{
public:
    Ticker(int events, int delayMs, std::atomic<int>& cancels, std::atomic<int>* produced = nullptr,
           std::size_t size = 0)
        : events_(events), delay_(delayMs), cancels_(cancels), produced_(produced), size_(size)
    {
    }
    void start(Exchange& exchange) override { tick(exchange); }
    void resume(Exchange& exchange) override { tick(exchange); }
    void cancel(Exchange&) override { cancels_++; }

private:
    void tick(Exchange& exchange)
    {
        portico::StreamWriter& writer = exchange.stream();
        while (sent_ < events_ && writer.ready())
        {
            const std::string data = size_ ? std::string(size_, 'x') : std::to_string(sent_);
            ++sent_;
            if (produced_)
                produced_->fetch_add(1);
            if (!portico::SseWriter(writer).data(data))
                return;
            if (delay_ > 0 && sent_ < events_)
            {
                exchange.after(std::chrono::milliseconds(delay_), [this, &exchange] { tick(exchange); });
                return;
            }
        }
        if (sent_ == events_)
            writer.end();
    }

    const int events_;
    const int delay_;
    std::atomic<int>& cancels_;
    std::atomic<int>* produced_;
    const std::size_t size_;
    int sent_ = 0;
};

/// Writes `events` events of 1000 bytes at once, ignoring StreamWriter::ready().
class Flood : public portico::DeferredAnswer
{
public:
    explicit Flood(int events) : events_(events) {}
    void start(Exchange& exchange) override
    {
        portico::SseWriter sse(exchange.stream());
        for (int i = 0; i < events_; ++i)
            if (!sse.data(std::string(1000, 'x')))
                return;
        exchange.stream().end();
    }

private:
    const int events_;
};

/// Reads until the connection's bytes end with `tail` (the stream's last chunk), or it closes,
/// or `seconds` pass; counts the bytes (a large stream is not kept).
std::size_t readStreamUntil(RawConnection& client, const std::string& tail, double seconds, bool& sawTail,
                            bool& closed)
{
    std::size_t total = 0;
    std::string last;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int>(seconds * 1000));
    sawTail = closed = false;
    while (std::chrono::steady_clock::now() < deadline)
    {
        const ReadOutcome more = client.readUntil("", 0.05);
        total += more.data.size();
        last = (last + more.data);
        if (last.size() > 4096)
            last.erase(0, last.size() - 4096);
        if (last.size() >= tail.size() && last.compare(last.size() - tail.size(), tail.size(), tail) == 0)
        {
            sawTail = true;
            return total;
        }
        if (more.closed)
        {
            closed = true;
            return total;
        }
    }
    return total;
}

/// A server with the test's routes, stopped when the fixture goes.
class InProcessServer
{
public:
    explicit InProcessServer(portico::ServerSettings settings, const std::function<void(portico::Chain&)>& routes)
    {
        auto chain = std::make_shared<portico::Chain>();
        routes(*chain);
        state_.setChain(chain);
        state_.setMaxBodyBytes(settings.maxBodyBytes);
        settings.port = 0;
        server_ = std::make_unique<portico::HttpServer>(settings, state_, nullptr);
        server_->start();
    }
    ~InProcessServer()
    {
        if (server_)
            server_->drainAndStop(0);
    }
    unsigned short port() const { return server_->port(); }
    portico::HttpServer& server() { return *server_; }
    portico::ServerState& state() { return state_; }

private:
    portico::ServerState state_;
    std::unique_ptr<portico::HttpServer> server_;
};

portico::ServerSettings defaults()
{
    portico::ServerSettings settings;
    settings.eventLoops = 2;
    return settings;
}

int countOf(const std::string& text, const std::string& part)
{
    int n = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
        ++n;
    return n;
}

} // namespace

class HttpServerTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(HttpServerTest);
    CPPUNIT_TEST(testKeepAliveAndPipelining);
    CPPUNIT_TEST(testPipelinedRequestsBeforeAHalfCloseAreAllAnswered);
    CPPUNIT_TEST(testKeepAliveRequestsZeroIsUnlimited);
    CPPUNIT_TEST(testRecycledHeadersAndAttributesCarryNothingOver);
    CPPUNIT_TEST(testNoContentAnswersAndUnsendableHeaders);
    CPPUNIT_TEST(testHttp10ClosesAndHeadHasNoBody);
    CPPUNIT_TEST(testExpectContinueAndChunkedBody);
    CPPUNIT_TEST(testContentLengthWithTransferEncodingIs400AndClosed);
    CPPUNIT_TEST(testDeclaredBodyOverTheLimitIs413Unread);
    CPPUNIT_TEST(testSlowHeadGets408AtTheDeadline);
    CPPUNIT_TEST(testSlowBodyGets408);
    CPPUNIT_TEST(testIdleKeepAliveClosesQuietly);
    CPPUNIT_TEST(testBlockingRouteRunsOnAWorker);
    CPPUNIT_TEST(testLoopStreamAndWorkerStream);
    CPPUNIT_TEST(testStreamWaitsForASlowReader);
    CPPUNIT_TEST(testProducerIgnoringBackpressureIsCut);
    CPPUNIT_TEST(testClientLeavingCancelsAStream);
    CPPUNIT_TEST(testFailedStreamIsCutWithoutItsLastChunk);
    CPPUNIT_TEST(testMaxConnectionsRefusesWith503);
    CPPUNIT_TEST(testDrainClosesIdleConnectionsAndFinishesStreams);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override
    {
        cancels_ = 0;
        produced_ = 0;
    }

    void routes(portico::Chain& chain)
    {
        chain.routes().add({"GET", "/hello", [](Exchange& e) { e.respond(200, "{\"hello\":true}"); },
                            portico::Blocking::Never},
                           "test");
        chain.routes().add({"POST", "/echo", [](Exchange& e) { e.respond(200, e.body(), "text/plain"); },
                            portico::Blocking::Never},
                           "test");
        chain.routes().add({"GET", "/thread",
                            [](Exchange& e) {
                                char name[32] = {};
                                pthread_getname_np(pthread_self(), name, sizeof name);
                                e.respond(200, name, "text/plain");
                            },
                            portico::Blocking::May},
                           "test");
        chain.routes().add({"GET", "/nocontent",
                            [](Exchange& e) {
                                e.respond(204, "this body must not be sent", "text/plain");
                                e.response().headers.add("X-Split", "a\r\nSet-Cookie: evil=1");
                                e.response().headers.add("X-Fine", "yes");
                            },
                            portico::Blocking::Never},
                           "test");
        chain.routes().add({"GET", "/nocontent_stream",
                            [](Exchange& e) {
                                e.stream(304).write("nor this");
                                e.stream().end();
                            },
                            portico::Blocking::Never},
                           "test");
        // The request's headers as the body, one "name=value;" each; with an X-Tag header, the
        // answer carries it back as X-Tag-Echo, and through an attribute as X-Tag-Attribute
        // (the recycling test: header lists and attribute values serve later requests). An
        // attribute already present when the handler starts is reported as carried over.
        chain.routes().add({"GET", "/headers",
                            [](Exchange& e) {
                                static const portico::AttributeKey tag{"test.tag"};
                                const std::string* early = e.find(tag);
                                std::string body;
                                for (const auto& [name, value] : e.requestHeaders())
                                    body += name + "=" + value + ";";
                                e.respond(200, body, "text/plain");
                                if (early)
                                    e.response().headers.add("X-Attribute-Carried-Over", *early);
                                if (e.requestHeaders().has("X-Tag"))
                                {
                                    e.response().headers.add("X-Tag-Echo-Of-This-Request",
                                                             e.requestHeaders().get("X-Tag"));
                                    e.set(tag, std::string_view(e.requestHeaders().get("X-Tag")));
                                    e.response().headers.add("X-Tag-Attribute", *e.find(tag));
                                }
                            },
                            portico::Blocking::Never},
                           "test");
        chain.routes().add({"GET", "/loopthread",
                            [](Exchange& e) {
                                char name[32] = {};
                                pthread_getname_np(pthread_self(), name, sizeof name);
                                e.respond(200, name, "text/plain");
                            },
                            portico::Blocking::Never},
                           "test");
        std::atomic<int>* cancels = &cancels_;
        chain.routes().add({"GET", "/ticks",
                            [cancels](Exchange& e) {
                                const int events = e.query().empty() ? 5 : std::stoi(e.query());
                                e.defer(std::make_unique<Ticker>(events, 20, *cancels));
                            },
                            portico::Blocking::Never},
                           "test");
        std::atomic<int>* produced = &produced_;
        chain.routes().add({"GET", "/bulk",
                            [cancels, produced](Exchange& e) {
                                e.defer(std::make_unique<Ticker>(std::stoi(e.query()), 0, *cancels, produced, 1000));
                            },
                            portico::Blocking::Never},
                           "test");
        chain.routes().add({"GET", "/flood",
                            [](Exchange& e) { e.defer(std::make_unique<Flood>(std::stoi(e.query()))); },
                            portico::Blocking::Never},
                           "test");
        chain.routes().add({"GET", "/worker_stream",
                            [](Exchange& e) {
                                portico::SseWriter sse(e.stream());
                                const int events = std::stoi(e.query());
                                for (int i = 0; i < events; ++i)
                                    if (!sse.data(std::string(1000, 'x')))
                                        return;
                            },
                            portico::Blocking::May},
                           "test");
        chain.routes().add({"GET", "/truncated",
                            [](Exchange& e) {
                                struct Cut : portico::DeferredAnswer
                                {
                                    void start(Exchange& x) override
                                    {
                                        x.stream().write("partial");
                                        x.after(std::chrono::milliseconds(10), [&x] { x.stream().fail(); });
                                    }
                                };
                                e.defer(std::make_unique<Cut>());
                            },
                            portico::Blocking::Never},
                           "test");
    }

    void testKeepAliveAndPipelining()
    {
        InProcessServer server(defaults(), [this](portico::Chain& c) { routes(c); });
        RawConnection client(server.port());
        // Two requests in one send, then a third later on the same connection.
        CPPUNIT_ASSERT(client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nHost: x\r\n"
                                   "Content-Length: 5\r\n\r\nabcde"));
        ReadOutcome read = client.readUntil("abcde", 5);
        CPPUNIT_ASSERT_EQUAL(2, countOf(read.data, "HTTP/1.1 200 OK"));
        CPPUNIT_ASSERT(read.data.find("{\"hello\":true}") < read.data.find("abcde"));
        CPPUNIT_ASSERT(client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
        read = client.readUntil("{\"hello\":true}", 5);
        CPPUNIT_ASSERT_EQUAL(200, statusOf(read.data));
        CPPUNIT_ASSERT(lowerHeadOf(read.data).find("connection: keep-alive") != std::string::npos);
    }

    void testPipelinedRequestsBeforeAHalfCloseAreAllAnswered()
    {
        InProcessServer server(defaults(), [this](portico::Chain& c) { routes(c); });
        RawConnection client(server.port());
        // Three requests, then the client shuts its sending side: each is answered, then the
        // server closes. (The last answer says Connection: close when the server had seen the
        // shutdown before answering it; the shutdown may also arrive just after, a matter of
        // timing, and then the close follows the answer: both are right.)
        CPPUNIT_ASSERT(client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
                                   "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nabcde"
                                   "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
        client.shutdownWrite();
        const ReadOutcome read = client.readUntilClosed(5);
        CPPUNIT_ASSERT(read.closed);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(read.data, 3, countOf(read.data, "HTTP/1.1 200 OK"));
        CPPUNIT_ASSERT(read.data.find("abcde") != std::string::npos);
        // The last answer is complete (its body is there), whatever its Connection header said.
        const std::string last = read.data.substr(read.data.rfind("HTTP/1.1 200 OK"));
        CPPUNIT_ASSERT_MESSAGE(last, last.find("{\"hello\":true}") != std::string::npos);
    }

    void testKeepAliveRequestsZeroIsUnlimited()
    {
        portico::ServerSettings settings = defaults();
        settings.keepAliveRequests = 0;
        InProcessServer server(settings, [this](portico::Chain& c) { routes(c); });
        RawConnection client(server.port());
        for (int i = 0; i < 5; ++i)
        {
            CPPUNIT_ASSERT(client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
            const ReadOutcome read = client.readUntil("{\"hello\":true}", 5);
            CPPUNIT_ASSERT_EQUAL(200, statusOf(read.data));
            CPPUNIT_ASSERT_MESSAGE(read.data, lowerHeadOf(read.data).find("connection: keep-alive") != std::string::npos);
        }
    }

    void testRecycledHeadersAndAttributesCarryNothingOver()
    {
        // Finished requests' header lists and attribute values serve the next requests on the
        // loop (their strings kept). Nothing of an earlier request may show: not its headers to
        // the next handler, not its answer's headers on the next answer, not its attributes, on
        // the same connection or another.
        InProcessServer server(defaults(), [this](portico::Chain& c) { routes(c); });
        RawConnection first(server.port());
        const std::string longValue(60, 'v');
        std::string many = "GET /headers HTTP/1.1\r\nHost: x\r\nX-Tag: first-request-tag-value-long-enough-for-the-heap\r\n";
        for (int i = 0; i < 12; ++i)
            many += "X-Long-Header-Name-Number-" + std::to_string(i) + ": " + longValue + "\r\n";
        CPPUNIT_ASSERT(first.send(many + "\r\n"));
        ReadOutcome read = first.readUntil("X-Long-Header-Name-Number-11=" + longValue + ";", 5);
        CPPUNIT_ASSERT_EQUAL(200, statusOf(read.data));
        CPPUNIT_ASSERT_MESSAGE(read.data, read.data.find("X-Tag-Echo-Of-This-Request: first-request-tag-value-long-"
                                                         "enough-for-the-heap\r\n") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(read.data, read.data.find("X-Tag-Attribute: first-request-tag-value-long-enough-for-"
                                                         "the-heap\r\n") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(12, countOf(read.data, longValue));

        for (int round = 0; round < 3; ++round)
        {
            RawConnection second(server.port());
            for (RawConnection* client : {&first, &second})
            {
                CPPUNIT_ASSERT(client->send("GET /headers HTTP/1.1\r\nHost: y\r\nA: 1\r\n\r\n"));
                read = client->readUntil("A=1;", 5);
                CPPUNIT_ASSERT_EQUAL(200, statusOf(read.data));
                const std::string body = read.data.substr(read.data.find("\r\n\r\n") + 4);
                CPPUNIT_ASSERT_EQUAL(std::string("Host=y;A=1;"), body);
                CPPUNIT_ASSERT_MESSAGE(read.data, read.data.find("X-Tag-Echo") == std::string::npos);
                CPPUNIT_ASSERT_MESSAGE(read.data, read.data.find("X-Tag-Attribute") == std::string::npos);
                CPPUNIT_ASSERT_MESSAGE(read.data, read.data.find("X-Attribute-Carried-Over") == std::string::npos);
                CPPUNIT_ASSERT_MESSAGE(read.data, read.data.find(longValue) == std::string::npos);
            }
            // A tagged request after untagged ones gets its own tag back, once.
            CPPUNIT_ASSERT(second.send("GET /headers HTTP/1.1\r\nHost: z\r\nX-Tag: t" + std::to_string(round) +
                                       "\r\n\r\n"));
            read = second.readUntil("X-Tag=t" + std::to_string(round) + ";", 5);
            CPPUNIT_ASSERT_EQUAL(1, countOf(read.data, "X-Tag-Echo-Of-This-Request: t" + std::to_string(round) + "\r\n"));
            CPPUNIT_ASSERT_EQUAL(1, countOf(read.data, "X-Tag-Echo"));
            // Its attribute, copied into a buffer an earlier request left, is its own tag whole.
            CPPUNIT_ASSERT_EQUAL(1, countOf(read.data, "X-Tag-Attribute: t" + std::to_string(round) + "\r\n"));
            CPPUNIT_ASSERT_MESSAGE(read.data, read.data.find("X-Attribute-Carried-Over") == std::string::npos);
        }
    }

    void testNoContentAnswersAndUnsendableHeaders()
    {
        InProcessServer server(defaults(), [this](portico::Chain& c) { routes(c); });
        RawConnection client(server.port());
        // A 204 whose handler gave a body, a 304 stream that wrote, then a pipelined request:
        // no body bytes and no chunked framing after either head, so the third answer parses.
        CPPUNIT_ASSERT(client.send("GET /nocontent HTTP/1.1\r\nHost: x\r\n\r\n"
                                   "GET /nocontent_stream HTTP/1.1\r\nHost: x\r\n\r\n"
                                   "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
        const ReadOutcome read = client.readUntil("{\"hello\":true}", 5);
        CPPUNIT_ASSERT_MESSAGE(read.data, read.data.rfind("HTTP/1.1 204 No Content\r\n", 0) == 0);
        const std::size_t second = read.data.find("\r\n\r\n") + 4;
        CPPUNIT_ASSERT_MESSAGE(read.data, read.data.compare(second, 25, "HTTP/1.1 304 Not Modified") == 0);
        const std::size_t third = read.data.find("\r\n\r\n", second) + 4;
        CPPUNIT_ASSERT_MESSAGE(read.data, read.data.compare(third, 15, "HTTP/1.1 200 OK") == 0);
        CPPUNIT_ASSERT(read.data.find("must not") == std::string::npos);
        CPPUNIT_ASSERT(read.data.find("nor this") == std::string::npos);
        const std::string firstHead = lowerHeadOf(read.data);
        CPPUNIT_ASSERT(firstHead.find("content-length") == std::string::npos);
        // The header with CR LF in its value is left out (no injected Set-Cookie), the rest sent.
        CPPUNIT_ASSERT(read.data.find("evil") == std::string::npos);
        CPPUNIT_ASSERT(firstHead.find("x-fine: yes") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(1), server.server().counters().responseFieldsDropped.load());
    }

    void testHttp10ClosesAndHeadHasNoBody()
    {
        InProcessServer server(defaults(), [this](portico::Chain& c) { routes(c); });
        RawConnection old(server.port());
        CPPUNIT_ASSERT(old.send("GET /hello HTTP/1.0\r\n\r\n"));
        ReadOutcome read = old.readUntilClosed(5);
        CPPUNIT_ASSERT(read.closed);
        CPPUNIT_ASSERT(read.data.rfind("HTTP/1.0 200 OK", 0) == 0);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"hello\":true}"), bodyOf(read.data));

        RawConnection head(server.port());
        CPPUNIT_ASSERT(head.send("HEAD /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        read = head.readUntilClosed(5);
        CPPUNIT_ASSERT_EQUAL(200, statusOf(read.data));
        CPPUNIT_ASSERT(lowerHeadOf(read.data).find("content-length: 14") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(std::string(), bodyOf(read.data));
    }

    void testExpectContinueAndChunkedBody()
    {
        InProcessServer server(defaults(), [this](portico::Chain& c) { routes(c); });
        RawConnection client(server.port());
        CPPUNIT_ASSERT(client.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                                   "Transfer-Encoding: chunked\r\n\r\n"));
        ReadOutcome read = client.readUntil("100 Continue\r\n\r\n", 5);
        CPPUNIT_ASSERT(read.data.rfind("HTTP/1.1 100 Continue", 0) == 0);
        CPPUNIT_ASSERT(client.send("3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n"));
        read = client.readUntil("abcde", 5);
        CPPUNIT_ASSERT_EQUAL(200, statusOf(read.data));
        CPPUNIT_ASSERT_EQUAL(std::string("abcde"), bodyOf(read.data));
    }

    void testContentLengthWithTransferEncodingIs400AndClosed()
    {
        InProcessServer server(defaults(), [this](portico::Chain& c) { routes(c); });
        RawConnection client(server.port());
        // The classic smuggling shape: a front that reads Content-Length and a back that reads
        // the chunks would see two requests here.
        CPPUNIT_ASSERT(client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n"
                                   "\r\n0\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
        const ReadOutcome read = client.readUntilClosed(5);
        CPPUNIT_ASSERT(read.closed);
        CPPUNIT_ASSERT_EQUAL(400, statusOf(read.data));
        CPPUNIT_ASSERT_EQUAL(1, countOf(read.data, "HTTP/1.1 "));
        CPPUNIT_ASSERT(read.data.find("Transfer-Encoding") != std::string::npos);
    }

    void testDeclaredBodyOverTheLimitIs413Unread()
    {
        portico::ServerSettings settings = defaults();
        settings.maxBodyBytes = 1000;
        InProcessServer server(settings, [this](portico::Chain& c) { routes(c); });
        RawConnection client(server.port());
        CPPUNIT_ASSERT(client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n" +
                                   std::string(512, 'x')));
        const ReadOutcome read = client.readUntilClosed(5);
        CPPUNIT_ASSERT(read.closed);
        CPPUNIT_ASSERT_EQUAL(413, statusOf(read.data));
        CPPUNIT_ASSERT(lowerHeadOf(read.data).find("connection: close") != std::string::npos);
    }

    void testSlowHeadGets408AtTheDeadline()
    {
        portico::ServerSettings settings = defaults();
        settings.headerTimeoutSeconds = 1;
        InProcessServer server(settings, [this](portico::Chain& c) { routes(c); });
        RawConnection client(server.port());
        CPPUNIT_ASSERT(client.send("GET /hello HTTP/1.1\r\nHost: x\r\n"));
        const ReadOutcome read = client.readUntilClosed(5);
        CPPUNIT_ASSERT(read.closed);
        CPPUNIT_ASSERT_EQUAL(408, statusOf(read.data));
        CPPUNIT_ASSERT(read.ms >= 800 && read.ms < 3000);
        CPPUNIT_ASSERT(server.server().headerTimeouts() >= 1);
    }

    void testSlowBodyGets408()
    {
        portico::ServerSettings settings = defaults();
        settings.bodyTimeoutSeconds = 1;
        InProcessServer server(settings, [this](portico::Chain& c) { routes(c); });
        RawConnection client(server.port());
        CPPUNIT_ASSERT(client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"));
        const ReadOutcome read = client.readUntilClosed(5);
        CPPUNIT_ASSERT_EQUAL(408, statusOf(read.data));
        CPPUNIT_ASSERT(read.data.find("request body") != std::string::npos);
    }

    void testIdleKeepAliveClosesQuietly()
    {
        portico::ServerSettings settings = defaults();
        settings.idleTimeoutSeconds = 1;
        InProcessServer server(settings, [this](portico::Chain& c) { routes(c); });
        RawConnection client(server.port());
        CPPUNIT_ASSERT(client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
        CPPUNIT_ASSERT_EQUAL(200, statusOf(client.readUntil("{\"hello\":true}", 5).data));
        const ReadOutcome idle = client.readUntilClosed(5);
        CPPUNIT_ASSERT(idle.closed);
        CPPUNIT_ASSERT(idle.data.empty()); // no 408 for a client that sent nothing more
    }

    void testBlockingRouteRunsOnAWorker()
    {
        InProcessServer server(defaults(), [this](portico::Chain& c) { routes(c); });
        RawConnection client(server.port());
        CPPUNIT_ASSERT(client.send("GET /thread HTTP/1.1\r\nHost: x\r\n\r\nGET /loopthread HTTP/1.1\r\nHost: x\r\n"
                                   "Connection: close\r\n\r\n"));
        const ReadOutcome read = client.readUntilClosed(5);
        CPPUNIT_ASSERT(read.data.find("portico-worker") != std::string::npos);
        CPPUNIT_ASSERT(read.data.find("portico-loop-") != std::string::npos);
    }

    void testLoopStreamAndWorkerStream()
    {
        InProcessServer server(defaults(), [this](portico::Chain& c) { routes(c); });
        RawConnection loop(server.port());
        CPPUNIT_ASSERT(loop.send("GET /ticks?5 HTTP/1.1\r\nHost: x\r\n\r\n"));
        ReadOutcome read = loop.readUntil("\r\n0\r\n\r\n", 5);
        CPPUNIT_ASSERT(lowerHeadOf(read.data).find("transfer-encoding: chunked") != std::string::npos);
        for (int i = 0; i < 5; ++i)
            CPPUNIT_ASSERT(read.data.find("data: " + std::to_string(i) + "\n\n") != std::string::npos);
        RawConnection worker(server.port());
        CPPUNIT_ASSERT(worker.send("GET /worker_stream?20 HTTP/1.1\r\nHost: x\r\n\r\n"));
        read = worker.readUntil("\r\n0\r\n\r\n", 5);
        CPPUNIT_ASSERT_EQUAL(20, countOf(read.data, "data: x"));
    }

    void testStreamWaitsForASlowReader()
    {
        InProcessServer server(defaults(), [this](portico::Chain& c) { routes(c); });
        RawConnection client(server.port());
        // 50 MB in events of 1000 bytes: far more than the kernel's socket buffers hold (a few MB
        // each way on loopback).
        constexpr int Events = 50000;
        CPPUNIT_ASSERT(client.send("GET /bulk?" + std::to_string(Events) + " HTTP/1.1\r\nHost: x\r\n\r\n"));
        std::this_thread::sleep_for(std::chrono::seconds(1));
        // The client read nothing for a second: the producer stopped when the queue passed the
        // high watermark (what the kernel buffers took, plus 64 KiB), instead of producing it all.
        const int whileBlocked = produced_.load();
        CPPUNIT_ASSERT_MESSAGE(std::to_string(whileBlocked) + " events produced for a client that read none",
                               whileBlocked > 0 && whileBlocked < 15000);
        bool sawTail = false;
        bool closed = false;
        const std::size_t bytes = readStreamUntil(client, "\r\n0\r\n\r\n", 60, sawTail, closed);
        CPPUNIT_ASSERT_MESSAGE("the stream ended after " + std::to_string(bytes) + " bytes (closed: " +
                                   std::to_string(closed) + ")",
                               sawTail && !closed);
        CPPUNIT_ASSERT_EQUAL(Events, produced_.load());
        CPPUNIT_ASSERT(bytes > static_cast<std::size_t>(Events) * 1000);
    }

    void testProducerIgnoringBackpressureIsCut()
    {
        InProcessServer server(defaults(), [this](portico::Chain& c) { routes(c); });
        RawConnection client(server.port());
        // 200 MB written at once to a client that reads nothing: cut once the connection holds
        // 16 times the high watermark, instead of buffering it all.
        CPPUNIT_ASSERT(client.send("GET /flood?200000 HTTP/1.1\r\nHost: x\r\n\r\n"));
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        bool sawTail = false;
        bool closed = false;
        const std::size_t bytes = readStreamUntil(client, "\r\n0\r\n\r\n", 30, sawTail, closed);
        CPPUNIT_ASSERT(closed && !sawTail);
        CPPUNIT_ASSERT(bytes < 100u * 1000 * 1000);
        CPPUNIT_ASSERT(server.server().counters().streamsOverBuffer.load() >= 1);
    }

    void testClientLeavingCancelsAStream()
    {
        InProcessServer server(defaults(), [this](portico::Chain& c) { routes(c); });
        {
            RawConnection client(server.port());
            CPPUNIT_ASSERT(client.send("GET /ticks?1000 HTTP/1.1\r\nHost: x\r\n\r\n"));
            client.readUntil("data: 1\n\n", 5);
            client.close();
        }
        for (int i = 0; i < 100 && cancels_.load() == 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        CPPUNIT_ASSERT_EQUAL(1, cancels_.load());
        for (int i = 0; i < 100 && server.state().inFlight() > 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        CPPUNIT_ASSERT_EQUAL(0, server.state().inFlight());
    }

    void testFailedStreamIsCutWithoutItsLastChunk()
    {
        InProcessServer server(defaults(), [this](portico::Chain& c) { routes(c); });
        RawConnection client(server.port());
        CPPUNIT_ASSERT(client.send("GET /truncated HTTP/1.1\r\nHost: x\r\n\r\n"));
        const ReadOutcome read = client.readUntilClosed(5);
        CPPUNIT_ASSERT(read.closed);
        CPPUNIT_ASSERT(read.data.find("partial") != std::string::npos);
        CPPUNIT_ASSERT(read.data.find("\r\n0\r\n\r\n") == std::string::npos);
    }

    void testMaxConnectionsRefusesWith503()
    {
        portico::ServerSettings settings = defaults();
        settings.maxConnections = 3;
        InProcessServer server(settings, [this](portico::Chain& c) { routes(c); });
        std::vector<std::unique_ptr<RawConnection>> held;
        for (int i = 0; i < 3; ++i)
        {
            held.push_back(std::make_unique<RawConnection>(server.port()));
            CPPUNIT_ASSERT(held.back()->send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
            CPPUNIT_ASSERT_EQUAL(200, statusOf(held.back()->readUntil("{\"hello\":true}", 5).data));
        }
        RawConnection extra(server.port());
        const ReadOutcome read = extra.readUntilClosed(5);
        CPPUNIT_ASSERT(read.closed);
        CPPUNIT_ASSERT_EQUAL(503, statusOf(read.data));
        CPPUNIT_ASSERT(read.data.find("max_connections") != std::string::npos);
        CPPUNIT_ASSERT(server.server().refusedConnections() >= 1);
        held.front()->close();
        for (int i = 0; i < 100 && server.server().currentConnections() >= 3; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        RawConnection again(server.port());
        CPPUNIT_ASSERT(again.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
        CPPUNIT_ASSERT_EQUAL(200, statusOf(again.readUntil("{\"hello\":true}", 5).data));
    }

    void testDrainClosesIdleConnectionsAndFinishesStreams()
    {
        auto server = std::make_unique<InProcessServer>(defaults(), [this](portico::Chain& c) { routes(c); });
        RawConnection idle(server->port());
        CPPUNIT_ASSERT(idle.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
        CPPUNIT_ASSERT_EQUAL(200, statusOf(idle.readUntil("{\"hello\":true}", 5).data));
        RawConnection streaming(server->port());
        CPPUNIT_ASSERT(streaming.send("GET /ticks?20 HTTP/1.1\r\nHost: x\r\n\r\n"));
        streaming.readUntil("data: 0\n\n", 5);
        std::thread drain([&] { server->server().drainAndStop(10); });
        const ReadOutcome idleEnd = idle.readUntilClosed(2);
        CPPUNIT_ASSERT_MESSAGE("an idle keep-alive connection closes at once", idleEnd.closed && idleEnd.ms < 1000);
        const ReadOutcome streamEnd = streaming.readUntilClosed(5);
        CPPUNIT_ASSERT(streamEnd.data.find("data: 19\n\n") != std::string::npos);
        CPPUNIT_ASSERT(streamEnd.data.find("\r\n0\r\n\r\n") != std::string::npos);
        drain.join();
    }

private:
    std::atomic<int> cancels_{0};
    std::atomic<int> produced_{0};
};

CPPUNIT_TEST_SUITE_REGISTRATION(HttpServerTest);
