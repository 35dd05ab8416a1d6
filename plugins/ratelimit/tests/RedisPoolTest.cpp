// The core's Redis pool (portico/RedisPool.h) against a real redis-server: [redis] parsing and
// its errors, AUTH and SELECT, connection reuse, bounded timeouts on a dead or hung server,
// failing fast during an outage, reconnecting by itself, readiness without traffic, scripts
// after SCRIPT FLUSH, the process-wide registry, and the failure reporter.

#include "RedisServer.h"
#include "TestAsserts.h"
#include "TestPluginContext.h"
#include "portico/RedisPool.h"
#include "Poco/Channel.h"
#include "Poco/Logger.h"
#include "Poco/Message.h"
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <atomic>
#include <chrono>
#include <mutex>
#include <sstream>
#include <thread>

using namespace portico;
using portico::test::RedisServer;
using portico::test::TestPluginContext;
using Clock = std::chrono::steady_clock;

namespace {

RedisSettings settingsFrom(const std::string& ini)
{
    TestPluginContext context("[redis]\n" + ini, "redis");
    return RedisSettings::from(context.config());
}

std::string settingsError(const std::string& ini)
{
    return portico::test::messageOf([&] { settingsFrom(ini); });
}

std::shared_ptr<RedisPool> poolFor(const RedisServer& server, const std::string& extra = "")
{
    return std::make_shared<RedisPool>(settingsFrom("url = " + server.url() + "\n" + extra));
}

std::string get(RedisPool& pool, const std::string& key)
{
    return replyText(pool.execute(Poco::Redis::Array() << "GET" << key)).value_or("(nil)");
}

double millisSince(Clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

/// Keeps every message logged to it.
class CapturingChannel : public Poco::Channel
{
public:
    void log(const Poco::Message& message) override
    {
        std::lock_guard<std::mutex> lock(mutex_);
        lines_.push_back(message.getText());
    }
    std::vector<std::string> lines() const
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return lines_;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::string> lines_;
};

} // namespace

class RedisPoolTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(RedisPoolTest);
    CPPUNIT_TEST(testSettingsDefaultsAndUrls);
    CPPUNIT_TEST(testSettingsErrorsNameTheKey);
    CPPUNIT_TEST(testCommandsRoundTripAndConnectionsAreReused);
    CPPUNIT_TEST(testPasswordAndDatabase);
    CPPUNIT_TEST(testWrongPasswordIsUnavailableWithTheReason);
    CPPUNIT_TEST(testDeadServerFailsFastAndReconnects);
    CPPUNIT_TEST(testHungServerIsBoundedByTheCommandTimeout);
    CPPUNIT_TEST(testReadinessNoticesAnOutageWithoutTraffic);
    CPPUNIT_TEST(testScriptsRunAfterScriptFlush);
    CPPUNIT_TEST(testRegistrySharesOnePoolPerSettings);
    CPPUNIT_TEST(testFailurePolicyKey);
    CPPUNIT_TEST(testReporterCountsEveryFailureAndLogsOncePerOutage);
    CPPUNIT_TEST_SUITE_END();

public:
    void testSettingsDefaultsAndUrls()
    {
        const RedisSettings defaults = settingsFrom("");
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"), defaults.host);
        CPPUNIT_ASSERT_EQUAL(6379, static_cast<int>(defaults.port));
        CPPUNIT_ASSERT_EQUAL(0, defaults.database);
        CPPUNIT_ASSERT_EQUAL(250LL, static_cast<long long>(defaults.connectTimeout.count()));
        CPPUNIT_ASSERT_EQUAL(250LL, static_cast<long long>(defaults.commandTimeout.count()));
        CPPUNIT_ASSERT_EQUAL(std::size_t(16), defaults.poolSize);
        CPPUNIT_ASSERT(defaults.password.empty());

        const RedisSettings full = settingsFrom("url = redis://cache.internal:6380/3\nconnect_timeout_ms = 50\n"
                                                "command_timeout_ms = 75\npool_size = 4\n");
        CPPUNIT_ASSERT_EQUAL(std::string("cache.internal"), full.host);
        CPPUNIT_ASSERT_EQUAL(6380, static_cast<int>(full.port));
        CPPUNIT_ASSERT_EQUAL(3, full.database);
        CPPUNIT_ASSERT_EQUAL(50LL, static_cast<long long>(full.connectTimeout.count()));
        CPPUNIT_ASSERT_EQUAL(75LL, static_cast<long long>(full.commandTimeout.count()));
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), full.poolSize);
        CPPUNIT_ASSERT_EQUAL(std::string("cache.internal:6380/3"), full.address());

        const RedisSettings v6 = settingsFrom("url = redis://[::1]:7000\n");
        CPPUNIT_ASSERT_EQUAL(std::string("::1"), v6.host);
        CPPUNIT_ASSERT_EQUAL(7000, static_cast<int>(v6.port));
        CPPUNIT_ASSERT_EQUAL(std::string("[::1]:7000/0"), v6.address());
        CPPUNIT_ASSERT_EQUAL(6379, static_cast<int>(settingsFrom("url = redis://somehost/2\n").port));

        portico::test::TempDir dir;
        const std::string file = dir.write("redis.password", "s3cret\n");
        CPPUNIT_ASSERT_EQUAL(std::string("s3cret"), settingsFrom("password_file = " + file + "\n").password);
        // The identity tells pools apart without holding the password.
        const std::string identity = settingsFrom("password_file = " + file + "\n").identity();
        PORTICO_ASSERT_NOT_CONTAINS(identity, "s3cret");
        CPPUNIT_ASSERT(identity != defaults.identity());
    }

    void testSettingsErrorsNameTheKey()
    {
        const std::string unknown = settingsError("url = redis://127.0.0.1:6379\ntimeout_ms = 5\n");
        PORTICO_ASSERT_CONTAINS(unknown, "test.ini: [redis] timeout_ms: unknown key");
        PORTICO_ASSERT_CONTAINS(settingsError("url = http://127.0.0.1:6379\n"), "[redis] url: expected redis://");
        PORTICO_ASSERT_CONTAINS(settingsError("url = redis://:pw@127.0.0.1:6379\n"), "password_file");
        PORTICO_ASSERT_CONTAINS(settingsError("url = rediss://127.0.0.1:6379\n"), "TLS");
        PORTICO_ASSERT_CONTAINS(settingsError("url = redis://127.0.0.1:6379/x\n"), "database must be a number");
        PORTICO_ASSERT_CONTAINS(settingsError("url = redis://127.0.0.1:99999\n"), "invalid port '99999'");
        PORTICO_ASSERT_CONTAINS(settingsError("url = redis://127.0.0.1:\n"), "invalid port ''");
        PORTICO_ASSERT_CONTAINS(settingsError("pool_size = 0\n"), "[redis] pool_size: must be between 1 and 1024");
        PORTICO_ASSERT_CONTAINS(settingsError("command_timeout_ms = soon\n"), "[redis] command_timeout_ms");
        PORTICO_ASSERT_CONTAINS(settingsError("password_file = /nonexistent/redis.pw\n"),
                                "[redis] password_file: cannot read /nonexistent/redis.pw");
        portico::test::TempDir dir;
        PORTICO_ASSERT_CONTAINS(settingsError("password_file = " + dir.write("empty", "\n") + "\n"), "is empty");
    }

    void testCommandsRoundTripAndConnectionsAreReused()
    {
        RedisServer server;
        const auto pool = poolFor(server, "pool_size = 3\n");
        std::string binary = "a\r\nb";
        binary += '\0';
        binary += "\xff end";
        pool->execute(Poco::Redis::Array() << "SET" << "k" << binary);
        CPPUNIT_ASSERT(binary == get(*pool, "k"));
        CPPUNIT_ASSERT(!replyText(pool->execute(Poco::Redis::Array() << "GET" << "absent")));

        std::atomic<int> done{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 8; ++t)
            threads.emplace_back([&, t] {
                for (int i = 0; i < 50; ++i)
                    pool->execute(Poco::Redis::Array() << "INCR" << "counter" + std::to_string(t % 2));
                ++done;
            });
        for (auto& thread : threads)
            thread.join();
        CPPUNIT_ASSERT_EQUAL(8, done.load());
        CPPUNIT_ASSERT_EQUAL(std::string("200"), get(*pool, "counter0"));
        CPPUNIT_ASSERT_EQUAL(std::string("200"), get(*pool, "counter1"));
        // 400 commands from 8 threads went over at most pool_size connections (+1: ours).
        const std::string clients = server.command({"INFO", "clients"});
        const auto at = clients.find("connected_clients:");
        CPPUNIT_ASSERT(at != std::string::npos);
        const int connected = std::stoi(clients.substr(at + std::string("connected_clients:").size()));
        CPPUNIT_ASSERT_MESSAGE(clients, connected >= 2 && connected <= 4);
    }

    void testPasswordAndDatabase()
    {
        RedisServer server({"--requirepass", "pa ss"});
        portico::test::TempDir dir;
        const std::string file = dir.write("pw", "pa ss\n");
        RedisPool pool(settingsFrom("url = " + server.url() + "/2\npassword_file = " + file + "\n"));
        pool.execute(Poco::Redis::Array() << "SET" << "in-db-2" << "yes");
        CPPUNIT_ASSERT_EQUAL(std::string("yes"), get(pool, "in-db-2"));
        PORTICO_ASSERT_CONTAINS(server.command({"INFO", "keyspace"}), "db2:keys=1");
        CPPUNIT_ASSERT_EQUAL(std::string("(nil)"), server.command({"GET", "in-db-2"})); // db 0
    }

    void testWrongPasswordIsUnavailableWithTheReason()
    {
        RedisServer server({"--requirepass", "right"});
        portico::test::TempDir dir;
        RedisPool pool(settingsFrom("url = " + server.url() + "\npassword_file = " + dir.write("pw", "wrong") + "\n"));
        const std::string message = portico::test::messageOf<RedisUnavailable>([&] { get(pool, "x"); });
        PORTICO_ASSERT_CONTAINS(message, "refused the connection setup");
        PORTICO_ASSERT_CONTAINS(message, "WRONGPASS");
        PORTICO_ASSERT_NOT_CONTAINS(message, "wrong\n");
        CPPUNIT_ASSERT(!pool.up());
    }

    void testDeadServerFailsFastAndReconnects()
    {
        RedisServer server;
        const auto pool = poolFor(server);
        pool->execute(Poco::Redis::Array() << "SET" << "k" << "v");
        server.stop();

        std::uint64_t outage = 0;
        auto start = Clock::now();
        try
        {
            get(*pool, "k");
            CPPUNIT_FAIL("a stopped server answered");
        }
        catch (const RedisUnavailable& e)
        {
            outage = e.outage();
        }
        CPPUNIT_ASSERT(outage >= 1);
        CPPUNIT_ASSERT(millisSince(start) < 1000);
        CPPUNIT_ASSERT(!pool->up());

        // During the outage calls are refused at once, without touching the network.
        start = Clock::now();
        int refused = 0;
        for (int i = 0; i < 1000; ++i)
            try
            {
                get(*pool, "k");
            }
            catch (const RedisUnavailable& e)
            {
                ++refused;
                CPPUNIT_ASSERT_EQUAL(outage, e.outage());
            }
        CPPUNIT_ASSERT_EQUAL(1000, refused);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(millisSince(start)) + " ms", millisSince(start) < 200);
        PORTICO_ASSERT_CONTAINS(pool->unavailableReason(), "127.0.0.1:" + std::to_string(server.port()));

        // Back: the pool finds it again by itself (the old connections are not reused).
        server.start();
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        pool->execute(Poco::Redis::Array() << "SET" << "k" << "again");
        CPPUNIT_ASSERT_EQUAL(std::string("again"), get(*pool, "k"));
        CPPUNIT_ASSERT(pool->up());
        CPPUNIT_ASSERT_EQUAL(std::string(), pool->unavailableReason());

        // A second outage has the next number.
        server.stop();
        try
        {
            get(*pool, "k");
            CPPUNIT_FAIL("a stopped server answered");
        }
        catch (const RedisUnavailable& e)
        {
            CPPUNIT_ASSERT_EQUAL(outage + 1, e.outage());
        }
    }

    void testHungServerIsBoundedByTheCommandTimeout()
    {
        RedisServer server;
        const auto pool = poolFor(server, "command_timeout_ms = 200\nconnect_timeout_ms = 200\n");
        pool->execute(Poco::Redis::Array() << "SET" << "k" << "v");
        server.pause();
        auto start = Clock::now();
        CPPUNIT_ASSERT_THROW(get(*pool, "k"), RedisUnavailable);
        const double first = millisSince(start);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(first) + " ms", first >= 150 && first < 1500);
        PORTICO_ASSERT_CONTAINS(portico::test::messageOf<RedisUnavailable>([&] { get(*pool, "k"); }),
                                "did not answer within 200 ms");
        // Every later call is bounded too: refused at once, or one probe per retry interval.
        start = Clock::now();
        int calls = 0;
        while (millisSince(start) < 1000)
        {
            CPPUNIT_ASSERT_THROW(get(*pool, "k"), RedisUnavailable);
            ++calls;
        }
        CPPUNIT_ASSERT(calls > 10);
        server.resume();
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        CPPUNIT_ASSERT_EQUAL(std::string("v"), get(*pool, "k"));
    }

    void testReadinessNoticesAnOutageWithoutTraffic()
    {
        RedisServer server;
        const auto pool = poolFor(server);
        CPPUNIT_ASSERT_EQUAL(std::string(), pool->unavailableReason());
        server.stop();
        std::this_thread::sleep_for(std::chrono::milliseconds(1100)); // past the cached contact
        const std::string reason = pool->unavailableReason();
        PORTICO_ASSERT_CONTAINS(reason, "127.0.0.1:" + std::to_string(server.port()));
        server.start();
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        CPPUNIT_ASSERT_EQUAL(std::string(), pool->unavailableReason());
    }

    void testScriptsRunAfterScriptFlush()
    {
        RedisServer server;
        const auto pool = poolFor(server);
        RedisScript script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
        CPPUNIT_ASSERT_EQUAL(std::string("5"), *replyText(pool->run(script, {"n"}, {"5"})));
        // Loaded once with SCRIPT LOAD: the server knows it by its SHA-1.
        CPPUNIT_ASSERT_EQUAL(std::string("1"), server.command({"SCRIPT", "EXISTS", script.sha1()}));
        server.command({"SCRIPT", "FLUSH"});
        CPPUNIT_ASSERT_EQUAL(std::string("7"), *replyText(pool->run(script, {"n"}, {"2"}))); // NOSCRIPT -> EVAL
        CPPUNIT_ASSERT_EQUAL(std::string("1"), server.command({"SCRIPT", "EXISTS", script.sha1()}));
        // A script error is a refused command, not an outage.
        RedisScript broken("return redis.call('NOSUCHCOMMAND')");
        const std::string message = portico::test::messageOf<RedisUnavailable>([&] { pool->run(broken, {}, {}); });
        PORTICO_ASSERT_CONTAINS(message, "refused the command");
        CPPUNIT_ASSERT(pool->up());
    }

    void testRegistrySharesOnePoolPerSettings()
    {
        TestPluginContext a("[ratelimit]\n[redis]\nurl = redis://127.0.0.1:6390\n", "ratelimit");
        TestPluginContext b("[idempotency]\n[redis]\nurl = redis://127.0.0.1:6390\n", "idempotency");
        TestPluginContext c("[idempotency]\n[redis]\nurl = redis://127.0.0.1:6391\n", "idempotency");
        const auto poolA = redisPool(a.config());
        const auto poolB = redisPool(b.config());
        const auto poolC = redisPool(c.config());
        CPPUNIT_ASSERT(poolA.get() == poolB.get());
        CPPUNIT_ASSERT(poolA.get() != poolC.get());
        TestPluginContext bad("[ratelimit]\n[redis]\nurl = redis://x\nsize = 2\n", "ratelimit");
        PORTICO_ASSERT_CONTAINS(portico::test::messageOf([&] { redisPool(bad.config()); }),
                                "[redis] size: unknown key");
    }

    void testFailurePolicyKey()
    {
        TestPluginContext open("[p]\nredis_failure = fail_open\n", "p");
        TestPluginContext closed("[p]\nredis_failure = FAIL_CLOSED\n", "p");
        TestPluginContext absent("[p]\n", "p");
        TestPluginContext bad("[p]\nredis_failure = ignore\n", "p");
        CPPUNIT_ASSERT(readRedisFailurePolicy(open.config(), "redis_failure", RedisFailurePolicy::FailClosed) ==
                       RedisFailurePolicy::FailOpen);
        CPPUNIT_ASSERT(readRedisFailurePolicy(closed.config(), "redis_failure", RedisFailurePolicy::FailOpen) ==
                       RedisFailurePolicy::FailClosed);
        CPPUNIT_ASSERT(readRedisFailurePolicy(absent.config(), "redis_failure", RedisFailurePolicy::FailOpen) ==
                       RedisFailurePolicy::FailOpen);
        PORTICO_ASSERT_CONTAINS(portico::test::messageOf([&] {
                                    readRedisFailurePolicy(bad.config(), "redis_failure", RedisFailurePolicy::FailOpen);
                                }),
                                "[p] redis_failure: expected fail_open or fail_closed, got 'ignore'");
    }

    void testReporterCountsEveryFailureAndLogsOncePerOutage()
    {
        prometheus::Registry registry;
        Poco::AutoPtr<CapturingChannel> channel(new CapturingChannel);
        Poco::Logger& logger = Poco::Logger::get("portico.test.redis_reporter");
        logger.setChannel(channel);
        logger.setLevel(Poco::Message::PRIO_INFORMATION);
        RedisFailureReporter reporter(registry, logger, "ratelimit", RedisFailurePolicy::FailOpen);
        for (int i = 0; i < 5; ++i)
            reporter.report(RedisUnavailable("Redis at h:1/0 is unavailable (refused)", 1), "requests pass");
        reporter.report(RedisUnavailable("Redis at h:1/0 is unavailable (refused)", 2), "requests pass");
        reporter.report(RedisUnavailable("Redis at h:1/0 is unavailable (refused)", 2), "requests pass");
        reporter.report(RedisUnavailable("busy pool", 0), "requests pass");
        reporter.report(RedisUnavailable("busy pool", 0), "requests pass");

        const auto lines = channel->lines();
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), lines.size()); // outage 1, outage 2, one transient
        PORTICO_ASSERT_CONTAINS(lines[0], "ratelimit: Redis at h:1/0 is unavailable (refused); fail_open: requests pass");
        PORTICO_ASSERT_CONTAINS(lines[2], "busy pool");
        std::ostringstream text;
        prometheus::TextSerializer().Serialize(text, registry.Collect());
        PORTICO_ASSERT_CONTAINS(text.str(), "portico_redis_failures_total{plugin=\"ratelimit\"} 9");
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RedisPoolTest);
