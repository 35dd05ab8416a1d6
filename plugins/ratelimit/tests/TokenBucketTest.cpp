// TokenBucket: the arithmetic every store shares, driven with explicit timestamps.

#include "Clock.h"
#include "TokenBucket.h"
#include <cppunit/extensions/HelperMacros.h>

using namespace portico::ratelimit;

namespace {

constexpr std::int64_t Second = NanosPerSecond;
constexpr std::int64_t Milli = NanosPerSecond / 1000;

} // namespace

class TokenBucketTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(TokenBucketTest);
    CPPUNIT_TEST(testFullBucketGivesExactlyItsCapacity);
    CPPUNIT_TEST(testRefillIsProportionalToTimeAndCapped);
    CPPUNIT_TEST(testRefusedTakeTakesNothing);
    CPPUNIT_TEST(testSecondsUntilATakeFits);
    CPPUNIT_TEST(testCostAboveCapacityWaitsForFull);
    CPPUNIT_TEST(testAdjustRefundsAndChargesWithBoundedDebt);
    CPPUNIT_TEST(testFullAt);
    CPPUNIT_TEST(testViewRoundsRemainingDownAndComputesReset);
    CPPUNIT_TEST(testLoweredCapacityLowersTheLevel);
    CPPUNIT_TEST(testClockGoingBackwardsChangesNothing);
    CPPUNIT_TEST_SUITE_END();

public:
    void testFullBucketGivesExactlyItsCapacity()
    {
        const BucketLimit limit{40, 0.001};
        BucketState state = BucketState::full(limit, Second);
        int taken = 0;
        for (int i = 0; i < 60; ++i)
            taken += TokenBucket::tryTake(state, limit, 1, Second + i * Milli) ? 1 : 0;
        CPPUNIT_ASSERT_EQUAL(40, taken);
    }

    void testRefillIsProportionalToTimeAndCapped()
    {
        const BucketLimit limit{10, 2}; // 2 per second
        BucketState state{0, 0};
        TokenBucket::refill(state, limit, 1500 * Milli);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(3.0, state.tokens, 1e-9);
        CPPUNIT_ASSERT_EQUAL(1500 * Milli, state.updatedNanos);
        TokenBucket::refill(state, limit, 100 * Second);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(10.0, state.tokens, 1e-9);
    }

    void testRefusedTakeTakesNothing()
    {
        const BucketLimit limit{5, 1};
        BucketState state{2.5, 0};
        CPPUNIT_ASSERT(!TokenBucket::tryTake(state, limit, 3, 0));
        CPPUNIT_ASSERT_DOUBLES_EQUAL(2.5, state.tokens, 1e-9);
        CPPUNIT_ASSERT(TokenBucket::tryTake(state, limit, 2, 0));
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.5, state.tokens, 1e-9);
    }

    void testSecondsUntilATakeFits()
    {
        const BucketLimit limit{10, 4};
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.0, TokenBucket::secondsUntil({3, 0}, limit, 2), 1e-9);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.25, TokenBucket::secondsUntil({0, 0}, limit, 1), 1e-9);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1.5, TokenBucket::secondsUntil({-4, 0}, limit, 2), 1e-9);
    }

    void testCostAboveCapacityWaitsForFull()
    {
        const BucketLimit limit{100, 10};
        // 500 can never fit; the answer is the time to full (90 / 10).
        CPPUNIT_ASSERT_DOUBLES_EQUAL(9.0, TokenBucket::secondsUntil({10, 0}, limit, 500), 1e-9);
    }

    void testAdjustRefundsAndChargesWithBoundedDebt()
    {
        const BucketLimit limit{100, 1};
        BucketState state{50, 0};
        TokenBucket::adjust(state, limit, 30, 0);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(80.0, state.tokens, 1e-9);
        TokenBucket::adjust(state, limit, 500, 0);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(100.0, state.tokens, 1e-9);
        TokenBucket::adjust(state, limit, -130, 0);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(-30.0, state.tokens, 1e-9);
        TokenBucket::adjust(state, limit, -1000, 0);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(-100.0, state.tokens, 1e-9);
        // A debt is paid back by time like any other shortfall.
        TokenBucket::adjust(state, limit, 0, 150 * Second);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(50.0, state.tokens, 1e-9);
    }

    void testFullAt()
    {
        const BucketLimit limit{4, 2};
        const BucketState state{3, 0};
        CPPUNIT_ASSERT(!TokenBucket::fullAt(state, limit, 499 * Milli));
        CPPUNIT_ASSERT(TokenBucket::fullAt(state, limit, 500 * Milli));
    }

    void testViewRoundsRemainingDownAndComputesReset()
    {
        const BucketLimit limit{40, 20};
        const BucketView view = TokenBucket::view({12.7, 0}, limit);
        CPPUNIT_ASSERT_EQUAL(40.0, view.limit);
        CPPUNIT_ASSERT_EQUAL(12.0, view.remaining);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(27.3 / 20, view.resetSeconds, 1e-9);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(2.0, view.windowSeconds, 1e-9);
        CPPUNIT_ASSERT_EQUAL(0.0, TokenBucket::view({-3, 0}, limit).remaining);
        CPPUNIT_ASSERT_EQUAL(0.0, TokenBucket::view({40, 0}, limit).resetSeconds);
    }

    void testLoweredCapacityLowersTheLevel()
    {
        BucketState state{40, 0};
        TokenBucket::refill(state, {10, 1}, 0);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(10.0, state.tokens, 1e-9);
    }

    void testClockGoingBackwardsChangesNothing()
    {
        const BucketLimit limit{10, 1};
        BucketState state{5, 10 * Second};
        TokenBucket::refill(state, limit, 9 * Second);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(5.0, state.tokens, 1e-9);
        CPPUNIT_ASSERT_EQUAL(10 * Second, state.updatedNanos);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(TokenBucketTest);
