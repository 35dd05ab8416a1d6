// MemoryBucketStore: decisions over one or two buckets, settlement, eviction and exactness under
// concurrency, with a manual clock.

#include "MemoryBucketStore.h"
#include <cppunit/extensions/HelperMacros.h>
#include <atomic>
#include <thread>
#include <vector>

using namespace portico::ratelimit;
using namespace std::chrono_literals;

namespace {

AcquireRequest requestOn(const std::string& key, BucketLimit limit)
{
    AcquireRequest request;
    request.requests = {key, limit, 1};
    return request;
}

AcquireRequest withTokens(const std::string& key, BucketLimit limit, const std::string& tokenKey,
                          BucketLimit tokenLimit, double cost)
{
    AcquireRequest request = requestOn(key, limit);
    request.tokens = BucketCharge{tokenKey, tokenLimit, cost};
    return request;
}

/// Runs `threads` threads that all start at once and each call `body(threadIndex)`.
template <typename Body>
void runTogether(int threads, Body body)
{
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            ready.fetch_add(1);
            while (!go.load())
                std::this_thread::yield();
            body(t);
        });
    while (ready.load() < threads)
        std::this_thread::yield();
    go.store(true);
    for (auto& thread : pool)
        thread.join();
}

const BucketLimit NearlyNoRefill{40, 1e-6};

} // namespace

class MemoryBucketStoreTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(MemoryBucketStoreTest);
    CPPUNIT_TEST(testBurstThenRefill);
    CPPUNIT_TEST(testDecisionIsAtomicOverBothBuckets);
    CPPUNIT_TEST(testRetryAfterCoversBothBuckets);
    CPPUNIT_TEST(testTokenDebtDoesNotHoldBackRequestsWithoutTokens);
    CPPUNIT_TEST(testCostOverCapacityIsFlagged);
    CPPUNIT_TEST(testSettleRefundsAndCharges);
    CPPUNIT_TEST(testFullBucketsAreEvictedWithoutLoss);
    CPPUNIT_TEST(testBucketsThatAreNotFullAreKept);
    CPPUNIT_TEST(testIdleBucketsAreEvicted);
    CPPUNIT_TEST(testShardsSweepThemselvesWhenTouched);
    CPPUNIT_TEST(testMaxBucketsBoundsTheStore);
    CPPUNIT_TEST(testNThreadsOnOneBucketAdmitExactlyTheBurst);
    CPPUNIT_TEST(testNThreadsOnRequestAndTokenBucketsStayExact);
    CPPUNIT_TEST(testManyThreadsManyKeysWithSweeps);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override { clock_ = std::make_shared<ManualClock>(); }

    void testBurstThenRefill()
    {
        MemoryBucketStore store(clock_);
        const BucketLimit limit{3, 2}; // 3 at once, then 2 per second
        for (int i = 0; i < 3; ++i)
        {
            const Decision d = store.acquire(requestOn("k", limit));
            CPPUNIT_ASSERT(d.allowed);
            CPPUNIT_ASSERT_EQUAL(double(2 - i), d.requests.remaining);
        }
        const Decision refused = store.acquire(requestOn("k", limit));
        CPPUNIT_ASSERT(!refused.allowed);
        CPPUNIT_ASSERT(refused.refusedBy == LimitKind::Requests);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.5, refused.retryAfterSeconds, 1e-9);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1.5, refused.requests.resetSeconds, 1e-9);
        clock_->advance(500ms);
        CPPUNIT_ASSERT(store.acquire(requestOn("k", limit)).allowed);
        CPPUNIT_ASSERT(!store.acquire(requestOn("k", limit)).allowed);
        // Another key has its own bucket.
        CPPUNIT_ASSERT(store.acquire(requestOn("other", limit)).allowed);
    }

    void testDecisionIsAtomicOverBothBuckets()
    {
        MemoryBucketStore store(clock_);
        const BucketLimit tokens{100, 100.0 / 60};
        CPPUNIT_ASSERT(store.acquire(withTokens("r", {10, 1}, "t", tokens, 80)).allowed);
        const Decision refused = store.acquire(withTokens("r", {10, 1}, "t", tokens, 30));
        CPPUNIT_ASSERT(!refused.allowed);
        CPPUNIT_ASSERT(refused.refusedBy == LimitKind::Tokens);
        // The request bucket was not charged for the refused request.
        CPPUNIT_ASSERT_EQUAL(9.0, refused.requests.remaining);
        CPPUNIT_ASSERT_EQUAL(20.0, refused.tokens->remaining);
        const Decision fits = store.acquire(withTokens("r", {10, 1}, "t", tokens, 20));
        CPPUNIT_ASSERT(fits.allowed);
        CPPUNIT_ASSERT_EQUAL(8.0, fits.requests.remaining);
        CPPUNIT_ASSERT_EQUAL(0.0, fits.tokens->remaining);
    }

    void testRetryAfterCoversBothBuckets()
    {
        MemoryBucketStore store(clock_);
        const BucketLimit requests{1, 1};
        const BucketLimit tokens{60, 1}; // 1 token per second
        CPPUNIT_ASSERT(store.acquire(withTokens("r", requests, "t", tokens, 60)).allowed);
        const Decision refused = store.acquire(withTokens("r", requests, "t", tokens, 10));
        CPPUNIT_ASSERT(!refused.allowed);
        CPPUNIT_ASSERT(refused.refusedBy == LimitKind::Requests); // both short: requests is named
        CPPUNIT_ASSERT_DOUBLES_EQUAL(10.0, refused.retryAfterSeconds, 1e-9);
    }

    void testTokenDebtDoesNotHoldBackRequestsWithoutTokens()
    {
        MemoryBucketStore store(clock_);
        const BucketLimit tokens{100, 1};
        CPPUNIT_ASSERT(store.acquire(withTokens("r", {10, 1}, "t", tokens, 100)).allowed);
        store.settle({"t", tokens, -50}); // the answer used 50 more than reserved
        CPPUNIT_ASSERT(!store.acquire(withTokens("r", {10, 1}, "t", tokens, 1)).allowed);
        const Decision free = store.acquire(withTokens("r", {10, 1}, "t", tokens, 0));
        CPPUNIT_ASSERT(free.allowed);
        CPPUNIT_ASSERT_EQUAL(0.0, free.tokens->remaining);
    }

    void testCostOverCapacityIsFlagged()
    {
        MemoryBucketStore store(clock_);
        const Decision d = store.acquire(withTokens("r", {10, 1}, "t", {100, 1}, 101));
        CPPUNIT_ASSERT(!d.allowed);
        CPPUNIT_ASSERT(d.tokensOverCapacity);
        CPPUNIT_ASSERT(d.refusedBy == LimitKind::Tokens);
    }

    void testSettleRefundsAndCharges()
    {
        MemoryBucketStore store(clock_);
        const BucketLimit tokens{1000, 1e-6};
        CPPUNIT_ASSERT(store.acquire(withTokens("r", {10, 1}, "t", tokens, 600)).allowed);
        CPPUNIT_ASSERT_EQUAL(900.0, store.settle({"t", tokens, 500}).remaining); // used 100 of 600
        CPPUNIT_ASSERT_EQUAL(700.0, store.settle({"t", tokens, -200}).remaining); // used 200 more
        // Settling a bucket the store no longer holds starts from full.
        CPPUNIT_ASSERT_EQUAL(990.0, store.settle({"gone", tokens, -10}).remaining);
    }

    void testFullBucketsAreEvictedWithoutLoss()
    {
        MemoryBucketStore store(clock_);
        const BucketLimit limit{5, 10};
        for (int i = 0; i < 100; ++i)
            store.acquire(requestOn("key" + std::to_string(i), limit));
        CPPUNIT_ASSERT_EQUAL(std::size_t(100), store.size());
        clock_->advance(100ms); // 1 token back: every bucket is full again
        store.sweepAll();
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), store.size());
        // Nothing was lost: a fresh bucket starts full, exactly as the evicted one was.
        CPPUNIT_ASSERT_EQUAL(4.0, store.acquire(requestOn("key1", limit)).requests.remaining);
    }

    void testBucketsThatAreNotFullAreKept()
    {
        MemoryBucketStore store(clock_);
        for (int i = 0; i < 100; ++i)
            store.acquire(requestOn("key" + std::to_string(i), NearlyNoRefill));
        clock_->advance(10min);
        store.sweepAll();
        CPPUNIT_ASSERT_EQUAL(std::size_t(100), store.size());
        CPPUNIT_ASSERT_EQUAL(38.0, store.acquire(requestOn("key7", NearlyNoRefill)).requests.remaining);
    }

    void testIdleBucketsAreEvicted()
    {
        EvictionPolicy policy;
        policy.idleNanos = 60 * NanosPerSecond;
        MemoryBucketStore store(clock_, policy);
        store.acquire(requestOn("old", NearlyNoRefill));
        clock_->advance(30s);
        store.acquire(requestOn("recent", NearlyNoRefill));
        clock_->advance(31s);
        store.sweepAll();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), store.size());
        CPPUNIT_ASSERT_EQUAL(38.0, store.acquire(requestOn("recent", NearlyNoRefill)).requests.remaining);
    }

    void testShardsSweepThemselvesWhenTouched()
    {
        EvictionPolicy policy;
        policy.sweepIntervalNanos = NanosPerSecond;
        MemoryBucketStore store(clock_, policy);
        const BucketLimit fast{5, 1000};
        for (int i = 0; i < 2000; ++i)
            store.acquire(requestOn("a" + std::to_string(i), fast));
        CPPUNIT_ASSERT_EQUAL(std::size_t(2000), store.size());
        clock_->advance(2s);
        // Touching the store is enough: every shard sweeps the full buckets away on its own.
        for (int i = 0; i < 2000; ++i)
            store.acquire(requestOn("b" + std::to_string(i), fast));
        CPPUNIT_ASSERT_EQUAL(std::size_t(2000), store.size());
    }

    void testMaxBucketsBoundsTheStore()
    {
        EvictionPolicy policy;
        policy.maxBuckets = 64 * 16; // 16 per shard
        MemoryBucketStore store(clock_, policy);
        for (int i = 0; i < 20000; ++i)
        {
            store.acquire(requestOn("flood" + std::to_string(i), NearlyNoRefill));
            clock_->advance(1ms);
        }
        CPPUNIT_ASSERT(store.size() <= policy.maxBuckets);
        // The most recent keys survive (least recently used go first).
        CPPUNIT_ASSERT_EQUAL(38.0, store.acquire(requestOn("flood19999", NearlyNoRefill)).requests.remaining);
    }

    void testNThreadsOnOneBucketAdmitExactlyTheBurst()
    {
        for (int round = 0; round < 20; ++round)
        {
            MemoryBucketStore store(clock_);
            std::atomic<int> admitted{0};
            runTogether(16, [&](int) {
                for (int i = 0; i < 10; ++i)
                    if (store.acquire(requestOn("one", NearlyNoRefill)).allowed)
                        admitted.fetch_add(1);
            });
            CPPUNIT_ASSERT_EQUAL(40, admitted.load());
        }
    }

    void testNThreadsOnRequestAndTokenBucketsStayExact()
    {
        MemoryBucketStore store(clock_);
        const BucketLimit requests{1000, 1e-6};
        const BucketLimit tokens{250, 1e-6};
        std::atomic<int> admitted{0};
        std::atomic<int> byTokens{0};
        runTogether(8, [&](int t) {
            for (int i = 0; i < 20; ++i)
            {
                // Two request keys share one token bucket (two routes of one principal).
                const std::string key = t % 2 ? "route-a" : "route-b";
                const Decision d = store.acquire(withTokens(key, requests, "tokens", tokens, 10));
                if (d.allowed)
                    admitted.fetch_add(1);
                else if (d.refusedBy == LimitKind::Tokens)
                    byTokens.fetch_add(1);
            }
        });
        CPPUNIT_ASSERT_EQUAL(25, admitted.load());
        CPPUNIT_ASSERT_EQUAL(160 - 25, byTokens.load());
    }

    void testManyThreadsManyKeysWithSweeps()
    {
        EvictionPolicy policy;
        policy.maxBuckets = 64 * 8;
        policy.sweepIntervalNanos = NanosPerSecond / 1000;
        MemoryBucketStore store(clock_, policy);
        std::atomic<int> admitted{0};
        runTogether(8, [&](int t) {
            for (int i = 0; i < 2000; ++i)
            {
                if (store.acquire(requestOn("k" + std::to_string((t * 7919 + i) % 3000), {3, 1000})).allowed)
                    admitted.fetch_add(1);
                if (i % 100 == 0)
                    clock_->advance(1ms);
                store.settle({"t" + std::to_string(i % 50), {100, 1}, 1});
            }
        });
        CPPUNIT_ASSERT(admitted.load() > 0);
        CPPUNIT_ASSERT(store.size() <= policy.maxBuckets);
    }

private:
    std::shared_ptr<ManualClock> clock_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(MemoryBucketStoreTest);
