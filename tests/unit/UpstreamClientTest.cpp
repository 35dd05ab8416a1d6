// The core's upstream client (portico/Upstream.h, core/src/upstream) against scripted upstreams
// on 127.0.0.1, driven from a DeferredAnswer through a real chain and event loop (ChainHarness):
// what goes on the wire, the answer framings, keep-alive reuse and the stale-connection retry,
// retries with backoff, timeouts, every malformed answer that must be refused (conflicting
// framing, CR/LF/NUL in a header, a final 1xx), the body cap, pause/resume and abandoning a call.

#include "ChainHarness.h"
#include "TempDir.h"
#include "TestAsserts.h"
#include "TestUpstreams.h"
#include "portico/Deferred.h"
#include "portico/Upstream.h"
#include "Poco/Net/ServerSocket.h"
#include "Poco/Net/StreamSocket.h"
#include <cppunit/extensions/HelperMacros.h>
#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
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

    explicit ScriptedUpstream(Serve serve) : socket_(Poco::Net::SocketAddress("127.0.0.1", 0)), serve_(std::move(serve))
    {
        thread_ = std::thread([this] { run(); });
    }
    ~ScriptedUpstream()
    {
        stopping_ = true;
        socket_.close();
        thread_.join();
        for (auto& worker : workers_)
            worker.join();
    }
    unsigned short port() const { return socket_.address().port(); }
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
                });
            }
            catch (...)
            {
            }
        }
    }

    Poco::Net::ServerSocket socket_;
    Serve serve_;
    std::atomic<bool> stopping_{false};
    std::atomic<int> accepted_{0};
    mutable std::mutex mutex_;
    std::string requests_;
    std::thread thread_;
    std::vector<std::thread> workers_;
};

/// Reads one request (head and Content-Length body) from `socket`; empty when it closed.
std::string readRequest(Poco::Net::StreamSocket& socket)
{
    std::string data;
    char buffer[4096];
    for (;;)
    {
        const auto headEnd = data.find("\r\n\r\n");
        if (headEnd != std::string::npos)
        {
            std::size_t length = 0;
            const auto at = data.find("Content-Length: ");
            if (at != std::string::npos && at < headEnd)
                length = std::stoul(data.substr(at + 16));
            if (data.size() >= headEnd + 4 + length)
                return data;
        }
        const int got = socket.receiveBytes(buffer, sizeof buffer);
        if (got <= 0)
            return data;
        data.append(buffer, static_cast<std::size_t>(got));
    }
}

void send(Poco::Net::StreamSocket& socket, const std::string& bytes)
{
    socket.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
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

    void start(Exchange& exchange) override
    {
        exchange_ = &exchange;
        call_ = client_->start(exchange, std::move(request_), *this);
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
};

CPPUNIT_TEST_SUITE_REGISTRATION(UpstreamClientTest);
