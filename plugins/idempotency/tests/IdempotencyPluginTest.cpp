// The plugin through a real Chain and ChainRunner (PluginHarness): every answer the issue
// describes, which answers are stored, and when the in-flight marker is released.

#include "api/ExchangeControl.h"
#include "PluginHarness.h"
#include "IdempotencyKey.h"
#include "TempDir.h"
#include <atomic>
#include <cppunit/extensions/HelperMacros.h>
#include <thread>
#include <vector>

namespace portico::idempotency::test {

namespace {

std::map<std::string, std::string> keyed(const std::string& key, std::map<std::string, std::string> more = {})
{
    more["Idempotency-Key"] = key;
    return more;
}

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

} // namespace

class IdempotencyPluginTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(IdempotencyPluginTest);
    CPPUNIT_TEST(testFirstAnswerCarriesTheKeyAndIsReplayedByteForByte);
    CPPUNIT_TEST(testQuotedAndBareFormsAreOneKey);
    CPPUNIT_TEST(testDifferentBodyIs422);
    CPPUNIT_TEST(testSameKeyWhileInFlightIs409WithRetryAfter);
    CPPUNIT_TEST(testDifferentBodyWhileInFlightIs422);
    CPPUNIT_TEST(testAnotherPrincipalIsNotReplayed);
    CPPUNIT_TEST(testAnotherRouteIsAnotherKey);
    CPPUNIT_TEST(testHandlersOwnErrorsAreStored);
    CPPUNIT_TEST(testThrowingHandlerReleasesTheKey);
    CPPUNIT_TEST(testInnerHookAnswerIsNotStored);
    CPPUNIT_TEST(testStreamIsRecordedAndReplayedIdentically);
    CPPUNIT_TEST(testStreamOverTheCapIsNotStored);
    CPPUNIT_TEST(testStreamCutByTheClientIsNotStored);
    CPPUNIT_TEST(testBufferedAnswerIsStoredEvenWhenTheClientLeft);
    CPPUNIT_TEST(testMalformedKeysAre400);
    CPPUNIT_TEST(testRepeatedHeaderIs400);
    CPPUNIT_TEST(testRequireKey);
    CPPUNIT_TEST(testUncoveredRoutesAreUntouched);
    CPPUNIT_TEST(testNoKeyRunsEveryTime);
    CPPUNIT_TEST(testReloadKeepsTheMemoryStore);
    CPPUNIT_TEST(testSqliteStoreThroughThePlugin);
    CPPUNIT_TEST(testMetricsCount);
    CPPUNIT_TEST(testConcurrentRequestsWithOneKeyExecuteOnce);
    CPPUNIT_TEST(testConcurrentStreamsWithManyKeys);
    CPPUNIT_TEST_SUITE_END();

public:
    void testFirstAnswerCarriesTheKeyAndIsReplayedByteForByte()
    {
        Harness harness;
        const std::string key = uniqueKey();
        const RunResult first = harness.run("/v1/work", "{\"input\":\"hello\"}", keyed(key));
        CPPUNIT_ASSERT_EQUAL(200, first.status);
        CPPUNIT_ASSERT_EQUAL(key, first.header("Idempotency-Key"));
        CPPUNIT_ASSERT(!first.headers.has("Idempotent-Replayed"));
        const RunResult replay = harness.run("/v1/work", "{\"input\":\"hello\"}", keyed(key));
        CPPUNIT_ASSERT_EQUAL(200, replay.status);
        CPPUNIT_ASSERT_EQUAL(first.body, replay.body);
        CPPUNIT_ASSERT_EQUAL(first.contentType, replay.contentType);
        CPPUNIT_ASSERT_EQUAL(std::string("true"), replay.header("Idempotent-Replayed"));
        CPPUNIT_ASSERT_EQUAL(key, replay.header("Idempotency-Key"));
        CPPUNIT_ASSERT_EQUAL(1, harness.executions());
    }

    void testQuotedAndBareFormsAreOneKey()
    {
        Harness harness;
        const std::string key = uniqueKey();
        const RunResult first = harness.run("/v1/work", "{}", keyed("\"" + key + "\""));
        CPPUNIT_ASSERT_EQUAL("\"" + key + "\"", first.header("Idempotency-Key")); // echoed as sent
        const RunResult replay = harness.run("/v1/work", "{}", keyed(key));
        CPPUNIT_ASSERT_EQUAL(std::string("true"), replay.header("Idempotent-Replayed"));
        CPPUNIT_ASSERT_EQUAL(1, harness.executions());
    }

    void testDifferentBodyIs422()
    {
        Harness harness;
        const std::string key = uniqueKey();
        harness.run("/v1/work", "{\"input\":\"one\"}", keyed(key));
        const RunResult reused = harness.run("/v1/work", "{\"input\":\"two\"}", keyed(key));
        CPPUNIT_ASSERT_EQUAL(422, reused.status);
        CPPUNIT_ASSERT(contains(reused.body, "\"code\":\"idempotency_key_reused\""));
        CPPUNIT_ASSERT(contains(reused.body, "\"type\":\"invalid_request_error\""));
        CPPUNIT_ASSERT_EQUAL(std::string("application/json"), reused.contentType);
        CPPUNIT_ASSERT_EQUAL(1, harness.executions());
        // The stored answer is untouched by the refused request.
        CPPUNIT_ASSERT_EQUAL(std::string("true"),
                             harness.run("/v1/work", "{\"input\":\"one\"}", keyed(key)).header("Idempotent-Replayed"));
    }

    void testSameKeyWhileInFlightIs409WithRetryAfter()
    {
        Harness harness;
        const std::string key = uniqueKey();
        // /v1/nested runs the same request from inside its handler, i.e. while the first is in flight.
        const RunResult outer = harness.run("/v1/nested", "{}", keyed(key, {{"X-Nested-Key", key}}));
        CPPUNIT_ASSERT_EQUAL(200, outer.status);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"inner_status\":409,\"inner_retry_after\":\"1\"}"), outer.body);
        CPPUNIT_ASSERT_EQUAL(1, harness.executions());
        // Once the first completed, the same request is a replay.
        const RunResult after = harness.run("/v1/nested", "{}", keyed(key, {{"X-Nested-Key", key}}));
        CPPUNIT_ASSERT_EQUAL(outer.body, after.body);
        CPPUNIT_ASSERT_EQUAL(std::string("true"), after.header("Idempotent-Replayed"));
        CPPUNIT_ASSERT_EQUAL(1, harness.executions());
    }

    void testDifferentBodyWhileInFlightIs422()
    {
        Harness harness;
        const std::string key = uniqueKey();
        const auto begun = harness.plugin().store().begin(
            identityKey("anonymous", "POST /v1/work", key), bodyFingerprint("{\"a\":1}"), std::chrono::seconds(60));
        CPPUNIT_ASSERT(begun.state == BeginResult::State::Reserved);
        const RunResult other = harness.run("/v1/work", "{\"a\":2}", keyed(key));
        CPPUNIT_ASSERT_EQUAL(422, other.status);
        const RunResult same = harness.run("/v1/work", "{\"a\":1}", keyed(key));
        CPPUNIT_ASSERT_EQUAL(409, same.status);
        CPPUNIT_ASSERT(contains(same.body, "\"code\":\"idempotency_key_in_use\""));
        CPPUNIT_ASSERT_EQUAL(std::string("1"), same.header("Retry-After"));
        CPPUNIT_ASSERT_EQUAL(key, same.header("Idempotency-Key"));
        CPPUNIT_ASSERT_EQUAL(0, harness.executions());
    }

    void testAnotherPrincipalIsNotReplayed()
    {
        Harness harness;
        const std::string key = uniqueKey();
        const RunResult alice = harness.run("/v1/work", "{}", keyed(key, {{"X-Principal", "alice"}}));
        const RunResult bob = harness.run("/v1/work", "{}", keyed(key, {{"X-Principal", "bob"}}));
        const RunResult anonymous = harness.run("/v1/work", "{}", keyed(key));
        CPPUNIT_ASSERT(!bob.headers.has("Idempotent-Replayed"));
        CPPUNIT_ASSERT(!anonymous.headers.has("Idempotent-Replayed"));
        CPPUNIT_ASSERT(alice.body != bob.body);
        CPPUNIT_ASSERT_EQUAL(3, harness.executions());
        const RunResult aliceAgain = harness.run("/v1/work", "{}", keyed(key, {{"X-Principal", "alice"}}));
        CPPUNIT_ASSERT_EQUAL(alice.body, aliceAgain.body);
        CPPUNIT_ASSERT_EQUAL(3, harness.executions());
    }

    void testAnotherRouteIsAnotherKey()
    {
        Harness harness;
        const std::string key = uniqueKey();
        harness.run("/v1/work", "{}", keyed(key));
        const RunResult stream = harness.run("/v1/stream", "{}", keyed(key));
        CPPUNIT_ASSERT_EQUAL(200, stream.status);
        CPPUNIT_ASSERT(!stream.headers.has("Idempotent-Replayed"));
        CPPUNIT_ASSERT_EQUAL(2, harness.executions());
    }

    void testHandlersOwnErrorsAreStored()
    {
        Harness harness;
        const std::string key = uniqueKey();
        const RunResult first = harness.run("/v1/work", "{}", keyed(key, {{"X-Status", "503"}}));
        CPPUNIT_ASSERT_EQUAL(503, first.status);
        const RunResult replay = harness.run("/v1/work", "{}", keyed(key, {{"X-Status", "503"}}));
        CPPUNIT_ASSERT_EQUAL(503, replay.status);
        CPPUNIT_ASSERT_EQUAL(first.body, replay.body);
        CPPUNIT_ASSERT_EQUAL(std::string("true"), replay.header("Idempotent-Replayed"));
        CPPUNIT_ASSERT_EQUAL(1, harness.executions());
    }

    void testThrowingHandlerReleasesTheKey()
    {
        Harness harness;
        const std::string key = uniqueKey();
        CPPUNIT_ASSERT_EQUAL(500, harness.run("/v1/throw", "{}", keyed(key)).status);
        const RunResult retry = harness.run("/v1/throw", "{}", keyed(key));
        CPPUNIT_ASSERT_EQUAL(500, retry.status);
        CPPUNIT_ASSERT(!retry.headers.has("Idempotent-Replayed"));
        CPPUNIT_ASSERT_EQUAL(2, harness.executions()); // the retry ran: nothing was stored or held
        CPPUNIT_ASSERT_EQUAL(2.0, harness.counter("portico_idempotency_not_stored_total", "not_handler"));
    }

    void testInnerHookAnswerIsNotStored()
    {
        Harness harness;
        const std::string key = uniqueKey();
        const RunResult denied = harness.run("/v1/work", "{}", keyed(key, {{"X-Deny", "1"}}));
        CPPUNIT_ASSERT_EQUAL(429, denied.status);
        CPPUNIT_ASSERT_EQUAL(key, denied.header("Idempotency-Key"));
        const RunResult allowed = harness.run("/v1/work", "{}", keyed(key));
        CPPUNIT_ASSERT_EQUAL(200, allowed.status);
        CPPUNIT_ASSERT(!allowed.headers.has("Idempotent-Replayed"));
        CPPUNIT_ASSERT_EQUAL(1, harness.executions());
    }

    void testStreamIsRecordedAndReplayedIdentically()
    {
        Harness harness;
        const std::string key = uniqueKey();
        const RunResult first = harness.run("/v1/stream", "{\"stream\":true}", keyed(key, {{"X-Events", "5"}}));
        CPPUNIT_ASSERT(first.streamed);
        CPPUNIT_ASSERT_EQUAL(std::string("4194304"), first.header("Idempotency-Stream-Limit"));
        CPPUNIT_ASSERT(contains(first.body, "event: tick\ndata: {\"n\":1,\"i\":4"));
        const RunResult replay = harness.run("/v1/stream", "{\"stream\":true}", keyed(key, {{"X-Events", "5"}}));
        CPPUNIT_ASSERT(!replay.streamed);
        CPPUNIT_ASSERT_EQUAL(first.body, replay.body);
        CPPUNIT_ASSERT_EQUAL(std::string("text/event-stream"), replay.contentType);
        CPPUNIT_ASSERT_EQUAL(std::string("true"), replay.header("Idempotent-Replayed"));
        CPPUNIT_ASSERT_EQUAL(1, harness.executions());
    }

    void testStreamOverTheCapIsNotStored()
    {
        Harness harness(Settings{{"max_stream_bytes", "1000"}});
        const std::string key = uniqueKey();
        const auto headers = keyed(key, {{"X-Events", "20"}, {"X-Event-Bytes", "100"}});
        const RunResult first = harness.run("/v1/stream", "{}", headers);
        CPPUNIT_ASSERT(first.body.size() > 1000);
        CPPUNIT_ASSERT_EQUAL(std::string("1000"), first.header("Idempotency-Stream-Limit"));
        const RunResult retry = harness.run("/v1/stream", "{}", headers);
        CPPUNIT_ASSERT(!retry.headers.has("Idempotent-Replayed"));
        CPPUNIT_ASSERT_EQUAL(2, harness.executions());
        CPPUNIT_ASSERT_EQUAL(2.0, harness.counter("portico_idempotency_not_stored_total", "stream_too_large"));
        // A stream under the cap on the same plugin is stored.
        const auto small = keyed(uniqueKey(), {{"X-Events", "2"}, {"X-Event-Bytes", "10"}});
        harness.run("/v1/stream", "{}", small);
        CPPUNIT_ASSERT_EQUAL(std::string("true"), harness.run("/v1/stream", "{}", small).header("Idempotent-Replayed"));
    }

    void testStreamCutByTheClientIsNotStored()
    {
        Harness harness;
        const std::string key = uniqueKey();
        const RunResult cut = harness.run("/v1/stream", "{}", keyed(key, {{"X-Events", "5"}}), 2);
        CPPUNIT_ASSERT(cut.outcome == Outcome::ClientGone);
        const RunResult retry = harness.run("/v1/stream", "{}", keyed(key, {{"X-Events", "5"}}));
        CPPUNIT_ASSERT(retry.streamed); // ran again, not a replay
        CPPUNIT_ASSERT_EQUAL(2, harness.executions());
        CPPUNIT_ASSERT_EQUAL(1.0, harness.counter("portico_idempotency_not_stored_total", "failed"));
    }

    void testBufferedAnswerIsStoredEvenWhenTheClientLeft()
    {
        Harness harness;
        const std::string key = uniqueKey();
        const RunResult lost = harness.run("/v1/work", "{}", keyed(key), -1, true);
        CPPUNIT_ASSERT(lost.outcome == Outcome::ClientGone);
        const RunResult retry = harness.run("/v1/work", "{}", keyed(key));
        CPPUNIT_ASSERT_EQUAL(std::string("true"), retry.header("Idempotent-Replayed"));
        CPPUNIT_ASSERT(contains(retry.body, "\"n\":1"));
        CPPUNIT_ASSERT_EQUAL(1, harness.executions());
    }

    void testMalformedKeysAre400()
    {
        Harness harness;
        const RunResult tooLong = harness.run("/v1/work", "{}", keyed(std::string(256, 'k')));
        CPPUNIT_ASSERT_EQUAL(400, tooLong.status);
        CPPUNIT_ASSERT(contains(tooLong.body, "\"code\":\"invalid_idempotency_key\""));
        CPPUNIT_ASSERT(contains(tooLong.body, "\"param\":\"Idempotency-Key\""));
        CPPUNIT_ASSERT(contains(tooLong.body, "256 characters long; the limit is 255"));
        CPPUNIT_ASSERT(!tooLong.headers.has("Idempotency-Key"));
        const RunResult control = harness.run("/v1/work", "{}", keyed("a\x01z"));
        CPPUNIT_ASSERT_EQUAL(400, control.status);
        CPPUNIT_ASSERT(contains(control.body, "0x01 at position 1"));
        CPPUNIT_ASSERT_EQUAL(400, harness.run("/v1/work", "{}", keyed("\"open")).status);
        CPPUNIT_ASSERT_EQUAL(400, harness.run("/v1/work", "{}", keyed("")).status);
        CPPUNIT_ASSERT_EQUAL(0, harness.executions());
        CPPUNIT_ASSERT_EQUAL(4.0, harness.counter("portico_idempotency_invalid_keys_total"));
    }

    void testRepeatedHeaderIs400()
    {
        Harness harness;
        portico::HeaderList headers;
        headers.add("Idempotency-Key", "one");
        headers.add("idempotency-key", "two");
        Exchange exchange("POST", "/v1/work", std::move(headers), "{}", "127.0.0.1:1");
        // Through the plugin's hooks directly: the harness's map of headers cannot repeat one.
        portico::ExchangeControl::setRoute(exchange, "/v1/work");
        harness.plugin().onRequest(exchange);
        CPPUNIT_ASSERT_EQUAL(400, exchange.response().status);
        CPPUNIT_ASSERT(contains(exchange.response().body, "send it once, not 2 times"));
        harness.plugin().onComplete(exchange, Outcome::Completed);
    }

    void testRequireKey()
    {
        Harness harness(Settings{{"require_key", "true"}});
        const RunResult missing = harness.run("/v1/work", "{}");
        CPPUNIT_ASSERT_EQUAL(400, missing.status);
        CPPUNIT_ASSERT(contains(missing.body, "\"code\":\"idempotency_key_required\""));
        CPPUNIT_ASSERT(contains(missing.body, "required for POST /v1/work"));
        CPPUNIT_ASSERT_EQUAL(200, harness.run("/v1/uncovered", "{}").status); // not a listed route
        CPPUNIT_ASSERT_EQUAL(200, harness.run("/v1/work", "{}", keyed(uniqueKey())).status);
        CPPUNIT_ASSERT_EQUAL(2, harness.executions());
    }

    void testUncoveredRoutesAreUntouched()
    {
        Harness harness;
        const std::string key = uniqueKey();
        const RunResult first = harness.run("/v1/uncovered", "{}", keyed(key));
        const RunResult second = harness.run("/v1/uncovered", "{}", keyed(key));
        CPPUNIT_ASSERT(!first.headers.has("Idempotency-Key"));
        CPPUNIT_ASSERT(!second.headers.has("Idempotent-Replayed"));
        // No route: the core's 404, the plugin does not look at the key.
        CPPUNIT_ASSERT_EQUAL(404, harness.run("/v1/nowhere", "{}", keyed("\"bad")).status);
        CPPUNIT_ASSERT_EQUAL(2, harness.executions());
    }

    void testNoKeyRunsEveryTime()
    {
        Harness harness;
        const RunResult first = harness.run("/v1/work", "{}");
        const RunResult second = harness.run("/v1/work", "{}");
        CPPUNIT_ASSERT(first.body != second.body);
        CPPUNIT_ASSERT(!first.headers.has("Idempotency-Key"));
        CPPUNIT_ASSERT_EQUAL(2, harness.executions());
    }

    void testReloadKeepsTheMemoryStore()
    {
        const std::string key = uniqueKey();
        std::string body;
        {
            Harness before;
            body = before.run("/v1/work", "{}", keyed(key)).body;
        }
        Harness after(Settings{{"max_entries", "5000"}}); // a reload: a new plugin object, other bounds
        const RunResult replay = after.run("/v1/work", "{}", keyed(key));
        CPPUNIT_ASSERT_EQUAL(body, replay.body);
        CPPUNIT_ASSERT_EQUAL(std::string("true"), replay.header("Idempotent-Replayed"));
        CPPUNIT_ASSERT_EQUAL(0, after.executions());
    }

    void testSqliteStoreThroughThePlugin()
    {
        portico::test::TempDir dir;
        const Settings config{{"store", "sqlite"}, {"sqlite_path", dir.file("p.db")}};
        const std::string key = uniqueKey();
        std::string body;
        {
            Harness first(config);
            body = first.run("/v1/stream", "{}", keyed(key, {{"X-Events", "4"}})).body;
            CPPUNIT_ASSERT_EQUAL(std::string("sqlite"), first.plugin().store().kind());
        }
        Harness second(config);
        const RunResult replay = second.run("/v1/stream", "{}", keyed(key, {{"X-Events", "4"}}));
        CPPUNIT_ASSERT_EQUAL(body, replay.body);
        CPPUNIT_ASSERT_EQUAL(std::string("text/event-stream"), replay.contentType);
        CPPUNIT_ASSERT_EQUAL(0, second.executions());
    }

    void testMetricsCount()
    {
        Harness harness;
        const std::string key = uniqueKey();
        harness.run("/v1/work", "{}", keyed(key));                          // miss
        harness.run("/v1/work", "{}", keyed(key));                          // hit
        harness.run("/v1/work", "{}", keyed(key));                          // hit
        harness.run("/v1/work", "{\"other\":1}", keyed(key));               // conflict
        harness.run("/v1/nested", "{}", keyed(key + "n", {{"X-Nested-Key", key + "n"}})); // miss + 409
        harness.run("/v1/work", "{}", keyed("\"bad"));                      // invalid
        CPPUNIT_ASSERT_EQUAL(2.0, harness.counter("portico_idempotency_misses_total"));
        CPPUNIT_ASSERT_EQUAL(2.0, harness.counter("portico_idempotency_hits_total"));
        CPPUNIT_ASSERT_EQUAL(1.0, harness.counter("portico_idempotency_conflicts_total"));
        CPPUNIT_ASSERT_EQUAL(1.0, harness.counter("portico_idempotency_in_flight_rejections_total"));
        CPPUNIT_ASSERT_EQUAL(1.0, harness.counter("portico_idempotency_invalid_keys_total"));
        CPPUNIT_ASSERT_EQUAL(0.0, harness.counter("portico_idempotency_store_errors_total"));
    }

    void testConcurrentRequestsWithOneKeyExecuteOnce()
    {
        Harness harness;
        const std::string key = uniqueKey();
        constexpr int Threads = 16;
        std::vector<RunResult> results(Threads);
        std::atomic<int> ready{0};
        std::vector<std::thread> threads;
        for (int i = 0; i < Threads; ++i)
            threads.emplace_back([&, i] {
                ++ready;
                while (ready.load() < Threads)
                    std::this_thread::yield();
                results[i] = harness.run("/v1/work", "{}", keyed(key, {{"X-Sleep-Ms", "300"}}));
            });
        for (auto& thread : threads)
            thread.join();
        CPPUNIT_ASSERT_EQUAL(1, harness.executions());
        int originals = 0;
        for (const auto& result : results)
        {
            CPPUNIT_ASSERT(result.status == 409 || result.status == 200);
            if (result.status == 200 && !result.headers.has("Idempotent-Replayed"))
                ++originals;
        }
        CPPUNIT_ASSERT_EQUAL(1, originals);
    }

    void testConcurrentStreamsWithManyKeys()
    {
        Harness harness;
        const std::string prefix = uniqueKey("streams");
        constexpr int Threads = 8;
        constexpr int PerThread = 20;
        std::atomic<int> mismatches{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < Threads; ++t)
            threads.emplace_back([&, t] {
                for (int i = 0; i < PerThread; ++i)
                {
                    const auto headers = keyed(prefix + std::to_string(t) + "-" + std::to_string(i), {{"X-Events", "4"}});
                    const RunResult first = harness.run("/v1/stream", "{}", headers);
                    const RunResult replay = harness.run("/v1/stream", "{}", headers);
                    if (first.body != replay.body || replay.header("Idempotent-Replayed") != "true")
                        ++mismatches;
                }
            });
        for (auto& thread : threads)
            thread.join();
        CPPUNIT_ASSERT_EQUAL(0, mismatches.load());
        CPPUNIT_ASSERT_EQUAL(Threads * PerThread, harness.executions());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(IdempotencyPluginTest);

} // namespace portico::idempotency::test
