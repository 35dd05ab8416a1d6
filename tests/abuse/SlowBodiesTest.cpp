// Bodies grow as bytes arrive: 200 clients each declare a body of server.max_body_bytes (the
// shipped 1 MiB) and send it slowly. porticod keeps what arrived, never the declared size, so its
// resident memory grows by about what was sent (a few MB here), not by 200 MiB; and it still
// answers /healthz at once. Shipped [server] settings.

#include "HttpClient.h"
#include "PorticodProcess.h"
#include "ProcessStats.h"
#include "RawConnection.h"
#include "TestAsserts.h"
#include <cppunit/extensions/HelperMacros.h>
#include <iostream>
#include <thread>
#include <vector>

using namespace portico::test;

namespace {

const std::string defaultsIni = R"([server]
listen = 127.0.0.1:{port}
[plugins]
path = {plugins}
order = tracing, security, probe_b
[probe_b]
routes = true
)";

constexpr int clients = 200;
constexpr std::size_t declared = 1048576; // the shipped server.max_body_bytes
constexpr std::size_t piece = 1024;
constexpr int rounds = 30; // 30 KiB each, over about 3 s

} // namespace

class SlowBodiesTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(SlowBodiesTest);
    CPPUNIT_TEST(testDeclaredBodiesAreNotAllocatedUpFront);
    CPPUNIT_TEST_SUITE_END();

public:
    void testDeclaredBodiesAreNotAllocatedUpFront()
    {
        PorticodProcess porticod(defaultsIni);
        const unsigned short port = porticod.port();
        // Warm the allocator and the connection paths first, so the baseline is not its start-up.
        for (int i = 0; i < 20; ++i)
            CPPUNIT_ASSERT_EQUAL(200, httpRequest(port, "POST", "/probe_b/echo", std::string(64 * 1024, 'w')).status);
        const ProcessStats before = processStats(porticod.pid());

        std::vector<std::unique_ptr<RawConnection>> slow;
        for (int i = 0; i < clients; ++i)
        {
            slow.push_back(std::make_unique<RawConnection>(port));
            CPPUNIT_ASSERT(slow.back()->send("POST /probe_b/echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                                             "Content-Length: " + std::to_string(declared) + "\r\n\r\n"));
        }
        std::size_t peakKiB = before.rssKiB;
        const std::string bytes(piece, 'b');
        for (int round = 0; round < rounds; ++round)
        {
            for (auto& connection : slow)
                CPPUNIT_ASSERT(connection->send(bytes));
            peakKiB = std::max(peakKiB, processStats(porticod.pid()).rssKiB);
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        // Held, mid-body: porticod still serves.
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(port, "GET", "/healthz").status);
        const double grownMiB = static_cast<double>(peakKiB - before.rssKiB) / 1024.0;
        std::cerr << "\n  " << clients << " bodies of " << declared << " declared, " << rounds * piece
                  << " bytes sent each: RSS " << before.rssKiB / 1024 << " MiB -> peak " << peakKiB / 1024
                  << " MiB (+" << grownMiB << " MiB)\n";
        CPPUNIT_ASSERT_MESSAGE("RSS grew by " + std::to_string(grownMiB) + " MiB", grownMiB < 40);

        // One body completed: the answer is the whole body, received in pieces.
        RawConnection whole(port);
        CPPUNIT_ASSERT(whole.send("POST /probe_b/echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                                  "Content-Length: 3000\r\nConnection: close\r\n\r\n"));
        for (int i = 0; i < 3; ++i)
        {
            CPPUNIT_ASSERT(whole.send(std::string(1000, static_cast<char>('x' + i))));
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        const ReadOutcome answer = whole.readUntilClosed(5);
        CPPUNIT_ASSERT_EQUAL(200, statusOf(answer.data));
        CPPUNIT_ASSERT_EQUAL(std::string(1000, 'x') + std::string(1000, 'y') + std::string(1000, 'z'),
                             bodyOf(answer.data));
        slow.clear();
        CPPUNIT_ASSERT(porticod.running());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SlowBodiesTest);
