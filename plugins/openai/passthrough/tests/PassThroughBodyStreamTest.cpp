// Request bodies on pass-through routes are streamed both ways: the staged porticod (shipped
// plugins and limits) in front of a raw upstream run by a script (ScriptedUpstream), so that
// the test sees when each byte reaches the upstream. A body far over server.max_body_bytes goes
// through with porticod's memory flat; the upstream has the first bytes before the client sent
// the last; an upstream that stops reading stops the client (backpressure); a client that goes
// away mid-body, or stalls past the body timeout, closes the upstream connection before a
// complete body; an upstream's early answer reaches the client; a pipelined request after a
// streamed body is served on the same connection.

#include "HttpClient.h"
#include "PorticodProcess.h"
#include "ProcessStats.h"
#include "RawConnection.h"
#include "ScriptedUpstream.h"
#include "TempDir.h"
#include <cppunit/extensions/HelperMacros.h>
#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <random>
#include <sys/socket.h>
#include <thread>

using namespace portico::test;

namespace {

using Clock = std::chrono::steady_clock;

/// Deterministic bytes of every value (no text assumptions in the relay).
std::string bytesOf(std::size_t size, unsigned seed)
{
    std::string body(size, '\0');
    std::mt19937 random(seed);
    for (auto& byte : body)
        byte = static_cast<char>(random() & 0xff);
    return body;
}

std::string answer(int status, const std::string& reason, const std::string& body, const std::string& extra = "")
{
    return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: text/plain\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n" + extra + "\r\n" + body;
}

std::string uploadHead(const std::string& path, const std::string& framing)
{
    return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n" + framing +
           "\r\n";
}

std::string lengthHead(const std::string& path, std::size_t length)
{
    return uploadHead(path, "Content-Length: " + std::to_string(length) + "\r\n");
}

/// What the upstream's script saw, for the test thread to assert on.
struct Seen
{
    std::mutex mutex;
    std::condition_variable changed;
    std::string head;
    std::string body;
    std::size_t received = 0;
    bool complete = false;
    bool closedEarly = false;
    bool released = false;

    void update(const std::function<void(Seen&)>& change)
    {
        std::lock_guard<std::mutex> lock(mutex);
        change(*this);
        changed.notify_all();
    }
    /// Waits (bounded) until `ready` holds; false after `seconds`.
    bool waitFor(const std::function<bool(const Seen&)>& ready, double seconds)
    {
        std::unique_lock<std::mutex> lock(mutex);
        return changed.wait_for(lock, std::chrono::milliseconds(static_cast<long long>(seconds * 1000)),
                                [&] { return ready(*this); });
    }
};

// Under a sanitizer (this test is built with the same flags as the porticod it runs), RSS is
// mostly the sanitizer's (ASan's quarantine keeps freed buffers): the memory bound is checked
// in the plain build only; everything else is checked in every build.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool judgeRss = false;
#else
constexpr bool judgeRss = true;
#endif

std::size_t peakRssMiB(int pid)
{
    return processStats(pid).peakRssKiB / 1024;
}

/// Sends what it can of `bytes` for `seconds` without blocking; returns how many the kernel took.
std::size_t sendFor(RawConnection& client, const std::string& bytes, double seconds)
{
    const auto until = Clock::now() + std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
    std::size_t sent = 0;
    while (sent < bytes.size() && Clock::now() < until)
    {
        const ssize_t n = ::send(client.fd(), bytes.data() + sent, std::min<std::size_t>(65536, bytes.size() - sent),
                                 MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0)
            sent += static_cast<std::size_t>(n);
        else
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return sent;
}

} // namespace

class PassThroughBodyStreamTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(PassThroughBodyStreamTest);
    CPPUNIT_TEST(testLargeBodyStreamsWithFlatMemory);
    CPPUNIT_TEST(testChunkedBodyStaysChunked);
    CPPUNIT_TEST(testUpstreamHasFirstBytesBeforeTheClientSentTheLast);
    CPPUNIT_TEST(testUpstreamThatStopsReadingStopsTheClient);
    CPPUNIT_TEST(testClientGoneMidBodyClosesTheUpstream);
    CPPUNIT_TEST(testStalledUploadTimesOut);
    CPPUNIT_TEST(testEarlyAnswerReachesTheClient);
    CPPUNIT_TEST(testPipelinedRequestAfterAStreamedBody);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override
    {
        dir_ = std::make_unique<TempDir>();
        dir_->write("upstream.key", "sk-upstream-BodyStream0123456789\n");
        seen_ = std::make_shared<Seen>();
    }

    void tearDown() override
    {
        gateway_.reset();
        upstream_.reset();
        dir_.reset();
    }

    /// The upstream (running `script`) and porticod in front of it, as shipped but for the
    /// pass-through route and `serverExtra` (a setting that is a test's subject).
    void start(ScriptedUpstream::Script script, const std::string& serverExtra = "")
    {
        upstream_ = std::make_unique<ScriptedUpstream>(std::move(script));
        gateway_ = std::make_unique<PorticodProcess>(
            "[server]\nlisten = 127.0.0.1:{port}\n" + serverExtra +
            "[plugins]\norder = tracing, security, metrics, ratelimit, openai\n"
            "[openai]\nupstreams.svc.url = http://127.0.0.1:" +
            std::to_string(upstream_->port()) + "/v1\nupstreams.svc.api_key_file = " + dir_->path() +
            "/upstream.key\npassthrough.uploads.prefix = /v1/uploads\npassthrough.uploads.upstream = svc\n");
    }

    /// A script that reads a Content-Length body whole and answers with its size.
    ScriptedUpstream::Script readWholeBody()
    {
        auto seen = seen_;
        return [seen](ScriptedSocket& socket) {
            const std::string head = socket.readHead();
            const auto at = head.find("Content-Length: ");
            const std::size_t length = at == std::string::npos ? 0 : std::stoull(head.substr(at + 16));
            std::string body = socket.readBytes(length, 60);
            const bool complete = body.size() == length;
            const std::string size = std::to_string(body.size());
            seen->update([&](Seen& s) {
                s.head = head;
                s.body = std::move(body);
                s.complete = complete;
            });
            socket.send(answer(200, "OK", "received " + size));
        };
    }

    void testLargeBodyStreamsWithFlatMemory()
    {
        // 50 MiB, fifty times server.max_body_bytes: a buffered route would answer 413.
        const std::string body = bytesOf(50 << 20, 1);
        start(readWholeBody());
        const std::size_t peakBefore = peakRssMiB(gateway_->pid());
        RawConnection client(gateway_->port());
        CPPUNIT_ASSERT(client.send(lengthHead("/v1/uploads/big", body.size())));
        for (std::size_t at = 0; at < body.size(); at += 1 << 20)
            CPPUNIT_ASSERT(client.send(body.substr(at, 1 << 20), 30));
        const ReadOutcome reply = client.readUntil("received " + std::to_string(body.size()), 60);
        CPPUNIT_ASSERT_EQUAL(200, statusOf(reply.data));
        const std::size_t peakAfter = peakRssMiB(gateway_->pid());
        std::cerr << "\n  50 MiB upload: porticod peak RSS " << peakBefore << " -> " << peakAfter << " MiB\n";

        std::lock_guard<std::mutex> lock(seen_->mutex);
        CPPUNIT_ASSERT(seen_->complete);
        CPPUNIT_ASSERT(seen_->body == body);
        // Framed as the client framed it; the upstream's key, not the client's.
        CPPUNIT_ASSERT(seen_->head.find("Content-Length: " + std::to_string(body.size()) + "\r\n") != std::string::npos);
        CPPUNIT_ASSERT(seen_->head.find("Authorization: Bearer sk-upstream-BodyStream") != std::string::npos);
        CPPUNIT_ASSERT(seen_->head.find("POST /v1/uploads/big HTTP/1.1\r\n") == 0);
        // Buffers of 64 KiB, not the body: the peak resident memory barely moves.
        CPPUNIT_ASSERT_MESSAGE("peak RSS went from " + std::to_string(peakBefore) + " to " +
                                   std::to_string(peakAfter) + " MiB",
                               !judgeRss || peakAfter < peakBefore + 16);
    }

    void testChunkedBodyStaysChunked()
    {
        const std::string body = bytesOf(8 << 20, 2);
        auto seen = seen_;
        start([seen](ScriptedSocket& socket) {
            const std::string head = socket.readHead();
            bool complete = false;
            std::string received = socket.readChunked(complete, 60);
            const std::string size = std::to_string(received.size());
            seen->update([&](Seen& s) {
                s.head = head;
                s.body = std::move(received);
                s.complete = complete;
            });
            socket.send(answer(201, "Created", "stored " + size));
        });
        RawConnection client(gateway_->port());
        CPPUNIT_ASSERT(client.send(uploadHead("/v1/uploads/chunked", "Transfer-Encoding: chunked\r\n")));
        std::mt19937 random(3);
        std::string wire;
        for (std::size_t at = 0; at < body.size();)
        {
            const std::size_t size = std::min<std::size_t>(1 + random() % 70000, body.size() - at);
            char line[32];
            std::snprintf(line, sizeof line, "%zx\r\n", size);
            wire += line;
            wire.append(body, at, size);
            wire += "\r\n";
            at += size;
            if (wire.size() > (1 << 20))
            {
                CPPUNIT_ASSERT(client.send(wire, 30));
                wire.clear();
            }
        }
        wire += "0\r\n\r\n";
        CPPUNIT_ASSERT(client.send(wire, 30));
        const ReadOutcome reply = client.readUntil("stored " + std::to_string(body.size()), 60);
        CPPUNIT_ASSERT_EQUAL(201, statusOf(reply.data));

        std::lock_guard<std::mutex> lock(seen_->mutex);
        CPPUNIT_ASSERT(seen_->complete);
        CPPUNIT_ASSERT(seen_->body == body);
        CPPUNIT_ASSERT(seen_->head.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
        CPPUNIT_ASSERT(seen_->head.find("Content-Length") == std::string::npos);
    }

    void testUpstreamHasFirstBytesBeforeTheClientSentTheLast()
    {
        const std::string body = bytesOf(2 << 20, 4);
        auto seen = seen_;
        start([seen](ScriptedSocket& socket) {
            socket.readHead();
            std::string first = socket.readBytes(1 << 20, 20);
            seen->update([&](Seen& s) { s.received = first.size(); });
            std::string rest = socket.readBytes(1 << 20, 20);
            seen->update([&](Seen& s) {
                s.body = first + rest;
                s.complete = s.body.size() == (2u << 20);
            });
            socket.send(answer(200, "OK", "done"));
        });
        RawConnection client(gateway_->port());
        CPPUNIT_ASSERT(client.send(lengthHead("/v1/uploads/slow", body.size()) + body.substr(0, 1 << 20)));
        // The second half is held back until the upstream has the first: a gateway that reads
        // the body whole before forwarding it never gets there.
        CPPUNIT_ASSERT_MESSAGE("the upstream did not get the first half while the client held the second",
                               seen_->waitFor([](const Seen& s) { return s.received == (1u << 20); }, 15));
        CPPUNIT_ASSERT(client.send(body.substr(1 << 20)));
        const ReadOutcome reply = client.readUntil("done", 30);
        CPPUNIT_ASSERT_EQUAL(200, statusOf(reply.data));
        std::lock_guard<std::mutex> lock(seen_->mutex);
        CPPUNIT_ASSERT(seen_->complete);
        CPPUNIT_ASSERT(seen_->body == body);
    }

    void testUpstreamThatStopsReadingStopsTheClient()
    {
        const std::string body = bytesOf(96 << 20, 5);
        auto seen = seen_;
        start([seen](ScriptedSocket& socket) {
            socket.readHead();
            // Reads nothing until the test has seen the client held back.
            seen->waitFor([](const Seen& s) { return s.released; }, 30);
            std::string received = socket.readBytes(96u << 20, 60);
            const bool complete = received.size() == (96u << 20);
            seen->update([&](Seen& s) {
                s.body = std::move(received);
                s.complete = complete;
            });
            socket.send(answer(200, "OK", "took it all"));
        });
        const std::size_t peakBefore = peakRssMiB(gateway_->pid());
        RawConnection client(gateway_->port());
        CPPUNIT_ASSERT(client.send(lengthHead("/v1/uploads/held", body.size())));
        // Kernel buffers on the way (client, porticod, upstream) take some megabytes; porticod
        // itself holds 64 KiB and stops reading. Without backpressure all 96 MiB go in 3 s.
        const std::size_t taken = sendFor(client, body, 3);
        const std::size_t peakHeld = peakRssMiB(gateway_->pid());
        std::cerr << "\n  upstream not reading: the client got " << (taken >> 20) << " of 96 MiB in within 3 s; porticod peak RSS "
                  << peakBefore << " -> " << peakHeld << " MiB\n";
        CPPUNIT_ASSERT_MESSAGE("the client got " + std::to_string(taken >> 20) + " MiB in while the upstream read nothing",
                               taken < (48u << 20));
        CPPUNIT_ASSERT_MESSAGE("peak RSS went from " + std::to_string(peakBefore) + " to " + std::to_string(peakHeld) +
                                   " MiB",
                               !judgeRss || peakHeld < peakBefore + 16);
        seen_->update([](Seen& s) { s.released = true; });
        CPPUNIT_ASSERT(client.send(body.substr(taken), 60));
        const ReadOutcome reply = client.readUntil("took it all", 60);
        CPPUNIT_ASSERT_EQUAL(200, statusOf(reply.data));
        std::lock_guard<std::mutex> lock(seen_->mutex);
        CPPUNIT_ASSERT(seen_->complete);
        CPPUNIT_ASSERT(seen_->body == body);
    }

    /// A script that reads what comes of a Content-Length body and notes whether the
    /// connection closed before its end.
    ScriptedUpstream::Script readUntilCut()
    {
        auto seen = seen_;
        return [seen](ScriptedSocket& socket) {
            socket.readHead();
            std::size_t total = 0;
            // In slices, so that the test sees the bytes arrive.
            while (total < (4u << 20))
            {
                const std::string piece = socket.readBytes(64 * 1024, 20);
                total += piece.size();
                seen->update([&](Seen& s) { s.received = total; });
                if (piece.size() < 64 * 1024)
                    break;
            }
            seen->update([&](Seen& s) {
                s.complete = total == (4u << 20);
                s.closedEarly = socket.peerClosed() && total < (4u << 20);
            });
        };
    }

    void testClientGoneMidBodyClosesTheUpstream()
    {
        start(readUntilCut());
        {
            RawConnection client(gateway_->port());
            CPPUNIT_ASSERT(client.send(lengthHead("/v1/uploads/cut", 4 << 20) + bytesOf(1 << 20, 6)));
            CPPUNIT_ASSERT(seen_->waitFor([](const Seen& s) { return s.received >= (1u << 20); }, 15));
            client.abort();
        }
        CPPUNIT_ASSERT_MESSAGE("the upstream connection was not closed after the client left",
                               seen_->waitFor([](const Seen& s) { return s.closedEarly; }, 10));
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(gateway_->port(), "GET", "/healthz").status);
    }

    void testStalledUploadTimesOut()
    {
        // The body timeout is this test's subject: 2 s instead of the shipped 30.
        start(readUntilCut(), "body_timeout_seconds = 2\n");
        RawConnection client(gateway_->port());
        CPPUNIT_ASSERT(client.send(lengthHead("/v1/uploads/stall", 4 << 20) + bytesOf(256 * 1024, 7)));
        CPPUNIT_ASSERT(seen_->waitFor([](const Seen& s) { return s.received >= 256u * 1024; }, 15));
        const auto stalled = Clock::now();
        // The client sends nothing more: after the body timeout both ends are closed.
        const ReadOutcome outcome = client.readUntilClosed(15);
        CPPUNIT_ASSERT(outcome.closed);
        CPPUNIT_ASSERT(seen_->waitFor([](const Seen& s) { return s.closedEarly; }, 10));
        const double seconds = std::chrono::duration<double>(Clock::now() - stalled).count();
        CPPUNIT_ASSERT_MESSAGE("closed after " + std::to_string(seconds) + " s", seconds >= 1.5 && seconds < 8);
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(gateway_->port(), "GET", "/healthz").status);
    }

    void testEarlyAnswerReachesTheClient()
    {
        start([](ScriptedSocket& socket) {
            socket.readHead();
            // Refused on sight: answered without reading the body, then closed.
            socket.send(answer(413, "Content Too Large", "{\"error\":\"too large for this service\"}",
                               "Connection: close\r\n"));
        });
        RawConnection client(gateway_->port());
        CPPUNIT_ASSERT(client.send(lengthHead("/v1/uploads/huge", 64 << 20)));
        const std::string body = bytesOf(8 << 20, 8);
        std::thread sender([&client, &body] { sendFor(client, body, 5); });
        const ReadOutcome reply = client.readUntil("too large for this service", 15);
        sender.join();
        CPPUNIT_ASSERT_EQUAL(413, statusOf(reply.data));
        CPPUNIT_ASSERT_MESSAGE("not the upstream's answer: " + reply.data,
                               reply.data.find("too large for this service") != std::string::npos);
        // The rest of the body will not be read: the connection cannot carry another request.
        std::string head = reply.data.substr(0, reply.data.find("\r\n\r\n") + 2);
        std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
        CPPUNIT_ASSERT_MESSAGE(reply.data, head.find("\r\nconnection: close\r\n") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(gateway_->port(), "GET", "/healthz").status);
    }

    void testPipelinedRequestAfterAStreamedBody()
    {
        auto seen = seen_;
        start([seen](ScriptedSocket& socket) {
            for (int i = 0; i < 2; ++i)
            {
                const std::string head = socket.readHead();
                if (head.empty())
                    return;
                const std::string body = socket.readBytes(5);
                seen->update([&](Seen& s) { s.body += body; });
                socket.send(answer(200, "OK", "got " + body));
            }
        });
        RawConnection client(gateway_->port());
        // Two streamed bodies and a request of the core's, in one write.
        CPPUNIT_ASSERT(client.send(lengthHead("/v1/uploads/a", 5) + "hello" + lengthHead("/v1/uploads/b", 5) +
                                   "world" + "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
        const ReadOutcome reply = client.readUntilClosed(15);
        const auto first = reply.data.find("got hello");
        const auto second = reply.data.find("got world");
        const auto third = reply.data.find("\"status\"");
        CPPUNIT_ASSERT_MESSAGE(reply.data, first != std::string::npos && second != std::string::npos &&
                                               third != std::string::npos && first < second && second < third);
        std::lock_guard<std::mutex> lock(seen_->mutex);
        CPPUNIT_ASSERT_EQUAL(std::string("helloworld"), seen_->body);
    }

private:
    std::unique_ptr<TempDir> dir_;
    std::shared_ptr<Seen> seen_;
    std::unique_ptr<ScriptedUpstream> upstream_;
    std::unique_ptr<PorticodProcess> gateway_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(PassThroughBodyStreamTest);
