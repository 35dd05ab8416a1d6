// ratelimit.store = redis in the installed porticod, with a redis-server of the test's own:
// two porticod sharing one Redis admit exactly one burst between them; Redis stopped mid-test
// (fail_open keeps serving and counts, fail_closed answers 503, /readyz says 503) and started
// again (used again without restarting porticod, /readyz 200); a hung Redis (SIGSTOP) costs a
// request at most about command_timeout_ms; [redis] mistakes are config errors naming the key.

#include "IntegrationHelpers.h"
#include "MetricsTesting.h"
#include "PorticodProcess.h"
#include "RedisServer.h"
#include "TestAsserts.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include <cppunit/extensions/HelperMacros.h>
#include <chrono>
#include <set>
#include <thread>

using portico::ratelimit::test::isTraceId;
using portico::ratelimit::test::simultaneously;
using portico::test::HttpResult;
using portico::test::httpRequest;
using portico::test::PorticodProcess;
using portico::test::RedisServer;
namespace metrics = portico::metrics::test;
using Clock = std::chrono::steady_clock;

namespace {

std::string config(const RedisServer& redis, const std::string& ratelimitKeys)
{
    return "[server]\nlisten = 127.0.0.1:{port}\nthreads = 96\n"
           "[plugins]\npath = {plugins}\norder = tracing, security, metrics, test_principal, ratelimit, probe_b\n"
           "[probe_b]\nroutes = true\n"
           "[ratelimit]\nstore = redis\nrequests_per_second = 0.001\n" +
           ratelimitKeys +
           "[redis]\nurl = " + redis.url() + "\nconnect_timeout_ms = 200\ncommand_timeout_ms = 200\npool_size = 8\n";
}

HttpResult asPrincipal(unsigned short port, const std::string& principal, const std::string& path = "/probe_b/slow?ms=1")
{
    return httpRequest(port, "GET", path, "", {{"X-Test-Principal", principal}}, 20);
}

/// Polls /readyz until it answers `status` (true) or `seconds` pass (false).
bool readyzBecomes(unsigned short port, int status, int seconds = 10)
{
    const auto deadline = Clock::now() + std::chrono::seconds(seconds);
    while (Clock::now() < deadline)
    {
        if (httpRequest(port, "GET", "/readyz").status == status)
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

double redisFailures(unsigned short port)
{
    return metrics::sampleValue(httpRequest(port, "GET", "/metrics").body,
                                "portico_redis_failures_total{plugin=\"ratelimit\"}");
}

std::size_t occurrences(const std::string& text, const std::string& part)
{
    std::size_t count = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size()))
        ++count;
    return count;
}

double millisSince(Clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

} // namespace

class RateLimitRedisIntegrationTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(RateLimitRedisIntegrationTest);
    CPPUNIT_TEST(testTwoInstancesShareOneBurst);
    CPPUNIT_TEST(testFailOpenServesCountsAndRecovers);
    CPPUNIT_TEST(testFailClosedAnswers503AndRecovers);
    CPPUNIT_TEST(testHungRedisCostsAtMostTheCommandTimeout);
    CPPUNIT_TEST(testRedisConfigErrorsNameTheKey);
    CPPUNIT_TEST(testOpenApiDocumentsThe503OfFailClosed);
    CPPUNIT_TEST_SUITE_END();

public:
    void testTwoInstancesShareOneBurst()
    {
        RedisServer redis;
        PorticodProcess a(config(redis, "burst = 40\n"));
        PorticodProcess b(config(redis, "burst = 40\n"));
        const std::string principal = "fleet-client";
        // /probe_b/slow holds each admitted request 100 ms, so all 60 are in flight together.
        const auto results = simultaneously(60, [&](int i) {
            return asPrincipal(i % 2 ? a.port() : b.port(), principal, "/probe_b/slow?ms=100");
        });
        int passed = 0;
        int refused = 0;
        int passedOnA = 0;
        std::set<std::string> remaining;
        for (std::size_t i = 0; i < results.size(); ++i)
        {
            const HttpResult& result = results[i];
            CPPUNIT_ASSERT_MESSAGE("status " + std::to_string(result.status), result.status == 200 || result.status == 429);
            CPPUNIT_ASSERT_EQUAL(std::string("40"), result.header("x-ratelimit-limit-requests"));
            CPPUNIT_ASSERT(isTraceId(result.header("X-Trace-Id")));
            if (result.status == 200)
            {
                ++passed;
                passedOnA += i % 2 ? 1 : 0;
                remaining.insert(result.header("x-ratelimit-remaining-requests"));
            }
            else
            {
                ++refused;
                CPPUNIT_ASSERT(!result.header("Retry-After").empty());
            }
        }
        CPPUNIT_ASSERT_EQUAL(40, passed);
        CPPUNIT_ASSERT_EQUAL(20, refused);
        // Both instances served some, and together they counted 39 down to 0 exactly once.
        CPPUNIT_ASSERT(passedOnA > 0 && passedOnA < 40);
        CPPUNIT_ASSERT_EQUAL(std::size_t(40), remaining.size());
        // The one bucket is in Redis with an expiry.
        const std::string key = "portico:ratelimit:req\n/probe_b/slow\n" + principal;
        CPPUNIT_ASSERT(std::stoll(redis.command({"PTTL", key})) > 0);
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(a.port(), "GET", "/readyz").status);
    }

    void testFailOpenServesCountsAndRecovers()
    {
        RedisServer redis;
        PorticodProcess porticod(config(redis, "burst = 2\nredis_failure = fail_open\n"));
        CPPUNIT_ASSERT_EQUAL(200, asPrincipal(porticod.port(), "p").status);
        CPPUNIT_ASSERT_EQUAL(200, asPrincipal(porticod.port(), "p").status);
        CPPUNIT_ASSERT_EQUAL(429, asPrincipal(porticod.port(), "p").status);

        redis.stop();
        for (int i = 0; i < 30; ++i)
        {
            const HttpResult result = asPrincipal(porticod.port(), "p");
            CPPUNIT_ASSERT_EQUAL(200, result.status); // served without the limit
            CPPUNIT_ASSERT(!result.has("x-ratelimit-remaining-requests"));
        }
        CPPUNIT_ASSERT(redisFailures(porticod.port()) >= 30);
        const HttpResult ready = httpRequest(porticod.port(), "GET", "/readyz");
        CPPUNIT_ASSERT_EQUAL(503, ready.status);
        PORTICO_ASSERT_CONTAINS(ready.body, "ratelimit: ");
        PORTICO_ASSERT_CONTAINS(ready.body, "127.0.0.1:" + std::to_string(redis.port()));
        // Logged once for the outage, not once per request.
        CPPUNIT_ASSERT(porticod.waitForOutput("fail_open: requests pass without rate limits", 5));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), occurrences(porticod.output(), "fail_open: requests pass"));

        redis.start(); // empty: no persistence
        CPPUNIT_ASSERT(readyzBecomes(porticod.port(), 200));
        CPPUNIT_ASSERT(porticod.waitForOutput("is reachable again", 5));
        CPPUNIT_ASSERT_EQUAL(200, asPrincipal(porticod.port(), "p").status);
        CPPUNIT_ASSERT_EQUAL(200, asPrincipal(porticod.port(), "p").status);
        const HttpResult limited = asPrincipal(porticod.port(), "p");
        CPPUNIT_ASSERT_EQUAL(429, limited.status);
        CPPUNIT_ASSERT_EQUAL(std::string("0"), limited.header("x-ratelimit-remaining-requests"));
    }

    void testFailClosedAnswers503AndRecovers()
    {
        RedisServer redis;
        PorticodProcess porticod(config(redis, "burst = 5\nredis_failure = fail_closed\n"));
        CPPUNIT_ASSERT_EQUAL(200, asPrincipal(porticod.port(), "q").status);
        redis.stop();
        for (int i = 0; i < 5; ++i)
        {
            const HttpResult result = asPrincipal(porticod.port(), "q");
            CPPUNIT_ASSERT_EQUAL(503, result.status);
            CPPUNIT_ASSERT_EQUAL(std::string("1"), result.header("Retry-After"));
            CPPUNIT_ASSERT(isTraceId(result.header("X-Trace-Id")));
            CPPUNIT_ASSERT(result.has("X-Content-Type-Options"));
            PORTICO_ASSERT_CONTAINS(result.header("Content-Type"), "application/json");
            Poco::JSON::Parser parser;
            const auto error = parser.parse(result.body).extract<Poco::JSON::Object::Ptr>()->getObject("error");
            CPPUNIT_ASSERT_EQUAL(std::string("service_unavailable"), error->getValue<std::string>("code"));
            CPPUNIT_ASSERT_EQUAL(std::string("server_error"), error->getValue<std::string>("type"));
            CPPUNIT_ASSERT(error->has("param") && error->isNull("param"));
        }
        CPPUNIT_ASSERT_EQUAL(503, httpRequest(porticod.port(), "GET", "/readyz").status);
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(porticod.port(), "GET", "/healthz").status); // alive, not ready
        CPPUNIT_ASSERT(redisFailures(porticod.port()) >= 5);

        redis.start();
        CPPUNIT_ASSERT(readyzBecomes(porticod.port(), 200));
        const HttpResult back = asPrincipal(porticod.port(), "q");
        CPPUNIT_ASSERT_EQUAL(200, back.status);
        CPPUNIT_ASSERT_EQUAL(std::string("4"), back.header("x-ratelimit-remaining-requests"));
    }

    void testHungRedisCostsAtMostTheCommandTimeout()
    {
        RedisServer redis;
        PorticodProcess porticod(config(redis, "burst = 100\nredis_failure = fail_open\n"));
        CPPUNIT_ASSERT_EQUAL(200, asPrincipal(porticod.port(), "h").status);
        redis.pause(); // accepts connections, answers nothing
        double slowest = 0;
        const auto start = Clock::now();
        for (int i = 0; i < 20; ++i)
        {
            const auto sent = Clock::now();
            CPPUNIT_ASSERT_EQUAL(200, asPrincipal(porticod.port(), "h").status);
            slowest = std::max(slowest, millisSince(sent));
        }
        // command_timeout_ms = 200: no request waits much longer (one probe per 250 ms pays it).
        CPPUNIT_ASSERT_MESSAGE(std::to_string(slowest) + " ms", slowest < 1500);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(millisSince(start)) + " ms for 20", millisSince(start) < 8000);
        CPPUNIT_ASSERT_EQUAL(503, httpRequest(porticod.port(), "GET", "/readyz").status);
        redis.resume();
        CPPUNIT_ASSERT(readyzBecomes(porticod.port(), 200));
        // (Not "h" again: a decision that timed out was still queued in the hung server, and
        // runs when it resumes; a new principal's bucket shows the store working.)
        CPPUNIT_ASSERT_EQUAL(std::string("99"),
                             asPrincipal(porticod.port(), "h2").header("x-ratelimit-remaining-requests"));
    }

    void testRedisConfigErrorsNameTheKey()
    {
        portico::test::TempDir dir;
        const std::string typo = dir.write("typo.ini", "[server]\nlisten = 127.0.0.1:1\n[plugins]\norder = ratelimit\n"
                                                       "[ratelimit]\nstore = redis\n[redis]\nurl = redis://127.0.0.1:1\n"
                                                       "comand_timeout_ms = 5\n");
        auto result = portico::test::runPorticod({"--check-config", "--config=" + typo});
        CPPUNIT_ASSERT(result.exitCode != 0);
        PORTICO_ASSERT_CONTAINS(result.output, "[redis] comand_timeout_ms: unknown key");
        PORTICO_ASSERT_CONTAINS(result.output, "typo.ini");

        // Checked even while no plugin uses Redis.
        const std::string unused = dir.write("unused.ini", "[server]\nlisten = 127.0.0.1:1\n[plugins]\norder = \n"
                                                           "[redis]\nurl = http://cache:6379\n");
        result = portico::test::runPorticod({"--check-config", "--config=" + unused});
        CPPUNIT_ASSERT(result.exitCode != 0);
        PORTICO_ASSERT_CONTAINS(result.output, "[redis] url: expected redis://HOST[:PORT][/DB]");

        const std::string policy = dir.write("policy.ini", "[server]\nlisten = 127.0.0.1:1\n[plugins]\norder = ratelimit\n"
                                                           "[ratelimit]\nstore = redis\nredis_failure = sometimes\n");
        result = portico::test::runPorticod({"--check-config", "--config=" + policy});
        CPPUNIT_ASSERT(result.exitCode != 0);
        PORTICO_ASSERT_CONTAINS(result.output, "[ratelimit] redis_failure: expected fail_open or fail_closed");

        // A valid config passes the check without Redis running (it is not contacted).
        const std::string valid = dir.write("valid.ini", "[server]\nlisten = 127.0.0.1:1\n[plugins]\norder = ratelimit\n"
                                                         "[ratelimit]\nstore = redis\n[redis]\nurl = redis://127.0.0.1:1/3\n");
        result = portico::test::runPorticod({"--check-config", "--config=" + valid});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(result.output, 0, result.exitCode);
    }

    void testOpenApiDocumentsThe503OfFailClosed()
    {
        portico::test::TempDir dir;
        const std::string base = "[server]\nlisten = 127.0.0.1:1\n[plugins]\norder = ratelimit, idempotency, probe_b\n"
                                 "path = " + portico::test::mixedPluginDir(dir) + "\n[probe_b]\nroutes = true\n"
                                 "[idempotency]\nroutes = GET /probe_b/slow\n";
        const std::string closed = dir.write("closed.ini", base + "store = redis\n[ratelimit]\nstore = redis\n"
                                                                  "redis_failure = fail_closed\n");
        auto result = portico::test::runPorticod({"--openapi", "--config=" + closed});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(result.output, 0, result.exitCode);
        PORTICO_ASSERT_CONTAINS(result.output, "The shared rate-limit store (Redis) cannot be reached");
        const std::string open = dir.write("open.ini", base + "store = redis\nredis_failure = fail_closed\n"
                                                              "[ratelimit]\nstore = redis\n");
        result = portico::test::runPorticod({"--openapi", "--config=" + open});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(result.output, 0, result.exitCode);
        PORTICO_ASSERT_NOT_CONTAINS(result.output, "The shared rate-limit store (Redis)"); // fail_open: no 503
        PORTICO_ASSERT_CONTAINS(result.output, "The shared idempotency store (Redis) cannot be reached");
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RateLimitRedisIntegrationTest);
