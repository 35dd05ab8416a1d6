// RedisBucketStore against a real redis-server: the same decisions as the memory store (a
// seeded random run of acquires and settlements on both), atomicity over two buckets, refill
// on Redis's clock, settlement and debt, keys that expire when their bucket would be full (or
// idle), exactness across two pools on one Redis (two porticod), and errors when Redis is gone.

#include "MemoryBucketStore.h"
#include "RedisBucketStore.h"
#include "RedisServer.h"
#include "TestAsserts.h"
#include "TestPluginContext.h"
#include <cppunit/extensions/HelperMacros.h>
#include <atomic>
#include <cmath>
#include <random>
#include <thread>

using namespace portico;
using namespace portico::ratelimit;
using portico::test::RedisServer;

namespace {

const std::string Prefix = "portico:ratelimit:";

std::shared_ptr<RedisPool> poolFor(const RedisServer& server)
{
    portico::test::TestPluginContext context("[redis]\nurl = " + server.url() + "\n", "redis");
    return std::make_shared<RedisPool>(RedisSettings::from(context.config()));
}

AcquireRequest requestOn(const std::string& key, BucketLimit limit, double cost = 1)
{
    AcquireRequest request;
    request.requests = {key, limit, cost};
    return request;
}

AcquireRequest withTokens(const std::string& key, BucketLimit limit, const std::string& tokenKey, BucketLimit tokenLimit,
                          double cost)
{
    AcquireRequest request = requestOn(key, limit);
    request.tokens = BucketCharge{tokenKey, tokenLimit, cost};
    return request;
}

bool close(double a, double b)
{
    return std::fabs(a - b) <= 1e-6 * std::max(1.0, std::max(std::fabs(a), std::fabs(b)));
}

void assertSameView(const BucketView& memory, const BucketView& redis, const std::string& where)
{
    CPPUNIT_ASSERT_EQUAL_MESSAGE(where + " limit", memory.limit, redis.limit);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(where + " remaining", memory.remaining, redis.remaining);
    CPPUNIT_ASSERT_MESSAGE(where + " reset " + std::to_string(memory.resetSeconds) + " vs " +
                               std::to_string(redis.resetSeconds),
                           close(memory.resetSeconds, redis.resetSeconds));
}

/// No measurable refill during a test (the memory store's clock stands still; Redis's does not).
const BucketLimit Requests{5, 1e-9};
const BucketLimit Tokens{100, 1e-9};

} // namespace

class RedisBucketStoreTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(RedisBucketStoreTest);
    CPPUNIT_TEST(testSameDecisionsAsTheMemoryStore);
    CPPUNIT_TEST(testBurstThenRefillOnRedisTime);
    CPPUNIT_TEST(testDecisionIsAtomicOverBothBuckets);
    CPPUNIT_TEST(testSettlementDebtIsClampedAndZeroCostPasses);
    CPPUNIT_TEST(testKeysExpireWhenTheBucketWouldBeFullOrIdle);
    CPPUNIT_TEST(testTwoPoolsOnOneRedisAdmitExactlyTheBurst);
    CPPUNIT_TEST(testUnreachableRedisThrowsAndIsNotReady);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override
    {
        server_ = std::make_unique<RedisServer>();
        store_ = std::make_unique<RedisBucketStore>(poolFor(*server_), Prefix, std::chrono::milliseconds(0));
    }

    void tearDown() override
    {
        store_.reset();
        server_.reset();
    }

    void testSameDecisionsAsTheMemoryStore()
    {
        MemoryBucketStore memory(std::make_shared<ManualClock>());
        std::mt19937 random(20261125);
        // About 75 acquires per principal on 40 requests, token costs of 0..40 on 200 tokens with
        // settlements that mostly give back: every kind of answer comes up.
        const BucketLimit requests{40, 1e-9};
        const BucketLimit tokens{200, 1e-9};
        int allowed = 0;
        int byRequests = 0;
        int byTokens = 0;
        for (int step = 0; step < 400; ++step)
        {
            const std::string who = "p" + std::to_string(random() % 4);
            const std::string where = "step " + std::to_string(step) + " (" + who + ")";
            if (random() % 4 == 0)
            {
                const BucketCharge charge{"tok\n" + who, tokens, static_cast<double>(static_cast<int>(random() % 101) - 10)};
                assertSameView(memory.settle(charge), store_->settle(charge), where + " settle");
                continue;
            }
            const double cost = static_cast<double>(random() % 41);
            const AcquireRequest request = withTokens("req\n/r\n" + who, requests, "tok\n" + who, tokens, cost);
            const Decision m = memory.acquire(request);
            const Decision r = store_->acquire(request);
            (m.allowed ? allowed : m.refusedBy == LimitKind::Requests ? byRequests : byTokens) += 1;
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where + " allowed", m.allowed, r.allowed);
            if (!m.allowed)
            {
                CPPUNIT_ASSERT_MESSAGE(where + " refused by", m.refusedBy == r.refusedBy);
                CPPUNIT_ASSERT_MESSAGE(where + " retry after", close(m.retryAfterSeconds, r.retryAfterSeconds));
            }
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where + " over capacity", m.tokensOverCapacity, r.tokensOverCapacity);
            assertSameView(m.requests, r.requests, where + " requests");
            CPPUNIT_ASSERT(m.tokens && r.tokens);
            assertSameView(*m.tokens, *r.tokens, where + " tokens");
        }
        CPPUNIT_ASSERT_MESSAGE(std::to_string(allowed) + " allowed, " + std::to_string(byRequests) + " + " +
                                   std::to_string(byTokens) + " refused",
                               allowed > 50 && byRequests > 10 && byTokens > 5);
    }

    void testBurstThenRefillOnRedisTime()
    {
        const BucketLimit limit{5, 10}; // 1 request per 100 ms
        for (int i = 0; i < 5; ++i)
            CPPUNIT_ASSERT(store_->acquire(requestOn("req\nburst", limit)).allowed);
        const Decision refused = store_->acquire(requestOn("req\nburst", limit));
        CPPUNIT_ASSERT(!refused.allowed);
        CPPUNIT_ASSERT(refused.refusedBy == LimitKind::Requests);
        CPPUNIT_ASSERT(refused.retryAfterSeconds > 0 && refused.retryAfterSeconds <= 0.1);
        CPPUNIT_ASSERT_EQUAL(0.0, refused.requests.remaining);
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        const Decision later = store_->acquire(requestOn("req\nburst", limit));
        CPPUNIT_ASSERT(later.allowed);
        CPPUNIT_ASSERT(later.requests.remaining >= 1 && later.requests.remaining <= 2);
    }

    void testDecisionIsAtomicOverBothBuckets()
    {
        const Decision first = store_->acquire(withTokens("req\na", Requests, "tok\na", Tokens, 80));
        CPPUNIT_ASSERT(first.allowed);
        CPPUNIT_ASSERT_EQUAL(4.0, first.requests.remaining);
        CPPUNIT_ASSERT_EQUAL(20.0, first.tokens->remaining);
        // 30 tokens do not fit: nothing is taken from the request bucket either.
        const Decision refused = store_->acquire(withTokens("req\na", Requests, "tok\na", Tokens, 30));
        CPPUNIT_ASSERT(!refused.allowed);
        CPPUNIT_ASSERT(refused.refusedBy == LimitKind::Tokens);
        CPPUNIT_ASSERT_EQUAL(4.0, refused.requests.remaining);
        CPPUNIT_ASSERT_EQUAL(20.0, refused.tokens->remaining);
        CPPUNIT_ASSERT(!refused.tokensOverCapacity);
        const Decision tooLarge = store_->acquire(withTokens("req\na", Requests, "tok\na", Tokens, 101));
        CPPUNIT_ASSERT(tooLarge.tokensOverCapacity);
        const Decision free = store_->acquire(withTokens("req\na", Requests, "tok\na", Tokens, 0));
        CPPUNIT_ASSERT(free.allowed);
        CPPUNIT_ASSERT_EQUAL(3.0, free.requests.remaining);
    }

    void testSettlementDebtIsClampedAndZeroCostPasses()
    {
        CPPUNIT_ASSERT(store_->acquire(withTokens("req\nd", Requests, "tok\nd", Tokens, 100)).allowed);
        // Usage came in far above the reservation: a debt, bounded by one capacity.
        const BucketView debt = store_->settle({"tok\nd", Tokens, -500});
        CPPUNIT_ASSERT_EQUAL(0.0, debt.remaining);
        CPPUNIT_ASSERT(close(debt.resetSeconds, 200 / Tokens.perSecond));
        CPPUNIT_ASSERT(!store_->acquire(withTokens("req\nd", Requests, "tok\nd", Tokens, 1)).allowed);
        // A request that needs no tokens is not held back by the debt.
        CPPUNIT_ASSERT(store_->acquire(withTokens("req\nd", Requests, "tok\nd", Tokens, 0)).allowed);
        // Giving back more than was taken stops at full, and a full bucket is deleted.
        store_->settle({"tok\nd", Tokens, 10000});
        CPPUNIT_ASSERT_EQUAL(std::string("0"), server_->command({"EXISTS", Prefix + "tok\nd"}));
    }

    void testKeysExpireWhenTheBucketWouldBeFullOrIdle()
    {
        const BucketLimit limit{10, 1}; // one token back per second
        CPPUNIT_ASSERT(store_->acquire(requestOn("req\nx", limit, 3)).allowed);
        const long long ttl = std::stoll(server_->command({"PTTL", Prefix + "req\nx"}));
        CPPUNIT_ASSERT_MESSAGE(std::to_string(ttl), ttl > 2500 && ttl <= 3000); // full again in 3 s
        CPPUNIT_ASSERT_EQUAL(std::string("hash"), server_->command({"TYPE", Prefix + "req\nx"}));

        RedisBucketStore idle(poolFor(*server_), Prefix, std::chrono::milliseconds(200));
        CPPUNIT_ASSERT(idle.acquire(requestOn("req\ny", BucketLimit{10, 1e-6}, 5)).allowed);
        const long long capped = std::stoll(server_->command({"PTTL", Prefix + "req\ny"}));
        CPPUNIT_ASSERT_MESSAGE(std::to_string(capped), capped > 0 && capped <= 200);
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        CPPUNIT_ASSERT_EQUAL(std::string("0"), server_->command({"EXISTS", Prefix + "req\ny"}));
        // Gone means full: the next decision starts from a full bucket.
        CPPUNIT_ASSERT_EQUAL(9.0, idle.acquire(requestOn("req\ny", BucketLimit{10, 1e-6}, 1)).requests.remaining);
        // Nothing is left without an expiry.
        for (const auto& key : {Prefix + "req\nx", Prefix + "req\ny"})
            CPPUNIT_ASSERT(std::stoll(server_->command({"PTTL", key})) > 0);
    }

    void testTwoPoolsOnOneRedisAdmitExactlyTheBurst()
    {
        // Two pools stand for two porticod processes sharing one Redis.
        RedisBucketStore other(poolFor(*server_), Prefix, std::chrono::milliseconds(0));
        const BucketLimit limit{40, 1e-6};
        std::atomic<int> allowed{0};
        std::atomic<int> ready{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 12; ++t)
            threads.emplace_back([&, t] {
                ++ready;
                while (ready.load() < 12)
                    std::this_thread::yield();
                BucketStore& store = t % 2 ? static_cast<BucketStore&>(other) : *store_;
                for (int i = 0; i < 5; ++i)
                    if (store.acquire(requestOn("req\nshared", limit)).allowed)
                        ++allowed;
            });
        for (auto& thread : threads)
            thread.join();
        CPPUNIT_ASSERT_EQUAL(40, allowed.load());
    }

    void testUnreachableRedisThrowsAndIsNotReady()
    {
        CPPUNIT_ASSERT_EQUAL(std::string(), store_->notReadyReason());
        server_->stop();
        CPPUNIT_ASSERT_THROW(store_->acquire(requestOn("req\nz", Requests)), RedisUnavailable);
        CPPUNIT_ASSERT_THROW(store_->settle({"tok\nz", Tokens, 5}), RedisUnavailable);
        PORTICO_ASSERT_CONTAINS(store_->notReadyReason(), "127.0.0.1:" + std::to_string(server_->port()));
        server_->start();
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        CPPUNIT_ASSERT(store_->acquire(requestOn("req\nz", Requests)).allowed);
        CPPUNIT_ASSERT_EQUAL(std::string(), store_->notReadyReason());
    }

private:
    std::unique_ptr<RedisServer> server_;
    std::unique_ptr<RedisBucketStore> store_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(RedisBucketStoreTest);
