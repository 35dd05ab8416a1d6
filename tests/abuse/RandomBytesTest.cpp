// 1,000 connections that send random bytes: pure noise, noise after a plausible request line,
// binary header lines, bodies shorter than declared, clients that half-close, clients that
// vanish with a reset. porticod must not crash, must answer what it answers with < 500, must
// keep serving, and its open file descriptors must come back to where they were (no socket
// leaked per bad connection).

#include "PorticodProcess.h"
#include "HttpClient.h"
#include "ProcessStats.h"
#include "RawConnection.h"
#include "TestAsserts.h"
#include <cppunit/extensions/HelperMacros.h>
#include <atomic>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

using namespace portico::test;

namespace {

constexpr int totalConnections = 1000;
constexpr int senders = 8; // connections in flight at once: bounded
constexpr unsigned seed = 20240611;

const std::string randomIni = R"([server]
listen = 127.0.0.1:{port}
max_body_bytes = 65536
header_timeout_seconds = 1
idle_timeout_seconds = 2
body_timeout_seconds = 2
[plugins]
path = {plugins}
order = tracing, security, probe_b
[probe_b]
routes = true
)";

std::string randomBytes(std::mt19937& random, std::size_t size)
{
    std::uniform_int_distribution<int> byte(0, 255);
    std::string bytes(size, '\0');
    for (auto& c : bytes)
        c = static_cast<char>(byte(random));
    return bytes;
}

/// One hostile request; the kind depends on `kind`.
std::string hostileRequest(std::mt19937& random, int kind)
{
    std::uniform_int_distribution<std::size_t> size(1, 2048);
    switch (kind)
    {
    case 0: return randomBytes(random, size(random));                                        // noise
    case 1: return "GET " + randomBytes(random, size(random)) + "\r\n\r\n";                 // bad URI
    case 2: return "GET /healthz HTTP/1.1\r\nHost: x\r\n" + randomBytes(random, size(random)) + "\r\n\r\n"; // bad headers
    case 3: return "POST /probe_b/echo HTTP/1.1\r\nHost: x\r\nContent-Length: " +           // short body
                   std::to_string(size(random) + 100) + "\r\n\r\n" + randomBytes(random, size(random) / 2);
    case 4: return "POST /probe_b/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + // bad chunks
                   randomBytes(random, size(random));
    default: return randomBytes(random, 16) + "\r\n" + randomBytes(random, size(random)) + "\r\n\r\n";
    }
}

struct Tally
{
    std::mutex mutex;
    std::map<int, int> statuses; ///< status -> count (0: closed without an answer)
    int connectFailures = 0;
    int notClosed = 0; ///< server neither answered nor closed in time
    std::vector<std::string> serverErrors;
};

} // namespace

class RandomBytesTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(RandomBytesTest);
    CPPUNIT_TEST(testRandomBytesNeitherCrashNorLeak);
    CPPUNIT_TEST_SUITE_END();

public:
    void testRandomBytesNeitherCrashNorLeak()
    {
        PorticodProcess porticod(randomIni);
        const unsigned short port = porticod.port();
        // Baseline after a few ordinary requests (lazy initialisation done, workers started).
        for (int i = 0; i < 5; ++i)
            CPPUNIT_ASSERT_EQUAL(200, httpRequest(port, "GET", "/healthz").status);
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        const ProcessStats before = processStats(porticod.pid());

        Tally tally;
        std::atomic<int> next{0};
        std::vector<std::thread> threads;
        for (int s = 0; s < senders; ++s)
            threads.emplace_back([&, s] {
                std::mt19937 random(seed + static_cast<unsigned>(s));
                for (int n = next++; n < totalConnections; n = next++)
                    oneConnection(port, random, n, tally);
            });
        for (auto& thread : threads)
            thread.join();

        std::cerr << "\n  seed " << seed << "; answers:";
        for (const auto& [status, count] : tally.statuses)
            std::cerr << " " << (status ? std::to_string(status) : std::string("closed")) << "x" << count;
        std::cerr << "; connect failures " << tally.connectFailures << "; not closed " << tally.notClosed << "\n";

        CPPUNIT_ASSERT_MESSAGE("porticod died:\n" + porticod.output(), porticod.running());
        CPPUNIT_ASSERT_EQUAL(0, tally.connectFailures);
        CPPUNIT_ASSERT_EQUAL(0, tally.notClosed);
        for (const auto& error : tally.serverErrors)
            CPPUNIT_FAIL("a 5xx for random bytes: " + error);
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(port, "GET", "/healthz").status);
        const HttpResult echo = httpRequest(port, "POST", "/probe_b/echo", "{\"still\":\"serving\"}");
        CPPUNIT_ASSERT_EQUAL(200, echo.status);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"still\":\"serving\"}"), echo.body);

        // Every bad connection's socket is closed again: the fd count returns to its baseline
        // (a little slack for a connection still closing; a leak would be hundreds).
        ProcessStats after = processStats(porticod.pid());
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (after.openFds > before.openFds + 2 && std::chrono::steady_clock::now() < deadline)
        {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            after = processStats(porticod.pid());
        }
        std::cerr << "  open fds " << before.openFds << " -> " << after.openFds << ", RSS " << before.rssKiB
                  << " -> " << after.rssKiB << " KiB, threads " << before.threads << " -> " << after.threads << "\n";
        CPPUNIT_ASSERT_MESSAGE("open fds " + std::to_string(before.openFds) + " -> " + std::to_string(after.openFds),
                               after.openFds <= before.openFds + 2);
    }

private:
    static void oneConnection(unsigned short port, std::mt19937& random, int n, Tally& tally)
    {
        const int kind = n % 6;
        const std::string request = hostileRequest(random, kind);
        std::unique_ptr<RawConnection> connection;
        try
        {
            connection = std::make_unique<RawConnection>(port);
        }
        catch (const std::exception&)
        {
            std::lock_guard<std::mutex> lock(tally.mutex);
            ++tally.connectFailures;
            return;
        }
        connection->send(request, 2); // the server may close before taking it all
        // How the client leaves: a third vanish at once (reset or plain close), half
        // half-close and read the answer until the server closes, and a sixth stay open and
        // wait: the server must close those itself (an answer, the head deadline of 1 s, or
        // the idle and body timeouts of 2 s, which keep this test short).
        const int leave = (n / 6) % 6;
        if (leave < 2)
        {
            (n % 2) ? connection->abort() : connection->close();
            return;
        }
        if (leave < 5)
            connection->shutdownWrite();
        const ReadOutcome read = connection->readUntilClosed(10);
        const int status = statusOf(read.data);
        std::lock_guard<std::mutex> lock(tally.mutex);
        if (!read.closed)
            ++tally.notClosed;
        tally.statuses[status]++;
        if (status >= 500)
            tally.serverErrors.push_back("kind " + std::to_string(kind) + ": " + read.data.substr(0, 400));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RandomBytesTest);
