// A client that leaves in the middle of a stream ends it at once, and whatever served it is
// free again. Two kinds of stream: the probe's event-loop stream (a DeferredAnswer paced by a
// timer: the stream is cancelled), with the shipped thread settings; and its blocking stream (a
// handler that sleeps between events on a worker), with threads = 4, so that four long streams
// hold every worker. Their clients leave; then ten more streams and requests must all be served
// (they would queue for ever if a worker leaked), and the completion hooks saw each of the four
// as client_gone.

#include "PorticodProcess.h"
#include "HttpClient.h"
#include "RawConnection.h"
#include "TestAsserts.h"
#include <cppunit/extensions/HelperMacros.h>
#include <atomic>
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

// threads = 4: as many workers as the blocking streams this test opens, so a single leaked
// worker shows as a request that never gets served.
const std::string fourThreadsIni = R"([server]
listen = 127.0.0.1:{port}
threads = 4
queue = 64
[plugins]
path = {plugins}
order = tracing, security, probe_b
[probe_b]
routes = true
)";

constexpr int heldStreams = 4;

std::size_t occurrences(const std::string& text, const std::string& what)
{
    std::size_t count = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size()))
        ++count;
    return count;
}

} // namespace

class ClientGoneTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ClientGoneTest);
    CPPUNIT_TEST(testClientsLeavingLoopStreamsCancelThem);
    CPPUNIT_TEST(testClientsLeavingBlockingStreamsFreeTheirWorkers);
    CPPUNIT_TEST_SUITE_END();

public:
    void testClientsLeavingLoopStreamsCancelThem() { leaveAndServeMore(defaultsIni, "/probe_b/stream"); }

    void testClientsLeavingBlockingStreamsFreeTheirWorkers()
    {
        leaveAndServeMore(fourThreadsIni, "/probe_b/blocking_stream");
    }

private:
    static void leaveAndServeMore(const std::string& ini, const std::string& route)
    {
        PorticodProcess porticod(ini);
        const unsigned short port = porticod.port();
        const std::string goneLine = "probe probe_b complete client_gone 200 " + route;

        // Four streams of 100,000 events 20 ms apart (over half an hour each): every worker busy.
        std::vector<RawConnection> streams;
        for (int i = 0; i < heldStreams; ++i)
        {
            streams.emplace_back(port);
            CPPUNIT_ASSERT(streams.back().send(
                "GET " + route + "?events=100000&delay_ms=20 HTTP/1.1\r\nHost: x\r\n\r\n"));
        }
        for (auto& stream : streams)
        {
            const ReadOutcome first = stream.readUntil("data: {\"n\":1}", 10);
            CPPUNIT_ASSERT_MESSAGE("stream did not start: '" + first.data + "'",
                                   first.data.find("data: {\"n\":1}") != std::string::npos);
        }
        // Half leave politely (FIN), half crash (RST).
        for (std::size_t i = 0; i < streams.size(); ++i)
            if (i % 2 == 0)
                streams[i].close();
            else
                streams[i].abort();

        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (occurrences(porticod.output(), goneLine) < heldStreams && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(porticod.output(), static_cast<std::size_t>(heldStreams),
                                     occurrences(porticod.output(), goneLine));

        // Ten more at once, five streams and five plain requests, on the four workers.
        std::atomic<int> served{0};
        std::vector<std::string> failures(10);
        std::vector<std::thread> clients;
        for (int i = 0; i < 10; ++i)
            clients.emplace_back([&, i] {
                try
                {
                    if (i % 2 == 0)
                    {
                        RawConnection connection(port);
                        connection.send("GET " + route + "?events=5&delay_ms=20 HTTP/1.1\r\nHost: x\r\n"
                                        "Connection: close\r\n\r\n");
                        const ReadOutcome read = connection.readUntilClosed(15);
                        if (statusOf(read.data) == 200 && dechunk(bodyOf(read.data)).find("data: {\"n\":4}") != std::string::npos)
                            ++served;
                        else
                            failures[static_cast<std::size_t>(i)] = "stream: '" + read.data + "'";
                    }
                    else
                    {
                        const HttpResult result = httpRequest(port, "GET", "/probe_b/slow?ms=50", "", {}, 15);
                        if (result.status == 200)
                            ++served;
                        else
                            failures[static_cast<std::size_t>(i)] = "slow: " + std::to_string(result.status);
                    }
                }
                catch (const std::exception& e)
                {
                    failures[static_cast<std::size_t>(i)] = e.what();
                }
            });
        for (auto& client : clients)
            client.join();
        for (const auto& failure : failures)
            CPPUNIT_ASSERT_MESSAGE(failure, failure.empty());
        CPPUNIT_ASSERT_EQUAL(10, served.load());
        CPPUNIT_ASSERT_EQUAL(static_cast<std::size_t>(heldStreams), occurrences(porticod.output(), goneLine));
        CPPUNIT_ASSERT(porticod.running());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ClientGoneTest);
