// SlowClient and SingleRequest against a listening socket of the test's own on 127.0.0.1 (no
// server): what a slow client writes and when, how it records a 408; an idle request kept open
// after its answer and noticed when closed; a refused connect. Every wait is bounded.

#include "Poller.h"
#include "SingleRequest.h"
#include "SlowClient.h"
#include <arpa/inet.h>
#include <cppunit/extensions/HelperMacros.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace portico::loadgen;
using Clock = std::chrono::steady_clock;

namespace {

// A listening socket on 127.0.0.1, an ephemeral port.
class Listener
{
public:
    Listener()
    {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
        ::listen(fd_, 16);
        socklen_t length = sizeof address;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
        port_ = ntohs(address.sin_port);
    }
    ~Listener() { ::close(fd_); }

    /// The next connection, waiting up to 2 s (-1: none).
    int accept() const
    {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 2000) != 1)
            return -1;
        return ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    }

    unsigned short port() const { return port_; }

private:
    int fd_ = -1;
    unsigned short port_ = 0;
};

// Everything readable on fd now.
std::string drain(int fd)
{
    std::string out;
    char buffer[4096];
    pollfd p{fd, POLLIN, 0};
    while (::poll(&p, 1, 0) == 1 && (p.revents & POLLIN))
    {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0)
            break;
        out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
}

void send(int fd, const std::string& text) { ::send(fd, text.data(), text.size(), MSG_NOSIGNAL); }

// Drives a connection's readiness and timers until `done` or `seconds` have passed.
template <typename Connection, typename Done>
void drive(Poller& poller, Connection& connection, double seconds, Done done)
{
    const Clock::time_point until = Clock::now() + std::chrono::milliseconds(static_cast<int>(seconds * 1000));
    while (Clock::now() < until && !done())
    {
        if (connection.fd() >= 0 && connection.interest() != 0)
            poller.watch(connection.fd(), connection.interest(), 1);
        for (const auto& ready : poller.wait(5))
            connection.onReady(ready.events, Clock::now());
        if constexpr (std::is_same_v<Connection, SlowClient>)
            connection.tick(Clock::now());
    }
}

} // namespace

class HoldConnectionsTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(HoldConnectionsTest);
    CPPUNIT_TEST(testSlowClientTricklesAndRecordsA408);
    CPPUNIT_TEST(testSlowClientClosedWithoutAnswer);
    CPPUNIT_TEST(testIdleRequestKeptOpenUntilTheServerCloses);
    CPPUNIT_TEST(testRefusedConnect);
    CPPUNIT_TEST_SUITE_END();

public:
    void testSlowClientTricklesAndRecordsA408()
    {
        Listener listener;
        const SlowHead head("/healthz", "127.0.0.1:" + std::to_string(listener.port()), std::chrono::milliseconds(100));
        SlowClient client(head);
        Poller poller;
        CPPUNIT_ASSERT(client.start(listener.port(), Clock::now()));
        const int server = listener.accept();
        CPPUNIT_ASSERT(server >= 0);
        drive(poller, client, 0.35, [] { return false; });
        CPPUNIT_ASSERT(client.open());
        // ~0.35 s at one line per 0.1 s: the request line, Host and two more (more on a loaded
        // machine, never fewer than three), every line sent arrived, and no end of head.
        const std::string received = drain(server);
        std::string expected;
        for (int k = 0; k < client.linesSent(); ++k)
            expected += head.line(k);
        CPPUNIT_ASSERT_EQUAL(expected, received);
        CPPUNIT_ASSERT(client.linesSent() >= 3);
        CPPUNIT_ASSERT_EQUAL(0, received.compare(0, 24, "GET /healthz HTTP/1.1\r\nH"));
        CPPUNIT_ASSERT(received.find("\r\nX-Slow-1: 1\r\n") != std::string::npos);
        CPPUNIT_ASSERT(received.find("\r\n\r\n") == std::string::npos);

        send(server, "HTTP/1.1 408 Request Timeout\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
        ::close(server);
        drive(poller, client, 2, [&] { return client.ended(); });
        CPPUNIT_ASSERT(client.ended());
        CPPUNIT_ASSERT(client.wasConnected());
        CPPUNIT_ASSERT_EQUAL(408, client.status());
        CPPUNIT_ASSERT(client.secondsOpen() >= 0.2 && client.secondsOpen() < 2.5);
        poller.forget(client.fd());
        client.close();

        // Reconnects start afresh.
        CPPUNIT_ASSERT(client.start(listener.port(), Clock::now()));
        const int again = listener.accept();
        CPPUNIT_ASSERT(again >= 0);
        drive(poller, client, 0.05, [] { return false; });
        CPPUNIT_ASSERT(client.open());
        CPPUNIT_ASSERT_EQUAL(0, client.status());
        ::close(again);
    }

    void testSlowClientClosedWithoutAnswer()
    {
        Listener listener;
        const SlowHead head("/healthz", "h", std::chrono::milliseconds(50));
        SlowClient client(head);
        Poller poller;
        CPPUNIT_ASSERT(client.start(listener.port(), Clock::now()));
        const int server = listener.accept();
        drive(poller, client, 0.1, [] { return false; });
        ::close(server);
        drive(poller, client, 2, [&] { return client.ended(); });
        CPPUNIT_ASSERT(client.ended());
        CPPUNIT_ASSERT(client.wasConnected());
        CPPUNIT_ASSERT_EQUAL(0, client.status());
    }

    void testIdleRequestKeptOpenUntilTheServerCloses()
    {
        Listener listener;
        const std::string wire = "GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n";
        SingleRequest request(wire);
        Poller poller;
        CPPUNIT_ASSERT(request.start(listener.port(), Clock::now()));
        const int server = listener.accept();
        CPPUNIT_ASSERT(server >= 0);
        drive(poller, request, 0.2, [] { return false; });
        CPPUNIT_ASSERT_EQUAL(wire, drain(server));
        CPPUNIT_ASSERT(request.pending());
        send(server, "HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n{\"status\":\"ok\"}");
        drive(poller, request, 2, [&] { return !request.pending(); });
        CPPUNIT_ASSERT(request.outcome() == SingleRequest::Outcome::Answered);
        CPPUNIT_ASSERT_EQUAL(200, request.status());
        CPPUNIT_ASSERT(request.keptOpen());
        CPPUNIT_ASSERT(!request.closedByServer());
        CPPUNIT_ASSERT(request.latency() > std::chrono::milliseconds(100));
        // Idle: still open a while later; then the server closes it.
        drive(poller, request, 0.1, [] { return false; });
        CPPUNIT_ASSERT(request.keptOpen());
        ::close(server);
        drive(poller, request, 2, [&] { return request.over(); });
        CPPUNIT_ASSERT(request.over());
        CPPUNIT_ASSERT(request.closedByServer());
        CPPUNIT_ASSERT(request.outcome() == SingleRequest::Outcome::Answered);
    }

    void testRefusedConnect()
    {
        unsigned short port = 0;
        {
            Listener closed; // bound, then closed: nothing listens there any more
            port = closed.port();
        }
        SingleRequest request("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
        Poller poller;
        request.start(port, Clock::now());
        drive(poller, request, 2, [&] { return !request.pending(); });
        CPPUNIT_ASSERT(request.outcome() == SingleRequest::Outcome::ConnectError);
        const SlowHead head("/", "h", std::chrono::seconds(1));
        SlowClient client(head);
        client.start(port, Clock::now());
        drive(poller, client, 2, [&] { return client.ended(); });
        CPPUNIT_ASSERT(client.ended());
        CPPUNIT_ASSERT(!client.wasConnected());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(HoldConnectionsTest);
