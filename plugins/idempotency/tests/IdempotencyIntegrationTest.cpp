// The idempotency plugin in the installed porticod, over real sockets, with the
// idempotency_probe fixture as the counting (and slow, and streaming) handler.

#include "HttpClient.h"
#include "IntegrationSupport.h"
#include "PorticodProcess.h"
#include <atomic>
#include <cppunit/extensions/HelperMacros.h>
#include <csignal>
#include <set>
#include <thread>
#include <vector>

namespace portico::idempotency::test {

using portico::test::HttpResult;
using portico::test::PorticodProcess;

namespace {

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

/// The decoded body of a raw HTTP/1.1 answer (chunked or not) and its head.
struct RawAnswer
{
    std::string head;
    std::string body;
};

RawAnswer postRaw(unsigned short port, const std::string& target, const std::string& body, const std::string& key)
{
    const std::string request = "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                                "Content-Type: application/json\r\nIdempotency-Key: " + key +
                                "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    const auto result = portico::test::rawRequest(port, request, 30);
    const auto split = result.raw.find("\r\n\r\n");
    CPPUNIT_ASSERT(split != std::string::npos);
    RawAnswer answer;
    answer.head = result.raw.substr(0, split);
    const std::string rest = result.raw.substr(split + 4);
    answer.body = contains(answer.head, "Transfer-Encoding: chunked") ? portico::test::dechunk(rest) : rest;
    return answer;
}

std::vector<std::string> events(const std::string& sse)
{
    std::vector<std::string> out;
    std::size_t start = 0;
    for (std::size_t end; (end = sse.find("\n\n", start)) != std::string::npos; start = end + 2)
        out.push_back(sse.substr(start, end - start));
    return out;
}

} // namespace

class IdempotencyIntegrationTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(IdempotencyIntegrationTest);
    CPPUNIT_TEST(testReplayIsByteIdenticalWithAFreshTraceId);
    CPPUNIT_TEST(testChangedBodyIs422);
    CPPUNIT_TEST(testFiftySimultaneousRequestsExecuteOnce);
    CPPUNIT_TEST(testAnotherPrincipalsKeyIsNotReplayed);
    CPPUNIT_TEST(testEntriesExpire);
    CPPUNIT_TEST(testStreamingReplaySendsIdenticalEvents);
    CPPUNIT_TEST(testFailedRequestReleasesTheKey);
    CPPUNIT_TEST(testInvalidKeyIs400);
    CPPUNIT_TEST(testReloadKeepsTheMemoryStore);
    CPPUNIT_TEST(testUnknownKeyIsRefusedByCheckConfig);
    CPPUNIT_TEST_SUITE_END();

public:
    void testReplayIsByteIdenticalWithAFreshTraceId()
    {
        PorticodProcess porticod(porticoConfig());
        const std::string key = freshKey("replay");
        const HttpResult first = postWithKey(porticod.port(), "/probe/work", "{\"input\":\"hello\"}", key);
        CPPUNIT_ASSERT_EQUAL(200, first.status);
        CPPUNIT_ASSERT_EQUAL(key, first.header("Idempotency-Key"));
        CPPUNIT_ASSERT(!first.has("Idempotent-Replayed"));
        const HttpResult replay = postWithKey(porticod.port(), "/probe/work", "{\"input\":\"hello\"}", key);
        CPPUNIT_ASSERT_EQUAL(200, replay.status);
        CPPUNIT_ASSERT_EQUAL(first.body, replay.body);
        CPPUNIT_ASSERT_EQUAL(first.header("Content-Type"), replay.header("Content-Type"));
        CPPUNIT_ASSERT_EQUAL(std::string("true"), replay.header("Idempotent-Replayed"));
        CPPUNIT_ASSERT_EQUAL(key, replay.header("Idempotency-Key"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(32), replay.header("X-Trace-Id").size());
        CPPUNIT_ASSERT(first.header("X-Trace-Id") != replay.header("X-Trace-Id"));
        CPPUNIT_ASSERT_EQUAL(1, executions(porticod.port()));
    }

    void testChangedBodyIs422()
    {
        PorticodProcess porticod(porticoConfig());
        const std::string key = freshKey("changed");
        CPPUNIT_ASSERT_EQUAL(200, postWithKey(porticod.port(), "/probe/work", "{\"n\":1}", key).status);
        const HttpResult changed = postWithKey(porticod.port(), "/probe/work", "{\"n\":2}", key);
        CPPUNIT_ASSERT_EQUAL(422, changed.status);
        CPPUNIT_ASSERT(contains(changed.header("Content-Type"), "application/json"));
        CPPUNIT_ASSERT(contains(changed.body, "\"code\":\"idempotency_key_reused\""));
        CPPUNIT_ASSERT(contains(changed.body, "\"type\":\"invalid_request_error\""));
        CPPUNIT_ASSERT_EQUAL(1, executions(porticod.port()));
    }

    void testFiftySimultaneousRequestsExecuteOnce()
    {
        PorticodProcess porticod(porticoConfig());
        const std::string key = freshKey("fifty");
        constexpr int Clients = 50;
        std::vector<HttpResult> results(Clients);
        std::atomic<int> ready{0};
        std::vector<std::thread> threads;
        for (int i = 0; i < Clients; ++i)
            threads.emplace_back([&, i] {
                ++ready;
                while (ready.load() < Clients)
                    std::this_thread::yield();
                results[i] = postWithKey(porticod.port(), "/probe/work?ms=1500", "{\"input\":\"once\"}", key);
            });
        for (auto& thread : threads)
            thread.join();

        CPPUNIT_ASSERT_EQUAL(1, executions(porticod.port()));
        int originals = 0, replays = 0, conflicts = 0;
        std::string original;
        for (const auto& result : results)
        {
            if (result.status == 409)
            {
                ++conflicts;
                CPPUNIT_ASSERT_EQUAL(std::string("1"), result.header("Retry-After"));
                CPPUNIT_ASSERT(contains(result.body, "\"code\":\"idempotency_key_in_use\""));
            }
            else if (result.status == 200 && result.has("Idempotent-Replayed"))
                ++replays;
            else if (result.status == 200)
            {
                ++originals;
                original = result.body;
            }
            else
                CPPUNIT_FAIL("unexpected answer " + std::to_string(result.status) + ": " + result.body);
        }
        CPPUNIT_ASSERT_EQUAL(1, originals);
        CPPUNIT_ASSERT_EQUAL(Clients - 1, replays + conflicts);
        CPPUNIT_ASSERT(conflicts > 0);
        for (const auto& result : results)
            if (result.status == 200)
                CPPUNIT_ASSERT_EQUAL(original, result.body);
        const HttpResult after = postWithKey(porticod.port(), "/probe/work?ms=1500", "{\"input\":\"once\"}", key);
        CPPUNIT_ASSERT_EQUAL(original, after.body);
        CPPUNIT_ASSERT_EQUAL(std::string("true"), after.header("Idempotent-Replayed"));
        CPPUNIT_ASSERT_EQUAL(1, executions(porticod.port()));
    }

    void testAnotherPrincipalsKeyIsNotReplayed()
    {
        PorticodProcess porticod(porticoConfig());
        const std::string key = freshKey("shared");
        const HttpResult alice = postWithKey(porticod.port(), "/probe/work", "{}", key, {{"X-Test-Principal", "alice"}});
        const HttpResult bob = postWithKey(porticod.port(), "/probe/work", "{}", key, {{"X-Test-Principal", "bob"}});
        CPPUNIT_ASSERT_EQUAL(200, bob.status);
        CPPUNIT_ASSERT(!bob.has("Idempotent-Replayed"));
        CPPUNIT_ASSERT(alice.body != bob.body);
        CPPUNIT_ASSERT_EQUAL(2, executions(porticod.port()));
        const HttpResult aliceAgain =
            postWithKey(porticod.port(), "/probe/work", "{}", key, {{"X-Test-Principal", "alice"}});
        CPPUNIT_ASSERT_EQUAL(alice.body, aliceAgain.body);
        CPPUNIT_ASSERT_EQUAL(2, executions(porticod.port()));
    }

    void testEntriesExpire()
    {
        PorticodProcess porticod(porticoConfig("ttl_seconds = 1\npurge_interval_seconds = 1\n"));
        const std::string key = freshKey("expiring");
        const HttpResult first = postWithKey(porticod.port(), "/probe/work", "{}", key);
        const HttpResult soon = postWithKey(porticod.port(), "/probe/work", "{}", key);
        CPPUNIT_ASSERT_EQUAL(std::string("true"), soon.header("Idempotent-Replayed"));
        std::this_thread::sleep_for(std::chrono::milliseconds(2200));
        const HttpResult later = postWithKey(porticod.port(), "/probe/work", "{}", key);
        CPPUNIT_ASSERT_EQUAL(200, later.status);
        CPPUNIT_ASSERT(!later.has("Idempotent-Replayed"));
        CPPUNIT_ASSERT(later.body != first.body);
        CPPUNIT_ASSERT_EQUAL(2, executions(porticod.port()));
    }

    void testStreamingReplaySendsIdenticalEvents()
    {
        PorticodProcess porticod(porticoConfig());
        const std::string key = freshKey("stream");
        const RawAnswer first = postRaw(porticod.port(), "/probe/stream?events=8&delay_ms=20", "{\"stream\":true}", key);
        CPPUNIT_ASSERT(contains(first.head, "HTTP/1.1 200"));
        CPPUNIT_ASSERT(contains(first.head, "Transfer-Encoding: chunked"));
        CPPUNIT_ASSERT(contains(first.head, "Idempotency-Stream-Limit: 4194304"));
        const auto original = events(first.body);
        CPPUNIT_ASSERT_EQUAL(std::size_t(9), original.size()); // 8 ticks and [DONE]

        // The stored answer is written just after the last byte went out (README): a retry that
        // lands in that moment gets 409 and Retry-After, and retries as a client would.
        RawAnswer replay = postRaw(porticod.port(), "/probe/stream?events=8&delay_ms=20", "{\"stream\":true}", key);
        for (int retry = 0; retry < 3 && contains(replay.head, "HTTP/1.1 409"); ++retry)
        {
            CPPUNIT_ASSERT(contains(replay.head, "Retry-After: 1"));
            std::this_thread::sleep_for(std::chrono::seconds(1));
            replay = postRaw(porticod.port(), "/probe/stream?events=8&delay_ms=20", "{\"stream\":true}", key);
        }
        CPPUNIT_ASSERT(contains(replay.head, "HTTP/1.1 200"));
        CPPUNIT_ASSERT(contains(replay.head, "Idempotent-Replayed: true"));
        CPPUNIT_ASSERT(contains(replay.head, "Content-Type: text/event-stream"));
        CPPUNIT_ASSERT_EQUAL(first.body, replay.body);
        const auto replayed = events(replay.body);
        CPPUNIT_ASSERT(original == replayed);
        CPPUNIT_ASSERT_EQUAL(1, executions(porticod.port()));
    }

    void testFailedRequestReleasesTheKey()
    {
        PorticodProcess porticod(porticoConfig());
        const std::string key = freshKey("failing");
        const HttpResult first = postWithKey(porticod.port(), "/probe/throw", "{}", key);
        CPPUNIT_ASSERT_EQUAL(500, first.status);
        const HttpResult retry = postWithKey(porticod.port(), "/probe/throw", "{}", key);
        CPPUNIT_ASSERT_EQUAL(500, retry.status); // ran again: not a 409, not a replay
        CPPUNIT_ASSERT(!retry.has("Idempotent-Replayed"));
        CPPUNIT_ASSERT_EQUAL(2, executions(porticod.port()));
    }

    void testInvalidKeyIs400()
    {
        PorticodProcess porticod(porticoConfig());
        const HttpResult tooLong = postWithKey(porticod.port(), "/probe/work", "{}", std::string(300, 'k'));
        CPPUNIT_ASSERT_EQUAL(400, tooLong.status);
        CPPUNIT_ASSERT(contains(tooLong.body, "\"code\":\"invalid_idempotency_key\""));
        CPPUNIT_ASSERT(contains(tooLong.body, "300 characters long; the limit is 255"));
        const HttpResult unterminated = postWithKey(porticod.port(), "/probe/work", "{}", "\"abc");
        CPPUNIT_ASSERT_EQUAL(400, unterminated.status);
        CPPUNIT_ASSERT(contains(unterminated.body, "no closing quote"));
        CPPUNIT_ASSERT_EQUAL(0, executions(porticod.port()));
    }

    void testReloadKeepsTheMemoryStore()
    {
        PorticodProcess porticod(porticoConfig());
        const std::string key = freshKey("reload");
        const HttpResult first = postWithKey(porticod.port(), "/probe/work", "{}", key);
        porticod.rewriteConfig(porticoConfig("max_entries = 5000\n"));
        porticod.signal(SIGHUP);
        CPPUNIT_ASSERT(porticod.waitForOutput("reloaded", 10));
        const HttpResult replay = postWithKey(porticod.port(), "/probe/work", "{}", key);
        CPPUNIT_ASSERT_EQUAL(first.body, replay.body);
        CPPUNIT_ASSERT_EQUAL(std::string("true"), replay.header("Idempotent-Replayed"));
        CPPUNIT_ASSERT_EQUAL(1, executions(porticod.port()));
    }

    void testUnknownKeyIsRefusedByCheckConfig()
    {
        portico::test::TempDir dir;
        const std::string config = dir.write(
            "portico.ini", "[server]\nlisten = 127.0.0.1:1\n[plugins]\npath = " + portico::test::stagePluginDir() +
                               "\norder = idempotency\n[idempotency]\nttl_second = 5\n");
        const auto result = portico::test::runPorticod({"--config=" + config, "--check-config"});
        CPPUNIT_ASSERT_MESSAGE(result.output, result.exitCode != 0);
        CPPUNIT_ASSERT_MESSAGE(result.output, contains(result.output, "ttl_second"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(IdempotencyIntegrationTest);

} // namespace portico::idempotency::test
