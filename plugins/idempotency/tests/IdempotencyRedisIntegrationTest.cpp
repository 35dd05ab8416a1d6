// idempotency.store = redis in the installed porticod, with a redis-server of the test's own:
// an answer given by instance A is replayed by instance B (no second execution anywhere), a
// key running on A is 409 on B and another body is 422 on B, and Redis stopped mid-test:
// fail_closed answers 503 (requests without a key are unaffected), fail_open runs requests
// untracked and counts, /readyz says 503 naming the plugin, and Redis started again is used
// without restarting porticod (/readyz 200, replays again).

#include "HttpClient.h"
#include "IntegrationSupport.h"
#include "PorticodProcess.h"
#include "RedisServer.h"
#include "TestAsserts.h"
#include <cppunit/extensions/HelperMacros.h>
#include <chrono>
#include <thread>

namespace portico::idempotency::test {

using portico::test::HttpResult;
using portico::test::httpRequest;
using portico::test::PorticodProcess;
using portico::test::RedisServer;

namespace {

std::string redisConfig(const RedisServer& redis, const std::string& idempotencyKeys = "")
{
    return porticoConfig("store = redis\n" + idempotencyKeys + "[redis]\nurl = " + redis.url() +
                             "\nconnect_timeout_ms = 200\ncommand_timeout_ms = 200\n",
                         "tracing, metrics, idempotency_probe, idempotency");
}

bool readyzBecomes(unsigned short port, int status, int seconds = 10)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < deadline)
    {
        if (httpRequest(port, "GET", "/readyz").status == status)
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

std::string failuresSeries(unsigned short port)
{
    const std::string body = httpRequest(port, "GET", "/metrics").body;
    const std::string series = "portico_redis_failures_total{plugin=\"idempotency\"} ";
    const auto at = body.find(series);
    return at == std::string::npos ? "" : body.substr(at + series.size(), body.find('\n', at) - at - series.size());
}

std::size_t occurrences(const std::string& text, const std::string& part)
{
    std::size_t count = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size()))
        ++count;
    return count;
}

} // namespace

class IdempotencyRedisIntegrationTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(IdempotencyRedisIntegrationTest);
    CPPUNIT_TEST(testAnswerFromAIsReplayedByB);
    CPPUNIT_TEST(testKeyRunningOnAIsInUseOnB);
    CPPUNIT_TEST(testFailClosedAnswers503AndRecovers);
    CPPUNIT_TEST(testFailOpenRunsUntrackedAndCounts);
    CPPUNIT_TEST_SUITE_END();

public:
    void testAnswerFromAIsReplayedByB()
    {
        RedisServer redis;
        PorticodProcess a(redisConfig(redis));
        PorticodProcess b(redisConfig(redis));
        const std::string key = freshKey("fleet");
        const HttpResult first = postWithKey(a.port(), "/probe/work", "{\"input\":\"hello\"}", key);
        CPPUNIT_ASSERT_EQUAL(200, first.status);
        const HttpResult replay = postWithKey(b.port(), "/probe/work", "{\"input\":\"hello\"}", key);
        CPPUNIT_ASSERT_EQUAL(200, replay.status);
        CPPUNIT_ASSERT_EQUAL(std::string("true"), replay.header("Idempotent-Replayed"));
        CPPUNIT_ASSERT_EQUAL(first.body, replay.body); // byte for byte, nonce included
        CPPUNIT_ASSERT_EQUAL(first.header("Content-Type"), replay.header("Content-Type"));
        CPPUNIT_ASSERT_EQUAL(key, replay.header("Idempotency-Key"));
        // One execution in the whole fleet: A ran it, B never did.
        CPPUNIT_ASSERT_EQUAL(1, executions(a.port()));
        CPPUNIT_ASSERT_EQUAL(0, executions(b.port()));
        // And back the other way.
        CPPUNIT_ASSERT_EQUAL(first.body, postWithKey(a.port(), "/probe/work", "{\"input\":\"hello\"}", key).body);
        const HttpResult changed = postWithKey(b.port(), "/probe/work", "{\"input\":\"other\"}", key);
        CPPUNIT_ASSERT_EQUAL(422, changed.status);
        PORTICO_ASSERT_CONTAINS(changed.body, "idempotency_key_reused");
        CPPUNIT_ASSERT_EQUAL(1, executions(a.port()));
        CPPUNIT_ASSERT_EQUAL(0, executions(b.port()));
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(b.port(), "GET", "/readyz").status);
    }

    void testKeyRunningOnAIsInUseOnB()
    {
        RedisServer redis;
        PorticodProcess a(redisConfig(redis));
        PorticodProcess b(redisConfig(redis));
        const std::string key = freshKey("inflight");
        HttpResult slow;
        std::thread running([&] { slow = postWithKey(a.port(), "/probe/work?ms=1500", "{\"n\":1}", key); });
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        const HttpResult busy = postWithKey(b.port(), "/probe/work", "{\"n\":1}", key);
        running.join();
        CPPUNIT_ASSERT_EQUAL(409, busy.status);
        CPPUNIT_ASSERT_EQUAL(std::string("1"), busy.header("Retry-After"));
        PORTICO_ASSERT_CONTAINS(busy.body, "idempotency_key_in_use");
        CPPUNIT_ASSERT_EQUAL(200, slow.status);
        CPPUNIT_ASSERT_EQUAL(slow.body, postWithKey(b.port(), "/probe/work", "{\"n\":1}", key).body);
        CPPUNIT_ASSERT_EQUAL(0, executions(b.port()));
    }

    void testFailClosedAnswers503AndRecovers()
    {
        RedisServer redis;
        PorticodProcess porticod(redisConfig(redis, "redis_failure = fail_closed\n"));
        const std::string before = freshKey("before");
        CPPUNIT_ASSERT_EQUAL(200, postWithKey(porticod.port(), "/probe/work", "{}", before).status);

        redis.stop();
        const HttpResult refused = postWithKey(porticod.port(), "/probe/work", "{}", freshKey("closed"));
        CPPUNIT_ASSERT_EQUAL(503, refused.status);
        PORTICO_ASSERT_CONTAINS(refused.header("Content-Type"), "application/json");
        PORTICO_ASSERT_CONTAINS(refused.body, "\"code\":\"service_unavailable\"");
        PORTICO_ASSERT_CONTAINS(refused.body, "\"type\":\"server_error\"");
        PORTICO_ASSERT_CONTAINS(refused.body, "\"param\":\"Idempotency-Key\"");
        CPPUNIT_ASSERT_EQUAL(std::size_t(32), refused.header("X-Trace-Id").size());
        CPPUNIT_ASSERT_EQUAL(1, executions(porticod.port())); // the request was not run
        // Without a key the store is not needed: served as usual.
        const HttpResult plain = httpRequest(porticod.port(), "POST", "/probe/work", "{}",
                                             {{"Content-Type", "application/json"}});
        CPPUNIT_ASSERT_EQUAL(200, plain.status);
        const HttpResult ready = httpRequest(porticod.port(), "GET", "/readyz");
        CPPUNIT_ASSERT_EQUAL(503, ready.status);
        PORTICO_ASSERT_CONTAINS(ready.body, "idempotency: ");
        CPPUNIT_ASSERT(failuresSeries(porticod.port()) != "" && failuresSeries(porticod.port()) != "0");

        redis.start(); // empty: the stored answer is gone with the old server
        CPPUNIT_ASSERT(readyzBecomes(porticod.port(), 200));
        const std::string after = freshKey("after");
        const HttpResult first = postWithKey(porticod.port(), "/probe/work", "{}", after);
        CPPUNIT_ASSERT_EQUAL(200, first.status);
        const HttpResult replay = postWithKey(porticod.port(), "/probe/work", "{}", after);
        CPPUNIT_ASSERT_EQUAL(std::string("true"), replay.header("Idempotent-Replayed"));
        CPPUNIT_ASSERT_EQUAL(first.body, replay.body);
    }

    void testFailOpenRunsUntrackedAndCounts()
    {
        RedisServer redis;
        PorticodProcess porticod(redisConfig(redis, "redis_failure = fail_open\n"));
        redis.stop();
        const std::string key = freshKey("open");
        for (int i = 0; i < 5; ++i)
        {
            const HttpResult result = postWithKey(porticod.port(), "/probe/work", "{}", key);
            CPPUNIT_ASSERT_EQUAL(200, result.status);
            CPPUNIT_ASSERT(!result.has("Idempotent-Replayed"));
        }
        CPPUNIT_ASSERT_EQUAL(5, executions(porticod.port())); // no store: every one ran
        CPPUNIT_ASSERT_EQUAL(std::string("5"), failuresSeries(porticod.port()));
        CPPUNIT_ASSERT_EQUAL(503, httpRequest(porticod.port(), "GET", "/readyz").status);
        CPPUNIT_ASSERT(porticod.waitForOutput("fail_open: requests run without idempotency", 5));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), occurrences(porticod.output(), "fail_open: requests run without"));

        redis.start();
        CPPUNIT_ASSERT(readyzBecomes(porticod.port(), 200));
        CPPUNIT_ASSERT_EQUAL(200, postWithKey(porticod.port(), "/probe/work", "{}", key).status);
        CPPUNIT_ASSERT_EQUAL(std::string("true"),
                             postWithKey(porticod.port(), "/probe/work", "{}", key).header("Idempotent-Replayed"));
        CPPUNIT_ASSERT_EQUAL(6, executions(porticod.port()));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(IdempotencyRedisIntegrationTest);

} // namespace portico::idempotency::test
