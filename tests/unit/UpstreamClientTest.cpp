// The core's upstream client (portico/Upstream.h, core/src/upstream) against scripted upstreams
// on 127.0.0.1, driven from a DeferredAnswer through a real chain and event loop (ChainHarness):
// what goes on the wire, the answer framings, keep-alive reuse and the stale-connection retry
// (only for requests that are replayable or were not written completely), retries with backoff,
// timeouts (name resolution included), every malformed answer that must be refused (conflicting
// framing, CR/LF/NUL in a header, a final 1xx), the body cap, pause/resume, abandoning a call,
// connections that must not go back to the pool (a hang-up or bytes after the answer, a request
// sent only in part), an early answer while the request is still going out, a close-delimited
// answer over TLS without close_notify, and the resolver (coalescing, stale answers).

#include "ChainHarness.h"
#include "SelfSignedCertificate.h"
#include "TempDir.h"
#include "TestAsserts.h"
#include "TestUpstreams.h"
#include "event/TlsTransport.h"
#include "portico/Deferred.h"
#include "portico/Upstream.h"
#include "upstream/Resolver.h"
#include "upstream/UpstreamService.h"
#include "Poco/File.h"
#include "Poco/Net/Context.h"
#include "Poco/Net/NetSSL.h"
#include "Poco/Net/ServerSocket.h"
#include "Poco/Net/StreamSocket.h"
#include <cppunit/extensions/HelperMacros.h>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <sys/socket.h>
#include <thread>

using namespace std::string_literals;
using portico::Exchange;
using portico::UpstreamAnswer;
using portico::UpstreamFailure;

namespace {

/// A scripted upstream: accepts connections on its own thread and hands each to `serve`, which
/// reads and writes with plain blocking calls.
class ScriptedUpstream
{
public:
    using Serve = std::function<void(Poco::Net::StreamSocket&, int connection)>;

    explicit ScriptedUpstream(Serve serve)
        : socket_(Poco::Net::SocketAddress("127.0.0.1", 0)), port_(socket_.address().port()), serve_(std::move(serve))
    {
        thread_ = std::thread([this] { run(); });
    }
    ~ScriptedUpstream()
    {
        // The accepting thread polls the socket: it stops before the socket closes.
        stopping_ = true;
        thread_.join();
        socket_.close();
        for (auto& worker : workers_)
            worker.join();
    }
    unsigned short port() const { return port_; }
    int accepted() const { return accepted_.load(); }
    std::string requests() const
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return requests_;
    }
    void record(const std::string& request)
    {
        std::lock_guard<std::mutex> lock(mutex_);
        requests_ += request;
    }

private:
    void run()
    {
        while (!stopping_)
        {
            try
            {
                if (!socket_.poll(Poco::Timespan(0, 50000), Poco::Net::Socket::SELECT_READ))
                    continue;
                Poco::Net::StreamSocket connection = socket_.acceptConnection();
                // Kept until the destructor has joined the workers: the socket's last
                // reference then goes on that thread, never while a worker still uses it.
                connections_.push_back(connection);
                const int number = ++accepted_;
                workers_.emplace_back([this, connection, number]() mutable {
                    try
                    {
                        connection.setReceiveTimeout(Poco::Timespan(5, 0));
                        serve_(connection, number);
                    }
                    catch (...)
                    {
                    }
                    // Closed here, by the thread that used it, when `serve` returns (the peer
                    // sees the close then; the object itself lives on in connections_).
                    try
                    {
                        connection.close();
                    }
                    catch (...)
                    {
                    }
                });
            }
            catch (...)
            {
            }
        }
    }

    Poco::Net::ServerSocket socket_;
    const unsigned short port_;
    Serve serve_;
    std::atomic<bool> stopping_{false};
    std::atomic<int> accepted_{0};
    mutable std::mutex mutex_;
    std::string requests_;
    std::thread thread_;
    std::vector<std::thread> workers_;
    std::vector<Poco::Net::StreamSocket> connections_;
};

/// Reads one request (head and Content-Length body) from `socket`; empty when it closed.
std::string readRequest(Poco::Net::StreamSocket& socket)
{
    std::string data;
    char buffer[65536];
    std::size_t headEnd = std::string::npos, length = 0;
    for (;;)
    {
        if (headEnd == std::string::npos && (headEnd = data.find("\r\n\r\n")) != std::string::npos)
        {
            const auto at = data.find("Content-Length: ");
            if (at != std::string::npos && at < headEnd)
                length = std::stoul(data.substr(at + 16, headEnd - at - 16));
        }
        if (headEnd != std::string::npos && data.size() >= headEnd + 4 + length)
            return data;
        const int got = socket.receiveBytes(buffer, sizeof buffer);
        if (got <= 0)
            return data;
        data.append(buffer, static_cast<std::size_t>(got));
    }
}

/// Reads up to the end of a request's head (the body stays in the socket); empty when it closed.
std::string readHead(Poco::Net::StreamSocket& socket)
{
    std::string data;
    char byte;
    while (data.size() < 4 || data.compare(data.size() - 4, 4, "\r\n\r\n") != 0)
    {
        if (socket.receiveBytes(&byte, 1) <= 0)
            return {};
        data += byte;
    }
    return data;
}

void send(Poco::Net::StreamSocket& socket, const std::string& bytes)
{
    socket.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
}

/// Reads whatever comes until the peer closes (or `limit` passes); true when `needle` was in it.
bool readUntilClosed(Poco::Net::StreamSocket& socket, const std::string& needle, std::chrono::milliseconds limit)
{
    socket.setReceiveTimeout(Poco::Timespan(0, 200000));
    const auto until = std::chrono::steady_clock::now() + limit;
    std::string tail;
    char buffer[65536];
    while (std::chrono::steady_clock::now() < until)
    {
        int got = 0;
        try
        {
            got = socket.receiveBytes(buffer, sizeof buffer);
        }
        catch (const Poco::TimeoutException&)
        {
            continue;
        }
        catch (...)
        {
            return false; // reset
        }
        if (got <= 0)
            return false;
        tail.append(buffer, static_cast<std::size_t>(got));
        if (tail.find(needle) != std::string::npos)
            return true;
        tail.erase(0, tail.size() > needle.size() ? tail.size() - needle.size() : 0);
    }
    return false;
}

/// A request body larger than what the kernel buffers of a loopback connection hold.
const std::string& bigBody()
{
    static const std::string body(16 * 1024 * 1024, 'x');
    return body;
}

/// A self-signed certificate (CN localhost, SAN localhost and 127.0.0.1) and its key, made by the
/// openssl command on first use; `suffix` ".pem" is the certificate, "-key.pem" the key.
std::string certificate(const std::string& suffix = ".pem")
{
    static const portico::test::TempDir dir;
    const std::string cert = dir.file("upstream.pem"), key = dir.file("upstream-key.pem");
    if (!Poco::File(cert).exists())
    {
        portico::test::writeSelfSignedCertificate(cert, key, "localhost", "DNS:localhost,IP:127.0.0.1");
    }
    return dir.file("upstream" + suffix);
}

/// What a call delivered.
struct Record
{
    int status = 0;
    std::string contentType;
    std::string body;
    int bodyCalls = 0;
    bool ended = false;
    std::optional<UpstreamFailure> failure;
    std::string upstreamHeader;
};

/// A deferred answer that makes one call and answers the exchange with 200 once it is over.
class CallProbe : public portico::DeferredAnswer, public portico::UpstreamHandler
{
public:
    using Hook = std::function<void(CallProbe&)>;
    CallProbe(std::shared_ptr<portico::UpstreamClient> client, portico::UpstreamRequest request, Record& record)
        : client_(std::move(client)), request_(std::move(request)), record_(record)
    {
    }
    Hook afterFirstBody; ///< runs after the first onBody (pause, abandon, ...)
    Hook afterStart;     ///< runs once the call has started

    void start(Exchange& exchange) override
    {
        exchange_ = &exchange;
        call_ = client_->start(exchange, std::move(request_), *this);
        if (afterStart)
            afterStart(*this);
    }
    void onHead(const UpstreamAnswer& answer) override
    {
        record_.status = answer.status;
        record_.contentType = answer.contentType;
        record_.upstreamHeader = answer.headers.get("X-Upstream", "");
    }
    void onBody(std::string_view bytes) override
    {
        record_.body.append(bytes);
        if (record_.bodyCalls++ == 0 && afterFirstBody)
            afterFirstBody(*this);
    }
    void onEnd() override
    {
        record_.ended = true;
        exchange_->respond(200, "{}");
    }
    void onError(const UpstreamFailure& failure) override
    {
        record_.failure = failure;
        exchange_->respond(failure.status(), "{}");
    }
    void pause() { call_->pause(); }
    /// Keeps the loop busy for `busy`, `delay` from now: events meanwhile are seen together.
    void blockLoopLater(std::chrono::milliseconds delay, std::chrono::milliseconds busy)
    {
        exchange_->after(delay, [busy] { std::this_thread::sleep_for(busy); });
    }
    void resumeLater(std::chrono::milliseconds delay)
    {
        exchange_->after(delay, [this] { call_->resume(); });
    }
    void abandonAndAnswer()
    {
        call_.reset();
        exchange_->respond(299, "{}");
    }

private:
    std::shared_ptr<portico::UpstreamClient> client_;
    portico::UpstreamRequest request_;
    Record& record_;
    Exchange* exchange_ = nullptr;
    std::unique_ptr<portico::UpstreamCall> call_;
};

portico::UpstreamEndpoint endpointFor(unsigned short port)
{
    portico::UpstreamEndpoint endpoint;
    endpoint.name = "test";
    endpoint.url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
    endpoint.host = "127.0.0.1";
    endpoint.port = port;
    endpoint.connectTimeout = std::chrono::milliseconds(1000);
    endpoint.readTimeout = std::chrono::milliseconds(2000);
    endpoint.retryBackoff = std::chrono::milliseconds(10);
    return endpoint;
}

/// For calls with bigBody(): a read timeout no sanitizer build comes near.
portico::UpstreamEndpoint slowEndpointFor(unsigned short port)
{
    portico::UpstreamEndpoint endpoint = endpointFor(port);
    endpoint.readTimeout = std::chrono::milliseconds(20000);
    return endpoint;
}

unsigned short closedPort()
{
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    return socket.address().port();
}

} // namespace

class UpstreamClientTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(UpstreamClientTest);
    CPPUNIT_TEST(testRequestOnTheWireAndAnAnswer);
    CPPUNIT_TEST(testChunkedAndUntilCloseAnswers);
    CPPUNIT_TEST(testKeepAliveReuse);
    CPPUNIT_TEST(testStalePooledConnectionIsRetriedOnce);
    CPPUNIT_TEST(testRefusedIsRetriedThenFails);
    CPPUNIT_TEST(testBusyUpstreamRetried);
    CPPUNIT_TEST(testReadTimeout);
    CPPUNIT_TEST(testMalformedAnswersAreRefused);
    CPPUNIT_TEST(testInterimAnswersSkippedButNotForever);
    CPPUNIT_TEST(testBodyCap);
    CPPUNIT_TEST(testBrokenMidBody);
    CPPUNIT_TEST(testPauseStopsDelivery);
    CPPUNIT_TEST(testAbandonClosesTheConnection);
    CPPUNIT_TEST(testWriteFailureOnAPooledConnectionRetriesOnANewOne);
    CPPUNIT_TEST(testBusyAnswerBeforeTheWholeRequestIsNotPooled);
    CPPUNIT_TEST(testCompletelyWrittenRequestRetriedOnlyWhenReplayable);
    CPPUNIT_TEST(testBadGatewayRetriedOnlyWhenReplayable);
    CPPUNIT_TEST(testHangUpSeenDuringTheAnswerKeepsItOutOfThePool);
    CPPUNIT_TEST(testBytesLeftInTheSocketKeepItOutOfThePool);
    CPPUNIT_TEST(testEarlyAnswerWhileTheRequestIsGoingOut);
    CPPUNIT_TEST(testImmediateConnectErrorIsReported);
    CPPUNIT_TEST(testNameResolutionHasADeadline);
    CPPUNIT_TEST(testResolverCoalescesCachesAndServesStale);
    CPPUNIT_TEST(testCloseDelimitedAnswerOverTlsNeedsCloseNotify);
    CPPUNIT_TEST_SUITE_END();

public:
    /// Runs one call to `endpoint` through a chain; returns what it delivered.
    Record call(const portico::UpstreamEndpoint& endpoint, portico::UpstreamRequest request = {},
                const CallProbe::Hook& afterFirstBody = {})
    {
        if (request.target.empty())
            request.target = "/v1/thing";
        Record record;
        portico::test::ChainHarness harness;
        auto client = portico::test::testUpstreams().client(endpoint);
        harness.route("POST", "/call", [&](Exchange& exchange) {
            auto probe = std::make_unique<CallProbe>(client, request, record);
            probe->afterFirstBody = afterFirstBody;
            exchange.defer(std::move(probe));
        });
        harness.request("POST", "/call", {}, "{}");
        return record;
    }

    /// Runs one call per request, one after the other on one loop (one pool), `hooks[i]` after
    /// the first onBody of call i; what each delivered. `service`: the one `client` came from when
    /// it is not testUpstreams() (its pools on the loop are dropped at the end).
    std::vector<Record> calls(const std::shared_ptr<portico::UpstreamClient>& client,
                              const std::vector<portico::UpstreamRequest>& requests,
                              const std::vector<CallProbe::Hook>& hooks = {}, portico::UpstreamService* service = nullptr)
    {
        std::vector<Record> records(requests.size());
        portico::test::ChainHarness harness;
        std::size_t next = 0;
        harness.route("POST", "/call", [&](Exchange& exchange) {
            const std::size_t index = next++;
            portico::UpstreamRequest request = requests[index];
            if (request.target.empty())
                request.target = "/x";
            auto probe = std::make_unique<CallProbe>(client, std::move(request), records[index]);
            if (index < hooks.size())
                probe->afterFirstBody = hooks[index];
            exchange.defer(std::move(probe));
        });
        for (std::size_t i = 0; i < requests.size(); ++i)
            harness.request("POST", "/call", {}, "{}");
        if (service)
            service->dropLoop(harness.loop());
        return records;
    }

    static portico::UpstreamRequest requestWith(const std::string& method, const std::string& body = "",
                                                const std::string& idempotencyKey = "")
    {
        portico::UpstreamRequest request;
        request.method = method;
        request.body = body;
        if (!idempotencyKey.empty())
            request.headers.add("Idempotency-Key", idempotencyKey);
        return request;
    }

    void testRequestOnTheWireAndAnAnswer()
    {
        ScriptedUpstream upstream([&](Poco::Net::StreamSocket& socket, int) {
            upstream.record(readRequest(socket));
            send(socket, "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nX-Upstream: yes\r\n"
                         "Content-Length: 11\r\n\r\n{\"ok\":true}");
        });
        portico::UpstreamRequest request;
        request.target = "/v1/chat/completions";
        request.body = "{\"model\":\"m\"}";
        request.headers.add("Authorization", "Bearer upstream-key");
        request.headers.add("X-Bad", "a\r\nInjected: 1"); // never sent: it would split the head
        request.headers.add("Content-Length", "999");    // the client's own
        request.headers.add("Transfer-Encoding ", "gzip"); // not a token: never sent
        request.headers.add("Bad Name", "v");
        const Record record = call(endpointFor(upstream.port()), request);
        CPPUNIT_ASSERT(record.ended);
        CPPUNIT_ASSERT_EQUAL(201, record.status);
        CPPUNIT_ASSERT_EQUAL(std::string("application/json"), record.contentType);
        CPPUNIT_ASSERT_EQUAL(std::string("yes"), record.upstreamHeader);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"ok\":true}"), record.body);
        const std::string sent = upstream.requests();
        PORTICO_ASSERT_CONTAINS(sent, "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:" +
                                          std::to_string(upstream.port()) + "\r\n");
        PORTICO_ASSERT_CONTAINS(sent, "Authorization: Bearer upstream-key\r\n");
        PORTICO_ASSERT_CONTAINS(sent, "Content-Length: 13\r\n");
        PORTICO_ASSERT_CONTAINS(sent, "Connection: keep-alive\r\n\r\n{\"model\":\"m\"}");
        PORTICO_ASSERT_NOT_CONTAINS(sent, "Injected");
        PORTICO_ASSERT_NOT_CONTAINS(sent, "999");
        PORTICO_ASSERT_NOT_CONTAINS(sent, "gzip");
        PORTICO_ASSERT_NOT_CONTAINS(sent, "Bad Name");
    }

    void testChunkedAndUntilCloseAnswers()
    {
        ScriptedUpstream chunked([](Poco::Net::StreamSocket& socket, int) {
            readRequest(socket);
            send(socket, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            send(socket, "6\r\n world\r\n0\r\n\r\n");
        });
        Record record = call(endpointFor(chunked.port()));
        CPPUNIT_ASSERT(record.ended);
        CPPUNIT_ASSERT_EQUAL(std::string("hello world"), record.body);
        CPPUNIT_ASSERT(record.bodyCalls >= 2); // delivered as it came

        ScriptedUpstream untilClose([](Poco::Net::StreamSocket& socket, int) {
            readRequest(socket);
            send(socket, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it");
            socket.shutdownSend();
        });
        record = call(endpointFor(untilClose.port()));
        CPPUNIT_ASSERT(record.ended);
        CPPUNIT_ASSERT_EQUAL(std::string("all of it"), record.body);
    }

    void testKeepAliveReuse()
    {
        ScriptedUpstream upstream([](Poco::Net::StreamSocket& socket, int) {
            while (!readRequest(socket).empty())
                send(socket, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        });
        const auto endpoint = endpointFor(upstream.port());
        portico::test::ChainHarness harness; // one loop for all three calls: one pool
        auto client = portico::test::testUpstreams().client(endpoint);
        std::vector<Record> records(3);
        int next = 0;
        harness.route("POST", "/call", [&](Exchange& exchange) {
            portico::UpstreamRequest request;
            request.target = "/x";
            exchange.defer(std::make_unique<CallProbe>(client, request, records[static_cast<std::size_t>(next++)]));
        });
        for (int i = 0; i < 3; ++i)
            CPPUNIT_ASSERT_EQUAL(200, harness.request("POST", "/call", {}, "{}")->head().status);
        for (const auto& record : records)
            CPPUNIT_ASSERT_EQUAL(std::string("ok"), record.body);
        CPPUNIT_ASSERT_EQUAL(1, upstream.accepted());
    }

    void testStalePooledConnectionIsRetriedOnce()
    {
        // The upstream answers one request per connection, then closes it (as a server whose
        // keep-alive timeout just passed would): the pooled connection is dead when reused.
        ScriptedUpstream upstream([](Poco::Net::StreamSocket& socket, int number) {
            readRequest(socket);
            send(socket, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n" + std::to_string(number));
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        });
        const auto endpoint = endpointFor(upstream.port());
        portico::test::ChainHarness harness;
        auto client = portico::test::testUpstreams().client(endpoint);
        std::vector<Record> records(2);
        int next = 0;
        harness.route("POST", "/call", [&](Exchange& exchange) {
            portico::UpstreamRequest request;
            request.target = "/x";
            exchange.defer(std::make_unique<CallProbe>(client, request, records[static_cast<std::size_t>(next++)]));
        });
        CPPUNIT_ASSERT_EQUAL(200, harness.request("POST", "/call", {}, "{}")->head().status);
        std::this_thread::sleep_for(std::chrono::milliseconds(100)); // the upstream has closed it
        CPPUNIT_ASSERT_EQUAL(200, harness.request("POST", "/call", {}, "{}")->head().status);
        CPPUNIT_ASSERT_EQUAL(std::string("1"), records[0].body);
        CPPUNIT_ASSERT_EQUAL(std::string("2"), records[1].body);
        CPPUNIT_ASSERT(!records[1].failure);
    }

    void testRefusedIsRetriedThenFails()
    {
        auto endpoint = endpointFor(closedPort());
        endpoint.retries = 2;
        const auto started = std::chrono::steady_clock::now();
        const Record record = call(endpoint);
        CPPUNIT_ASSERT(record.failure);
        CPPUNIT_ASSERT(record.failure->kind == UpstreamFailure::Kind::Connect);
        CPPUNIT_ASSERT_EQUAL(3, record.failure->attempts);
        CPPUNIT_ASSERT_EQUAL(502, record.failure->status());
        CPPUNIT_ASSERT_EQUAL(std::string("upstream_unreachable"), std::string(record.failure->code()));
        PORTICO_ASSERT_CONTAINS(record.failure->message, "upstream 'test' (http://127.0.0.1:");
        // Two backoffs of at least 5 and 10 ms.
        CPPUNIT_ASSERT(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(15));
    }

    void testBusyUpstreamRetried()
    {
        ScriptedUpstream upstream([](Poco::Net::StreamSocket& socket, int number) {
            readRequest(socket);
            if (number == 1)
                send(socket, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy");
            else
                send(socket, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone");
        });
        portico::UpstreamRequest request;
        request.retryBusy = true;
        Record record = call(endpointFor(upstream.port()), request);
        CPPUNIT_ASSERT_EQUAL(200, record.status);
        CPPUNIT_ASSERT_EQUAL(std::string("done"), record.body);
        // A stream's 503 is passed on.
        ScriptedUpstream always([](Poco::Net::StreamSocket& socket, int) {
            readRequest(socket);
            send(socket, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy");
        });
        record = call(endpointFor(always.port()));
        CPPUNIT_ASSERT_EQUAL(503, record.status);
        CPPUNIT_ASSERT_EQUAL(1, always.accepted());
    }

    void testReadTimeout()
    {
        ScriptedUpstream silent([](Poco::Net::StreamSocket& socket, int) {
            readRequest(socket);
            std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        });
        auto endpoint = endpointFor(silent.port());
        endpoint.readTimeout = std::chrono::milliseconds(300);
        const auto started = std::chrono::steady_clock::now();
        const Record record = call(endpoint);
        const auto took = std::chrono::steady_clock::now() - started;
        CPPUNIT_ASSERT(record.failure && record.failure->kind == UpstreamFailure::Kind::Timeout);
        CPPUNIT_ASSERT_EQUAL(504, record.failure->status());
        CPPUNIT_ASSERT(took >= std::chrono::milliseconds(300) && took < std::chrono::milliseconds(1400));
        CPPUNIT_ASSERT_EQUAL(1, silent.accepted()); // a read timeout is never retried
    }

    void testMalformedAnswersAreRefused()
    {
        const std::vector<std::pair<std::string, std::string>> cases = {
            {"HTTP/1.1 200 OK\r\nSet: a\rSet-Cookie: x=1\r\nContent-Length: 2\r\n\r\nok", "CR"},
            {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok", "Content-Length"},
            {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!", "Content-Length"},
            {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", ""},
            {"HTTP/1.1 200 OK\r\nX-Nul: a\0b\r\nContent-Length: 2\r\n\r\nok"s, ""},
            {"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", "101"},
            {"HTTP/1.1 000 Nothing\r\nContent-Length: 0\r\n\r\n", ""},
        };
        for (const auto& [answer, mention] : cases)
        {
            const std::string bytes = answer;
            ScriptedUpstream upstream([bytes](Poco::Net::StreamSocket& socket, int) {
                readRequest(socket);
                send(socket, bytes);
            });
            const Record record = call(endpointFor(upstream.port()));
            CPPUNIT_ASSERT_MESSAGE("accepted: " + answer, record.failure.has_value());
            CPPUNIT_ASSERT(record.failure->kind == UpstreamFailure::Kind::Protocol);
            CPPUNIT_ASSERT_EQUAL(std::string("upstream_error"), std::string(record.failure->code()));
            CPPUNIT_ASSERT_EQUAL(0, record.status); // no head reached the handler
            if (!mention.empty())
                PORTICO_ASSERT_CONTAINS(record.failure->message, mention);
        }
    }

    void testInterimAnswersSkippedButNotForever()
    {
        ScriptedUpstream some([](Poco::Net::StreamSocket& socket, int) {
            readRequest(socket);
            send(socket, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
                         "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        });
        Record record = call(endpointFor(some.port()));
        CPPUNIT_ASSERT_EQUAL(200, record.status);
        CPPUNIT_ASSERT_EQUAL(std::string("ok"), record.body);
        ScriptedUpstream endless([](Poco::Net::StreamSocket& socket, int) {
            readRequest(socket);
            std::string many;
            for (int i = 0; i < 17; ++i)
                many += "HTTP/1.1 100 Continue\r\n\r\n";
            send(socket, many);
        });
        record = call(endpointFor(endless.port()));
        CPPUNIT_ASSERT(record.failure && record.failure->kind == UpstreamFailure::Kind::Protocol);
        PORTICO_ASSERT_CONTAINS(record.failure->message, "interim");
    }

    void testBodyCap()
    {
        ScriptedUpstream declared([](Poco::Net::StreamSocket& socket, int) {
            readRequest(socket);
            send(socket, "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n");
        });
        portico::UpstreamRequest request;
        request.maxBodyBytes = 100;
        Record record = call(endpointFor(declared.port()), request);
        CPPUNIT_ASSERT(record.failure && record.failure->kind == UpstreamFailure::Kind::TooLarge);
        CPPUNIT_ASSERT(!record.failure->afterHead);
        ScriptedUpstream chunked([](Poco::Net::StreamSocket& socket, int) {
            readRequest(socket);
            send(socket, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (int i = 0; i < 20; ++i)
                send(socket, "a\r\n0123456789\r\n");
            send(socket, "0\r\n\r\n");
        });
        record = call(endpointFor(chunked.port()), request);
        CPPUNIT_ASSERT(record.failure && record.failure->kind == UpstreamFailure::Kind::TooLarge);
        CPPUNIT_ASSERT(record.body.size() <= 100);
    }

    void testBrokenMidBody()
    {
        ScriptedUpstream upstream([](Poco::Net::StreamSocket& socket, int) {
            readRequest(socket);
            send(socket, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf!");
            socket.shutdown();
        });
        const Record record = call(endpointFor(upstream.port()));
        CPPUNIT_ASSERT(record.failure && record.failure->kind == UpstreamFailure::Kind::Broken);
        CPPUNIT_ASSERT(record.failure->afterHead);
        CPPUNIT_ASSERT_EQUAL(std::string("half!"), record.body);
        PORTICO_ASSERT_CONTAINS(record.failure->message, "5 of 10 bytes");
    }

    void testPauseStopsDelivery()
    {
        std::atomic<bool> secondSent{false};
        ScriptedUpstream upstream([&](Poco::Net::StreamSocket& socket, int) {
            readRequest(socket);
            send(socket, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n");
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            send(socket, "6\r\nsecond\r\n0\r\n\r\n");
            secondSent = true;
        });
        std::chrono::steady_clock::time_point resumedAt;
        Record record;
        {
            portico::test::ChainHarness harness;
            auto client = portico::test::testUpstreams().client(endpointFor(upstream.port()));
            harness.route("POST", "/call", [&](Exchange& exchange) {
                portico::UpstreamRequest request;
                request.target = "/x";
                auto probe = std::make_unique<CallProbe>(client, request, record);
                probe->afterFirstBody = [&](CallProbe& self) {
                    self.pause();
                    resumedAt = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
                    self.resumeLater(std::chrono::milliseconds(300));
                };
                exchange.defer(std::move(probe));
            });
            const auto started = std::chrono::steady_clock::now();
            harness.request("POST", "/call", {}, "{}");
            // The second chunk was on the wire long before, but it was delivered only after resume.
            CPPUNIT_ASSERT(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(300));
        }
        CPPUNIT_ASSERT(secondSent);
        CPPUNIT_ASSERT(record.ended);
        CPPUNIT_ASSERT_EQUAL(std::string("firstsecond"), record.body);
        CPPUNIT_ASSERT_EQUAL(2, record.bodyCalls);
    }

    void testAbandonClosesTheConnection()
    {
        std::atomic<bool> sawClose{false};
        ScriptedUpstream upstream([&](Poco::Net::StreamSocket& socket, int) {
            readRequest(socket);
            send(socket, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n");
            // An upstream that goes on generating until its client goes away.
            for (int i = 0; i < 100; ++i)
            {
                try
                {
                    std::this_thread::sleep_for(std::chrono::milliseconds(20));
                    send(socket, "4\r\nmore\r\n");
                }
                catch (...)
                {
                    sawClose = true;
                    return;
                }
            }
        });
        const Record record = call(endpointFor(upstream.port()), {}, [](CallProbe& self) { self.abandonAndAnswer(); });
        CPPUNIT_ASSERT_EQUAL(std::string("first"), record.body);
        for (int i = 0; i < 100 && !sawClose; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        CPPUNIT_ASSERT_MESSAGE("the upstream connection was closed when the call was abandoned", sawClose.load());
    }
    void testWriteFailureOnAPooledConnectionRetriesOnANewOne()
    {
        // The second call goes on the pooled connection; the upstream reads its head only, lets
        // the socket fill up, then closes with the body unread (a reset). Writing fails, the
        // request (not sent whole) goes again on a new connection, to an IP literal: the new
        // connection is made at once and is still connecting when the failed write returns.
        ScriptedUpstream upstream([](Poco::Net::StreamSocket& socket, int number) {
            if (number == 1)
            {
                readRequest(socket);
                send(socket, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst");
                readHead(socket);
                std::this_thread::sleep_for(std::chrono::milliseconds(150));
                return; // closed with unread bytes: a reset
            }
            const std::string size = std::to_string(readRequest(socket).size());
            send(socket, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(size.size()) + "\r\n\r\n" + size);
        });
        auto client = portico::test::testUpstreams().client(slowEndpointFor(upstream.port()));
        const auto records = calls(client, {requestWith("POST"), requestWith("POST", bigBody())});
        CPPUNIT_ASSERT_EQUAL(std::string("first"), records[0].body);
        CPPUNIT_ASSERT_MESSAGE(records[1].failure ? records[1].failure->message : "", !records[1].failure);
        CPPUNIT_ASSERT(records[1].ended);
        CPPUNIT_ASSERT(std::stoul(records[1].body) > bigBody().size()); // the whole request reached connection 2
        CPPUNIT_ASSERT_EQUAL(2, upstream.accepted());
    }

    void testBusyAnswerBeforeTheWholeRequestIsNotPooled()
    {
        // A 503 before the body was read: the connection is out of step (the upstream takes what
        // follows as the rest of the body), so the retry goes on a new connection.
        std::atomic<bool> retryOnFirst{false};
        ScriptedUpstream upstream([&](Poco::Net::StreamSocket& socket, int number) {
            if (number == 1)
            {
                readHead(socket);
                send(socket, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy");
                std::this_thread::sleep_for(std::chrono::milliseconds(150)); // the client has read it
                if (readUntilClosed(socket, "POST /", std::chrono::seconds(3)))
                {
                    retryOnFirst = true;
                    send(socket, "HTTP/1.1 500 Wrong\r\nContent-Length: 0\r\n\r\n");
                }
                return;
            }
            readRequest(socket);
            send(socket, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone");
        });
        auto request = requestWith("POST", bigBody());
        request.retryBusy = true;
        auto client = portico::test::testUpstreams().client(slowEndpointFor(upstream.port()));
        const auto records = calls(client, {request});
        CPPUNIT_ASSERT_MESSAGE(records[0].failure ? records[0].failure->message : "", !records[0].failure);
        CPPUNIT_ASSERT_EQUAL(200, records[0].status);
        CPPUNIT_ASSERT_EQUAL(std::string("done"), records[0].body);
        CPPUNIT_ASSERT(!retryOnFirst);
        CPPUNIT_ASSERT_EQUAL(2, upstream.accepted());
    }

    void testCompletelyWrittenRequestRetriedOnlyWhenReplayable()
    {
        // The pooled connection takes the second request whole, then closes without a word: the
        // upstream may have processed it. Only a replayable request goes again.
        const auto run = [this](const portico::UpstreamRequest& second, int& accepted) {
            ScriptedUpstream upstream([](Poco::Net::StreamSocket& socket, int number) {
                readRequest(socket);
                send(socket, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n" + std::to_string(number));
                if (number == 1)
                    readRequest(socket); // and close without an answer
            });
            auto client = portico::test::testUpstreams().client(endpointFor(upstream.port()));
            const auto records = calls(client, {requestWith("POST"), second});
            CPPUNIT_ASSERT_EQUAL(std::string("1"), records[0].body);
            accepted = upstream.accepted();
            return records[1];
        };
        int accepted = 0;
        Record record = run(requestWith("POST", "{}"), accepted);
        CPPUNIT_ASSERT(record.failure && record.failure->kind == UpstreamFailure::Kind::Broken);
        PORTICO_ASSERT_CONTAINS(record.failure->message, "closed before an answer came");
        CPPUNIT_ASSERT_EQUAL(1, record.failure->attempts);
        CPPUNIT_ASSERT_EQUAL(1, accepted);

        record = run(requestWith("POST", "{}", "key-1"), accepted);
        CPPUNIT_ASSERT_MESSAGE(record.failure ? record.failure->message : "", !record.failure);
        CPPUNIT_ASSERT_EQUAL(std::string("2"), record.body);
        CPPUNIT_ASSERT_EQUAL(2, accepted);

        for (const char* method : {"GET", "PUT", "DELETE"})
        {
            record = run(requestWith(method), accepted);
            CPPUNIT_ASSERT_MESSAGE(std::string(method) + ": " + (record.failure ? record.failure->message : ""),
                                   !record.failure);
            CPPUNIT_ASSERT_EQUAL(std::string("2"), record.body);
        }
    }

    void testBadGatewayRetriedOnlyWhenReplayable()
    {
        const auto run = [this](portico::UpstreamRequest request, int& requests) {
            std::atomic<int> seen{0};
            ScriptedUpstream upstream([&seen](Poco::Net::StreamSocket& socket, int) {
                while (!readRequest(socket).empty())
                    send(socket, ++seen == 1 ? "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 3\r\n\r\nbad"
                                             : "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone");
            });
            request.retryBusy = true;
            auto client = portico::test::testUpstreams().client(endpointFor(upstream.port()));
            const Record record = calls(client, {request})[0];
            requests = seen.load();
            return record;
        };
        int requests = 0;
        Record record = run(requestWith("POST", "{}"), requests);
        CPPUNIT_ASSERT_EQUAL(502, record.status); // passed on: the POST may have been processed
        CPPUNIT_ASSERT_EQUAL(std::string("bad"), record.body);
        CPPUNIT_ASSERT_EQUAL(1, requests);
        record = run(requestWith("POST", "{}", "key-2"), requests);
        CPPUNIT_ASSERT_EQUAL(200, record.status);
        CPPUNIT_ASSERT_EQUAL(2, requests);
        record = run(requestWith("GET"), requests);
        CPPUNIT_ASSERT_EQUAL(200, record.status);
    }

    void testHangUpSeenDuringTheAnswerKeepsItOutOfThePool()
    {
        // The upstream ends the answer and closes while the call is paused: the FIN's event comes
        // before the answer is read to its end, and no event comes after. The connection must not
        // be pooled (the next call, a POST that cannot be retried, would fail on it).
        ScriptedUpstream upstream([](Poco::Net::StreamSocket& socket, int number) {
            readRequest(socket);
            if (number == 1)
            {
                send(socket, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\na");
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
                send(socket, "bcdef");
                return; // closed: a FIN right behind the answer
            }
            send(socket, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond");
        });
        auto client = portico::test::testUpstreams().client(endpointFor(upstream.port()));
        const CallProbe::Hook pause = [](CallProbe& self) {
            self.pause();
            self.resumeLater(std::chrono::milliseconds(200));
        };
        const auto records = calls(client, {requestWith("POST", "{}"), requestWith("POST", "{}")}, {pause});
        CPPUNIT_ASSERT_EQUAL(std::string("abcdef"), records[0].body);
        CPPUNIT_ASSERT(records[0].ended);
        CPPUNIT_ASSERT_MESSAGE(records[1].failure ? records[1].failure->message : "", !records[1].failure);
        CPPUNIT_ASSERT_EQUAL(std::string("second"), records[1].body);
        CPPUNIT_ASSERT_EQUAL(2, upstream.accepted());
    }

    void testBytesLeftInTheSocketKeepItOutOfThePool()
    {
        // After a pause the rest of the answer is read in one go that fills the loop's 64 KiB
        // buffer exactly; stray bytes wait behind it in the socket and raise no new event. One
        // more read finds them, and the connection is closed instead of pooled.
        const std::size_t readBuffer = 64 * 1024;
        ScriptedUpstream upstream([&](Poco::Net::StreamSocket& socket, int number) {
            readRequest(socket);
            if (number == 1)
            {
                send(socket, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(1 + readBuffer) + "\r\n\r\na");
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
                send(socket, std::string(readBuffer, 'b') + "junk");
                if (!readRequest(socket).empty()) // only if the connection was wrongly reused
                    send(socket, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nwrong");
                return;
            }
            send(socket, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nright");
        });
        auto client = portico::test::testUpstreams().client(endpointFor(upstream.port()));
        const CallProbe::Hook pause = [](CallProbe& self) {
            self.pause();
            self.resumeLater(std::chrono::milliseconds(200));
        };
        const auto records = calls(client, {requestWith("POST", "{}"), requestWith("POST", "{}")}, {pause});
        CPPUNIT_ASSERT(records[0].ended);
        CPPUNIT_ASSERT_EQUAL(1 + readBuffer, records[0].body.size());
        CPPUNIT_ASSERT_MESSAGE(records[1].failure ? records[1].failure->message : "", !records[1].failure);
        CPPUNIT_ASSERT_EQUAL(std::string("right"), records[1].body);
        CPPUNIT_ASSERT_EQUAL(2, upstream.accepted());
    }

    void testEarlyAnswerWhileTheRequestIsGoingOut()
    {
        // The upstream refuses the body after its head and closes with the body unread (a
        // reset): the write fails, but the upstream's own answer is what the call delivers. The
        // loop is kept busy meanwhile, so that the answer and the reset come in one event (the
        // write is tried first).
        ScriptedUpstream upstream([](Poco::Net::StreamSocket& socket, int) {
            readHead(socket);
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            send(socket, "HTTP/1.1 413 Content Too Large\r\nContent-Length: 8\r\nConnection: close\r\n\r\ntoo much");
        });
        Record record;
        {
            portico::test::ChainHarness harness;
            auto client = portico::test::testUpstreams().client(slowEndpointFor(upstream.port()));
            harness.route("POST", "/call", [&](Exchange& exchange) {
                auto probe = std::make_unique<CallProbe>(client, requestWith("POST", bigBody()), record);
                probe->afterStart = [](CallProbe& self) {
                    self.blockLoopLater(std::chrono::milliseconds(50), std::chrono::milliseconds(250));
                };
                exchange.defer(std::move(probe));
            });
            harness.request("POST", "/call", {}, "{}");
        }
        CPPUNIT_ASSERT_MESSAGE(record.failure ? record.failure->message : "", !record.failure);
        CPPUNIT_ASSERT_EQUAL(413, record.status);
        CPPUNIT_ASSERT_EQUAL(std::string("too much"), record.body);
        CPPUNIT_ASSERT(record.ended);
    }

    void testImmediateConnectErrorIsReported()
    {
        // A TCP connect to the broadcast address fails inside connect() (ENETUNREACH): that
        // error, not "connection refused".
        auto endpoint = endpointFor(80);
        endpoint.host = "255.255.255.255";
        endpoint.retries = 0;
        const Record record = call(endpoint);
        CPPUNIT_ASSERT(record.failure && record.failure->kind == UpstreamFailure::Kind::Connect);
        PORTICO_ASSERT_CONTAINS(record.failure->message, "cannot connect: Network is unreachable");
    }

    void testNameResolutionHasADeadline()
    {
        // A resolver that never answers: the connect timeout ends the attempt (and the retry,
        // which waits for the same lookup instead of starting another).
        std::mutex mutex;
        std::condition_variable released;
        bool release = false;
        std::atomic<int> lookups{0};
        portico::UpstreamService service;
        service.resolver().setLookup([&](const std::string&, unsigned short) {
            ++lookups;
            std::unique_lock<std::mutex> lock(mutex);
            released.wait_for(lock, std::chrono::seconds(10), [&] { return release; });
            return portico::Resolver::Answer{{}, "test: no answer"};
        });
        auto endpoint = endpointFor(closedPort());
        endpoint.host = "upstream.invalid";
        endpoint.connectTimeout = std::chrono::milliseconds(200);
        endpoint.retries = 1;
        const auto started = std::chrono::steady_clock::now();
        const Record record = calls(service.client(endpoint), {requestWith("POST")}, {}, &service)[0];
        const auto took = std::chrono::steady_clock::now() - started;
        {
            std::lock_guard<std::mutex> lock(mutex);
            release = true;
        }
        released.notify_all();
        CPPUNIT_ASSERT(record.failure && record.failure->kind == UpstreamFailure::Kind::Timeout);
        CPPUNIT_ASSERT_EQUAL(504, record.failure->status());
        PORTICO_ASSERT_CONTAINS(record.failure->message, "resolving upstream.invalid timed out after 200 ms");
        CPPUNIT_ASSERT_EQUAL(2, record.failure->attempts);
        CPPUNIT_ASSERT(took >= std::chrono::milliseconds(400) && took < std::chrono::seconds(3));
        CPPUNIT_ASSERT_EQUAL(1, lookups.load());
    }

    void testResolverCoalescesCachesAndServesStale()
    {
        std::atomic<int> lookups{0};
        std::atomic<bool> dnsDown{false};
        portico::EventLoop loop("resolver-test");
        portico::Resolver resolver(
            [&](const std::string&, unsigned short port) {
                ++lookups;
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
                if (dnsDown)
                    return portico::Resolver::Answer{{}, "test: DNS is down"};
                return portico::Resolver::systemLookup("127.0.0.1", port, true);
            },
            std::chrono::milliseconds(300));
        int answered = 0;
        std::vector<std::string> errors;
        const auto done = [&](std::vector<portico::ResolvedAddress> addresses, std::string error) {
            ++answered;
            errors.push_back(addresses.empty() ? error : std::string());
        };
        const auto runUntil = [&](int count) {
            const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
            while (answered < count && std::chrono::steady_clock::now() < until)
                loop.runOnce(std::chrono::milliseconds(10));
            CPPUNIT_ASSERT_EQUAL(count, answered);
        };
        // Three calls at once: one lookup.
        for (int i = 0; i < 3; ++i)
            resolver.resolve("name.test", 80, loop, done);
        runUntil(3);
        CPPUNIT_ASSERT_EQUAL(1, lookups.load());
        CPPUNIT_ASSERT(errors == std::vector<std::string>(3));
        // A fresh answer comes at once, and without the resolver's lock held: `done` may ask again.
        bool nested = false;
        resolver.resolve("name.test", 80, loop, [&](std::vector<portico::ResolvedAddress> addresses, std::string) {
            CPPUNIT_ASSERT(!addresses.empty());
            resolver.resolve("name.test", 80, loop,
                             [&](std::vector<portico::ResolvedAddress> again, std::string) { nested = !again.empty(); });
        });
        CPPUNIT_ASSERT(nested);
        CPPUNIT_ASSERT_EQUAL(1, lookups.load());
        // Expired, and DNS fails: the addresses found before are served.
        std::this_thread::sleep_for(std::chrono::milliseconds(350));
        dnsDown = true;
        resolver.resolve("name.test", 80, loop, done);
        runUntil(4);
        CPPUNIT_ASSERT_EQUAL(2, lookups.load());
        CPPUNIT_ASSERT_EQUAL(std::string(), errors.back());
        // A name never resolved: the failure.
        resolver.resolve("other.test", 80, loop, done);
        runUntil(5);
        CPPUNIT_ASSERT_EQUAL(std::string("test: DNS is down"), errors.back());
    }

    void testCloseDelimitedAnswerOverTlsNeedsCloseNotify()
    {
        // An answer without Content-Length or chunking ends with the connection. Over TLS only
        // the upstream's close_notify proves that end; a bare TCP FIN may be a truncation.
        Poco::Net::initializeSSL();
        Poco::Net::Context::Params params;
        params.certificateFile = certificate();
        params.privateKeyFile = certificate("-key.pem");
        params.verificationMode = Poco::Net::Context::VERIFY_NONE;
        params.loadDefaultCAs = false;
        const Poco::Net::Context::Ptr server = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
        const auto run = [&](bool closeNotify) {
            ScriptedUpstream upstream([&server, closeNotify](Poco::Net::StreamSocket& socket, int) {
                auto tls = portico::TlsTransport::server(socket.impl()->sockfd(), server->sslContext());
                std::string request;
                char buffer[4096];
                while (request.find("\r\n\r\n") == std::string::npos)
                {
                    const long got = tls->read(buffer, sizeof buffer); // a blocking socket
                    if (got <= 0)
                        return;
                    request.append(buffer, static_cast<std::size_t>(got));
                }
                const std::string answer = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it";
                std::size_t sent = 0;
                while (sent < answer.size())
                {
                    const long taken = tls->write(answer.data() + sent, answer.size() - sent);
                    if (taken <= 0)
                        return;
                    sent += static_cast<std::size_t>(taken);
                }
                if (closeNotify)
                    tls->shutdownSend();
                // Otherwise the socket just closes: a FIN without close_notify.
            });
            auto endpoint = endpointFor(upstream.port());
            endpoint.tls = true;
            endpoint.url = "https://127.0.0.1:" + std::to_string(upstream.port()) + "/v1";
            endpoint.caFile = certificate();
            return call(endpoint);
        };
        Record record = run(true);
        CPPUNIT_ASSERT_MESSAGE(record.failure ? record.failure->message : "", !record.failure);
        CPPUNIT_ASSERT(record.ended);
        CPPUNIT_ASSERT_EQUAL(std::string("all of it"), record.body);
        record = run(false);
        CPPUNIT_ASSERT(record.failure && record.failure->kind == UpstreamFailure::Kind::Broken);
        CPPUNIT_ASSERT(record.failure->afterHead);
        PORTICO_ASSERT_CONTAINS(record.failure->message, "close_notify");
        CPPUNIT_ASSERT(!record.ended);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(UpstreamClientTest);
