// RateLimitPlugin with store = redis, through a real Chain and Exchange, against a real
// redis-server: limits and headers from Redis buckets, token settlement in Redis, and what
// ratelimit.redis_failure does while Redis is stopped (fail_open: served, counted, logged once;
// fail_closed: 503 in OpenAI's shape), readiness, and recovery without re-creating the plugin.

#include "RateLimitChainFixture.h"
#include "RedisServer.h"
#include "TestAsserts.h"
#include "Poco/Channel.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include "Poco/Logger.h"
#include "Poco/Message.h"
#include <atomic>
#include <thread>

using namespace portico;
using namespace portico::ratelimit;
using namespace portico::ratelimit::test;
using portico::test::RedisServer;

namespace {

/// Counts the warnings logged to it.
class CountingChannel : public Poco::Channel
{
public:
    void log(const Poco::Message& message) override
    {
        if (message.getText().find("Redis") != std::string::npos)
            ++redisLines;
    }
    std::atomic<int> redisLines{0};
};

int failures(prometheus::Registry& registry)
{
    const std::string text = metricsText(registry);
    const std::string series = "portico_redis_failures_total{plugin=\"ratelimit\"} ";
    const auto at = text.find(series);
    return at == std::string::npos ? -1 : std::stoi(text.substr(at + series.size()));
}

} // namespace

class RateLimitRedisPluginTest : public RateLimitChainFixture
{
    CPPUNIT_TEST_SUITE(RateLimitRedisPluginTest);
    CPPUNIT_TEST(testLimitsAndHeadersComeFromRedis);
    CPPUNIT_TEST(testTokenUsageIsSettledInRedis);
    CPPUNIT_TEST(testFailOpenServesCountsAndLogsOncePerOutage);
    CPPUNIT_TEST(testFailClosedAnswers503InOpenAiShape);
    CPPUNIT_TEST(testUnknownPolicyAndStoreAreConfigErrors);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override
    {
        RateLimitChainFixture::setUp();
        server_ = std::make_unique<RedisServer>();
        channel_ = new CountingChannel;
        Poco::Logger::get("portico.ratelimit").setChannel(channel_);
    }

    void tearDown() override
    {
        harness_.reset();
        server_.reset();
    }

    /// A chain like RateLimitChainFixture::build, with the plugin opening its own store.
    void buildRedis(const std::string& ini)
    {
        context_ = std::make_unique<TestPluginContext>("[ratelimit]\nstore = redis\n" + ini + "[redis]\nurl = " +
                                                           server_->url() + "\ncommand_timeout_ms = 200\n",
                                                       "ratelimit");
        harness_ = std::make_unique<ChainHarness>();
        harness_->add("principal", std::make_unique<PrincipalFromHeader>());
        plugin_ = &static_cast<RateLimitPlugin&>(harness_->add("ratelimit", std::make_unique<RateLimitPlugin>(*context_)));
        harness_->route("GET", "/v1/things/{id}", [](Exchange& e) { e.respond(200, "{\"ok\":true}"); });
        harness_->route("POST", "/v1/chat", [this](Exchange& e) {
            e.set(attr::UsageInputTokens, std::to_string(inputUsage_));
            e.set(attr::UsageOutputTokens, std::to_string(outputUsage_));
            e.respond(200, "{\"usage\":{}}");
        });
    }

    void testLimitsAndHeadersComeFromRedis()
    {
        buildRedis("burst = 3\nrequests_per_second = 0.5\n");
        for (int i = 0; i < 3; ++i)
        {
            auto result = get("/v1/things/" + std::to_string(i), "alice");
            CPPUNIT_ASSERT_EQUAL(200, result->head().status);
            CPPUNIT_ASSERT_EQUAL(std::to_string(2 - i), header(*result, "x-ratelimit-remaining-requests"));
            CPPUNIT_ASSERT_EQUAL(std::string("3"), header(*result, "x-ratelimit-limit-requests"));
        }
        auto refused = get("/v1/things/9", "alice");
        CPPUNIT_ASSERT_EQUAL(429, refused->head().status);
        CPPUNIT_ASSERT_EQUAL(std::string("2"), header(*refused, "Retry-After"));
        CPPUNIT_ASSERT_EQUAL(200, get("/v1/things/1", "bob")->head().status);
        // The bucket is in Redis, keyed like the memory store's, with an expiry.
        const std::string key = "portico:ratelimit:req\n/v1/things/{id}\nalice";
        CPPUNIT_ASSERT_EQUAL(std::string("1"), server_->command({"EXISTS", key}));
        const long long ttl = std::stoll(server_->command({"PTTL", key}));
        CPPUNIT_ASSERT_MESSAGE(std::to_string(ttl), ttl > 0 && ttl <= 6000);
        CPPUNIT_ASSERT_EQUAL(std::string(), plugin_->notReadyReason());
    }

    void testTokenUsageIsSettledInRedis()
    {
        buildRedis("tokens_per_minute = 1000\n");
        inputUsage_ = 10;
        outputUsage_ = 5; // 114 reserved (ChatBody), 15 used: 99 go back
        auto result = post("/v1/chat", "carol");
        CPPUNIT_ASSERT_EQUAL(200, result->head().status);
        CPPUNIT_ASSERT_EQUAL(std::string("886"), header(*result, "x-ratelimit-remaining-tokens"));
        const std::string level = server_->command({"HGET", "portico:ratelimit:tok\ncarol", "v"});
        const double tokens = std::stod(level);
        CPPUNIT_ASSERT_MESSAGE(level, tokens >= 985 && tokens < 986);
    }

    void testFailOpenServesCountsAndLogsOncePerOutage()
    {
        buildRedis("burst = 1\nredis_failure = fail_open\n");
        CPPUNIT_ASSERT_EQUAL(200, get("/v1/things/1", "dave")->head().status);
        CPPUNIT_ASSERT_EQUAL(429, get("/v1/things/1", "dave")->head().status);
        server_->stop();
        for (int i = 0; i < 20; ++i)
        {
            auto result = get("/v1/things/1", "dave");
            CPPUNIT_ASSERT_EQUAL(200, result->head().status); // no limit while Redis is away
            CPPUNIT_ASSERT(!result->head().headers.has("x-ratelimit-remaining-requests"));
        }
        CPPUNIT_ASSERT_EQUAL(20, failures(context_->metrics()));
        CPPUNIT_ASSERT_EQUAL(1, channel_->redisLines.load());
        PORTICO_ASSERT_CONTAINS(plugin_->notReadyReason(), "is unavailable");

        // Redis is back (empty: no persistence): limits apply again, same plugin object.
        server_->start();
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        CPPUNIT_ASSERT_EQUAL(200, get("/v1/things/1", "dave")->head().status);
        CPPUNIT_ASSERT_EQUAL(429, get("/v1/things/1", "dave")->head().status);
        CPPUNIT_ASSERT_EQUAL(std::string(), plugin_->notReadyReason());
    }

    void testFailClosedAnswers503InOpenAiShape()
    {
        buildRedis("redis_failure = fail_closed\n");
        server_->stop();
        bool handlerRan = false;
        harness_->route("GET", "/v1/counted", [&](Exchange& e) {
            handlerRan = true;
            e.respond(200, "{}");
        });
        auto refused = get("/v1/counted", "erin");
        CPPUNIT_ASSERT(!handlerRan);
        CPPUNIT_ASSERT_EQUAL(503, refused->head().status);
        CPPUNIT_ASSERT_EQUAL(std::string("1"), header(*refused, "Retry-After"));
        CPPUNIT_ASSERT_EQUAL(std::string("application/json"), refused->head().contentType);
        Poco::JSON::Parser parser;
        const auto error = parser.parse(refused->sink.body).extract<Poco::JSON::Object::Ptr>()->getObject("error");
        CPPUNIT_ASSERT_EQUAL(std::string("server_error"), error->getValue<std::string>("type"));
        CPPUNIT_ASSERT_EQUAL(std::string("service_unavailable"), error->getValue<std::string>("code"));
        CPPUNIT_ASSERT(error->isNull("param"));
        PORTICO_ASSERT_CONTAINS(error->getValue<std::string>("message"), "Rate limiting is temporarily unavailable");
        CPPUNIT_ASSERT_EQUAL(1, failures(context_->metrics()));
    }

    void testUnknownPolicyAndStoreAreConfigErrors()
    {
        TestPluginContext policy("[ratelimit]\nredis_failure = maybe\n", "ratelimit");
        PORTICO_ASSERT_CONTAINS(portico::test::messageOf([&] { RateLimitConfig::from(policy.config()); }),
                                "[ratelimit] redis_failure: expected fail_open or fail_closed");
        TestPluginContext store("[ratelimit]\nstore = memcached\n", "ratelimit");
        PORTICO_ASSERT_CONTAINS(portico::test::messageOf([&] { RateLimitConfig::from(store.config()); }),
                                "(supported: memory, redis)");
        TestPluginContext redis("[ratelimit]\nstore = redis\n[redis]\nurl = redis://127.0.0.1:1\nsocket = x\n",
                                "ratelimit");
        PORTICO_ASSERT_CONTAINS(portico::test::messageOf([&] { RateLimitPlugin plugin(redis); }),
                                "[redis] socket: unknown key");
    }

private:
    std::unique_ptr<RedisServer> server_;
    Poco::AutoPtr<CountingChannel> channel_;
    RateLimitPlugin* plugin_ = nullptr;
};

CPPUNIT_TEST_SUITE_REGISTRATION(RateLimitRedisPluginTest);
