// SocketResponseSink: answers of a real Exchange walking a real chain, written to a real
// loopback socket and read back byte for byte: one buffered answer with its body, HEAD without
// it, a large body, chunked streams with exactly one terminating chunk, an HTTP/1.0 stream sent
// raw with the connection closing, and a client that went away.

#include "ChainHarness.h"
#include "http/ChainRunner.h"
#include "http/SocketResponseSink.h"
#include "Poco/Logger.h"
#include "Poco/Net/ServerSocket.h"
#include "Poco/Net/SocketAddress.h"
#include "Poco/Net/StreamSocket.h"
#include <cppunit/extensions/HelperMacros.h>
#include <chrono>
#include <thread>

using portico::Exchange;
using portico::SocketResponseSink;
using portico::test::ChainHarness;

namespace {

/// A connected pair of sockets on 127.0.0.1, and the server side's version and keep-alive decision.
struct Connection
{
    Connection()
    {
        listener.bind(Poco::Net::SocketAddress("127.0.0.1", 0));
        listener.listen();
        client.connect(Poco::Net::SocketAddress("127.0.0.1", listener.address().port()));
        server = listener.acceptConnection();
        client.setReceiveTimeout(Poco::Timespan(5, 0));
    }

    void setVersion(const std::string& httpVersion, bool keepAliveNow)
    {
        version = httpVersion;
        keepAlive = keepAliveNow;
    }

    /// Reads until `size` bytes arrived or the server side closed.
    std::string read(std::size_t size)
    {
        std::string data;
        char buffer[65536];
        while (data.size() < size)
        {
            const int got = client.receiveBytes(buffer, sizeof buffer);
            if (got <= 0)
                break;
            data.append(buffer, static_cast<std::size_t>(got));
        }
        return data;
    }

    /// Closes the server side, then reads everything that is left.
    std::string readToEnd()
    {
        server.shutdownSend();
        return read(static_cast<std::size_t>(-1));
    }

    Poco::Net::ServerSocket listener;
    Poco::Net::StreamSocket client;
    Poco::Net::StreamSocket server;
    std::string version = "HTTP/1.1";
    bool keepAlive = true;
};

std::string headOf(const std::string& wire)
{
    const auto end = wire.find("\r\n\r\n");
    CPPUNIT_ASSERT_MESSAGE(wire, end != std::string::npos);
    return wire.substr(0, end + 4);
}

} // namespace

class SocketResponseSinkTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(SocketResponseSinkTest);
    CPPUNIT_TEST(testBufferedAnswer);
    CPPUNIT_TEST(testAnswerIsHeldUntilFlush);
    CPPUNIT_TEST(testStreamTerminatorIsHeldUntilFlush);
    CPPUNIT_TEST(testHeadSendsNoBody);
    CPPUNIT_TEST(testLargeBody);
    CPPUNIT_TEST(testChunkedStream);
    CPPUNIT_TEST(testStreamThatNeverWrites);
    CPPUNIT_TEST(testHeadOfAStream);
    CPPUNIT_TEST(testHttp10StreamClosesTheConnection);
    CPPUNIT_TEST(testClientGoneMidStream);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override
    {
        harness_ = std::make_unique<ChainHarness>();
        harness_->route("GET", "/ok", [](Exchange& exchange) {
            exchange.response().headers.set("X-Answer", "yes");
            exchange.respond(200, "{\"ok\":true}");
        });
        harness_->route("GET", "/large", [](Exchange& exchange) { exchange.respond(200, std::string(100000, 'x')); });
        harness_->route("GET", "/events", [](Exchange& exchange) {
            auto& writer = exchange.stream();
            writer.write("data: 1\n\n");
            writer.write("");
            writer.write("data: 22\n\n");
        });
        harness_->route("GET", "/silent-stream", [](Exchange& exchange) { exchange.stream(); });
        harness_->route("GET", "/endless", [this](Exchange& exchange) {
            auto& writer = exchange.stream();
            const std::string event = "data: " + std::string(1000, 'e') + "\n\n";
            for (writes_ = 0; writes_ < 10000 && writer.write(event); ++writes_)
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
        });
    }

    void tearDown() override { harness_.reset(); }

    /// Runs the request; the sink flushes what it held back when it goes out of scope.
    portico::Outcome run(Connection& connection, const std::string& method, const std::string& path)
    {
        auto exchange = portico::test::makeExchange(method, path);
        SocketResponseSink sink(connection.server, connection.version, connection.keepAlive, method == "HEAD");
        return portico::ChainRunner(harness_->chain(), Poco::Logger::get("portico.test")).run(*exchange, sink);
    }

    /// True when nothing arrives at the client within 200 ms.
    static bool nothingArrives(Connection& connection)
    {
        return !connection.client.poll(Poco::Timespan(0, 200000), Poco::Net::Socket::SELECT_READ);
    }

    void testBufferedAnswer()
    {
        Connection connection;
        connection.setVersion("HTTP/1.1", true);
        CPPUNIT_ASSERT(run(connection, "GET", "/ok") == portico::Outcome::Completed);
        const std::string wire = connection.readToEnd();
        const std::string head = headOf(wire);
        CPPUNIT_ASSERT_EQUAL(0u, static_cast<unsigned>(head.find("HTTP/1.1 200 OK\r\nDate: ")));
        CPPUNIT_ASSERT(head.find("\r\nConnection: Keep-Alive\r\n") != std::string::npos);
        CPPUNIT_ASSERT(head.find("\r\nX-Answer: yes\r\n") != std::string::npos);
        CPPUNIT_ASSERT(head.find("\r\nContent-Length: 11\r\n") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"ok\":true}"), wire.substr(head.size()));
        CPPUNIT_ASSERT(connection.keepAlive);
    }

    void testAnswerIsHeldUntilFlush()
    {
        Connection connection;
        connection.setVersion("HTTP/1.1", true);
        auto exchange = portico::test::makeExchange("GET", "/ok");
        SocketResponseSink sink(connection.server, connection.version, connection.keepAlive, false);
        portico::ChainRunner(harness_->chain(), Poco::Logger::get("portico.test")).run(*exchange, sink);
        // The completion hooks have run; the request handler flushes after them.
        CPPUNIT_ASSERT(nothingArrives(connection));
        sink.flush();
        const std::string wire = connection.readToEnd();
        CPPUNIT_ASSERT_EQUAL(std::string("{\"ok\":true}"), wire.substr(headOf(wire).size()));
    }

    void testStreamTerminatorIsHeldUntilFlush()
    {
        Connection connection;
        connection.setVersion("HTTP/1.1", true);
        auto exchange = portico::test::makeExchange("GET", "/events");
        SocketResponseSink sink(connection.server, connection.version, connection.keepAlive, false);
        portico::ChainRunner(harness_->chain(), Poco::Logger::get("portico.test")).run(*exchange, sink);
        std::string wire = connection.read(1);
        while (wire.find("data: 22\n\n\r\n") == std::string::npos)
            wire += connection.read(1);
        CPPUNIT_ASSERT(wire.find("0\r\n\r\n") == std::string::npos);
        CPPUNIT_ASSERT(nothingArrives(connection));
        sink.flush();
        sink.flush(); // once only
        CPPUNIT_ASSERT_EQUAL(std::string("0\r\n\r\n"), connection.readToEnd());
    }

    void testHeadSendsNoBody()
    {
        Connection connection;
        connection.setVersion("HTTP/1.1", true);
        run(connection, "HEAD", "/ok");
        const std::string wire = connection.readToEnd();
        CPPUNIT_ASSERT(wire.find("\r\nContent-Length: 11\r\n") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(headOf(wire).size(), wire.size());
    }

    void testLargeBody()
    {
        Connection connection;
        connection.setVersion("HTTP/1.1", true);
        std::string wire;
        std::thread reader([&] { wire = connection.read(200000 - 1); });
        run(connection, "GET", "/large");
        connection.server.shutdownSend();
        reader.join();
        const std::string head = headOf(wire);
        CPPUNIT_ASSERT(head.find("\r\nContent-Length: 100000\r\n") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(std::string(100000, 'x'), wire.substr(head.size()));
    }

    void testChunkedStream()
    {
        Connection connection;
        connection.setVersion("HTTP/1.1", true);
        CPPUNIT_ASSERT(run(connection, "GET", "/events") == portico::Outcome::Completed);
        const std::string wire = connection.readToEnd();
        const std::string head = headOf(wire);
        CPPUNIT_ASSERT(head.find("\r\nTransfer-Encoding: chunked\r\n") != std::string::npos);
        CPPUNIT_ASSERT(head.find("\r\nContent-Type: text/event-stream\r\n") != std::string::npos);
        CPPUNIT_ASSERT(head.find("\r\nCache-Control: no-cache\r\n") != std::string::npos);
        CPPUNIT_ASSERT(head.find("Content-Length") == std::string::npos);
        // The empty write sent nothing (it would have ended the body); one terminator.
        CPPUNIT_ASSERT_EQUAL(std::string("9\r\ndata: 1\n\n\r\na\r\ndata: 22\n\n\r\n0\r\n\r\n"), wire.substr(head.size()));
        CPPUNIT_ASSERT(connection.keepAlive);
    }

    void testStreamThatNeverWrites()
    {
        Connection connection;
        connection.setVersion("HTTP/1.1", true);
        run(connection, "GET", "/silent-stream");
        const std::string wire = connection.readToEnd();
        CPPUNIT_ASSERT(wire.find("\r\nTransfer-Encoding: chunked\r\n") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(std::string("0\r\n\r\n"), wire.substr(headOf(wire).size()));
    }

    void testHeadOfAStream()
    {
        Connection connection;
        connection.setVersion("HTTP/1.1", true);
        run(connection, "HEAD", "/events");
        const std::string wire = connection.readToEnd();
        CPPUNIT_ASSERT(wire.find("\r\nTransfer-Encoding: chunked\r\n") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(headOf(wire).size(), wire.size()); // no chunks, no terminator
        CPPUNIT_ASSERT(connection.keepAlive);
    }

    void testHttp10StreamClosesTheConnection()
    {
        Connection connection;
        connection.setVersion("HTTP/1.0", true);
        run(connection, "GET", "/events");
        const std::string wire = connection.readToEnd();
        const std::string head = headOf(wire);
        CPPUNIT_ASSERT_EQUAL(0u, static_cast<unsigned>(head.find("HTTP/1.0 200 OK\r\n")));
        CPPUNIT_ASSERT(head.find("\r\nConnection: Close\r\n") != std::string::npos);
        CPPUNIT_ASSERT(head.find("Transfer-Encoding") == std::string::npos);
        CPPUNIT_ASSERT_EQUAL(std::string("data: 1\n\ndata: 22\n\n"), wire.substr(head.size()));
        CPPUNIT_ASSERT(!connection.keepAlive);
    }

    void testClientGoneMidStream()
    {
        Connection connection;
        connection.setVersion("HTTP/1.1", true);
        connection.client.close();
        CPPUNIT_ASSERT(run(connection, "GET", "/endless") == portico::Outcome::ClientGone);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(writes_), writes_ < 10000);
        CPPUNIT_ASSERT(!connection.keepAlive);
    }

private:
    std::unique_ptr<ChainHarness> harness_;
    int writes_ = 0;
};

CPPUNIT_TEST_SUITE_REGISTRATION(SocketResponseSinkTest);
