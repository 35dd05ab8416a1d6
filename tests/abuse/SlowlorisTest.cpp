// Slowloris: 400 connections that send their request heads a byte at a time and never finish
// them, against porticod's shipped [server] settings (only the head deadline is shortened, to
// keep the test short: it is what the test checks). The server must go on answering /healthz
// quickly while they are held, without a thread per connection, and close each of them at the
// head deadline (server.header_timeout_seconds) with a 408 in OpenAI's shape.

#include "PorticodProcess.h"
#include "HttpClient.h"
#include "ProcessStats.h"
#include "RawConnection.h"
#include "TestAsserts.h"
#include <cppunit/extensions/HelperMacros.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <mutex>
#include <poll.h>
#include <thread>
#include <vector>

using namespace portico::test;

namespace {

using Clock = std::chrono::steady_clock;

constexpr int slowConnections = 400;
constexpr double headerTimeoutSeconds = 3;

// The event loops own the sockets: a slow head holds a buffer and a timer, never a thread, so
// the default thread settings serve the probes while all 400 are held.
const std::string slowlorisIni = R"([server]
listen = 127.0.0.1:{port}
header_timeout_seconds = 3
[plugins]
path = {plugins}
order = tracing, security
)";

/// A request head that never ends: a request line, then header lines, forever.
char slowByte(std::size_t index)
{
    static const std::string start = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    static const std::string line = "X-Slow: still-coming\r\n";
    if (index < start.size())
        return start[index];
    return line[(index - start.size()) % line.size()];
}

struct SlowClient
{
    RawConnection connection;
    std::size_t sent = 0;
    std::string answer;
    bool closed = false;
    double closedAfterSeconds = 0; ///< since connect
};

struct HealthProbe
{
    double startedAt; ///< seconds since the slow clients were all connected
    double ms;
    int status;
};

} // namespace

class SlowlorisTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(SlowlorisTest);
    CPPUNIT_TEST(testHealthzAnswersAndSlowHeadsAreClosedAtTheDeadline);
    CPPUNIT_TEST_SUITE_END();

public:
    void testHealthzAnswersAndSlowHeadsAreClosedAtTheDeadline()
    {
        PorticodProcess porticod(slowlorisIni);
        const unsigned short port = porticod.port();

        std::vector<SlowClient> clients;
        clients.reserve(slowConnections);
        for (int i = 0; i < slowConnections; ++i)
        {
            clients.push_back(SlowClient{RawConnection(port), 0, {}, false, 0});
            CPPUNIT_ASSERT(clients.back().connection.send(std::string(1, slowByte(0))));
            clients.back().sent = 1;
        }
        const auto allConnected = Clock::now();

        // /healthz probes, a few a second, on their own thread, while the slow heads trickle in.
        std::atomic<bool> probing{true};
        std::mutex probesMutex;
        std::vector<HealthProbe> probes;
        std::thread prober([&] {
            while (probing)
            {
                const auto start = Clock::now();
                int status = 0;
                try
                {
                    status = httpRequest(port, "GET", "/healthz", "", {}, 5).status;
                }
                catch (...)
                {
                }
                const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
                {
                    std::lock_guard<std::mutex> lock(probesMutex);
                    probes.push_back({std::chrono::duration<double>(start - allConnected).count(), ms, status});
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
            }
        });

        // One byte per open connection every 50 ms, until every one was answered and closed
        // (bounded: the deadline plus generous slack for a loaded machine).
        std::size_t maxThreads = 0;
        const auto giveUp = allConnected + std::chrono::seconds(static_cast<int>(headerTimeoutSeconds) + 12);
        std::size_t open = clients.size();
        while (open > 0 && Clock::now() < giveUp)
        {
            std::vector<pollfd> polls;
            for (auto& client : clients)
                polls.push_back({client.connection.fd(), POLLIN, 0});
            ::poll(polls.data(), polls.size(), 0);
            for (std::size_t i = 0; i < clients.size(); ++i)
            {
                SlowClient& client = clients[i];
                if (client.closed)
                    continue;
                if (polls[i].revents != 0)
                {
                    const ReadOutcome read = client.connection.readAvailable();
                    client.answer += read.data;
                    if (read.closed)
                    {
                        client.closed = true;
                        client.closedAfterSeconds =
                            std::chrono::duration<double>(Clock::now() - client.connection.connectedAt()).count();
                        client.connection.close();
                        --open;
                        continue;
                    }
                }
                // Once an answer has started, stop sending: the server has given up on this head.
                if (client.answer.empty() && client.connection.send(std::string(1, slowByte(client.sent)), 1))
                    ++client.sent;
            }
            maxThreads = std::max(maxThreads, processStats(porticod.pid()).threads);
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        probing = false;
        prober.join();

        // Every slow connection got a 408 in OpenAI's shape and was closed, at the deadline.
        int timedOut = 0;
        double earliest = 1e9, latest = 0;
        for (const auto& client : clients)
        {
            CPPUNIT_ASSERT_MESSAGE("a slow connection was never closed (sent " + std::to_string(client.sent) +
                                       " bytes, got '" + client.answer + "')",
                                   client.closed);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(client.answer, 408, statusOf(client.answer));
            PORTICO_ASSERT_CONTAINS(lowerHeadOf(client.answer), "content-type: application/json");
            PORTICO_ASSERT_CONTAINS(lowerHeadOf(client.answer), "x-trace-id: ");
            PORTICO_ASSERT_CONTAINS(bodyOf(client.answer), "\"code\":\"request_timeout\"");
            earliest = std::min(earliest, client.closedAfterSeconds);
            latest = std::max(latest, client.closedAfterSeconds);
            ++timedOut;
        }
        CPPUNIT_ASSERT_EQUAL(slowConnections, timedOut);
        // Not before the deadline (the server's clock starts at accept, after our connect), and
        // not long after it (slack for a loaded machine).
        CPPUNIT_ASSERT_MESSAGE("closed after " + std::to_string(earliest) + " s", earliest >= headerTimeoutSeconds - 0.1);
        CPPUNIT_ASSERT_MESSAGE("closed after " + std::to_string(latest) + " s", latest <= headerTimeoutSeconds + 5);
        // The server held them all at once without a thread for each: its event loops, a few
        // workers at most (none is needed here), the access log and the metrics threads.
        CPPUNIT_ASSERT_MESSAGE("max threads " + std::to_string(maxThreads), maxThreads > 0 && maxThreads < 64);

        // /healthz answered promptly while they were all held: probes that ended before the first
        // slow connection was closed.
        double holdEnds = 1e9; // seconds after allConnected
        for (const auto& client : clients)
            holdEnds = std::min(holdEnds, std::chrono::duration<double>(client.connection.connectedAt() - allConnected).count() +
                                              client.closedAfterSeconds);
        int duringHold = 0;
        for (const auto& probe : probes)
        {
            if (probe.startedAt + probe.ms / 1000 >= holdEnds)
                continue;
            ++duringHold;
            CPPUNIT_ASSERT_EQUAL_MESSAGE("healthz during the hold", 200, probe.status);
            CPPUNIT_ASSERT_MESSAGE("healthz took " + std::to_string(probe.ms) + " ms", probe.ms < 2000);
        }
        double slowestProbe = 0;
        for (const auto& probe : probes)
            slowestProbe = std::max(slowestProbe, probe.ms);
        std::cerr << "\n  " << timedOut << " slow connections closed with 408 after " << earliest << " .. " << latest
                  << " s; porticod held up to " << maxThreads << " threads; " << duringHold
                  << " healthz probes during the hold, slowest of all " << slowestProbe << " ms\n";
        CPPUNIT_ASSERT_MESSAGE("only " + std::to_string(duringHold) + " healthz probes during the hold",
                               duringHold >= 5);

        // And the server is still there afterwards.
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(port, "GET", "/healthz").status);
        CPPUNIT_ASSERT(porticod.running());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SlowlorisTest);
