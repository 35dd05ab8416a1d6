// DeploymentState: the circuit breaker (failures within the window cool it, half-open with one
// probe, the probe's outcome, Retry-After), the rpm and tpm caps over the last minute, requests
// in flight and the moving average of the time to first byte. Time is passed in, so nothing
// here waits.

#include "routing/DeploymentState.h"
#include <cppunit/extensions/HelperMacros.h>

using namespace portico::openai;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = DeploymentState::Clock;

namespace {

/// allowed_fails 3 within 1 s, cooldown 5 s.
CooldownConfig breaker(int allowedFails = 3)
{
    CooldownConfig c;
    c.allowedFails = allowedFails;
    c.failureWindow = milliseconds(1000);
    c.cooldown = milliseconds(5000);
    return c;
}

/// Three failures 100 ms apart from `t0`: cooling from t0 + 200 ms to t0 + 5200 ms.
void coolDown(DeploymentState& state, Clock::time_point t0)
{
    state.failed(t0);
    state.failed(t0 + milliseconds(100));
    state.failed(t0 + milliseconds(200));
}

std::string healthAt(const DeploymentState& state, Clock::time_point t)
{
    return healthName(state.health(t));
}

} // namespace

class DeploymentStateTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(DeploymentStateTest);
    CPPUNIT_TEST(testHealthyAtFirst);
    CPPUNIT_TEST(testFailuresWithinTheWindowCool);
    CPPUNIT_TEST(testFailureOutsideTheWindowDoesNotCount);
    CPPUNIT_TEST(testAllowedFailsZeroNeverCools);
    CPPUNIT_TEST(testHalfOpenAdmitsExactlyOneProbe);
    CPPUNIT_TEST(testProbeSuccessHeals);
    CPPUNIT_TEST(testProbeFailureCoolsAgain);
    CPPUNIT_TEST(testAbandonedReleasesTheProbe);
    CPPUNIT_TEST(testOnlyTheProbeDecides);
    CPPUNIT_TEST(testRetryAfterCoolsAtLeastThatLong);
    CPPUNIT_TEST(testRetryAfterNeverShortensACooldown);
    CPPUNIT_TEST(testRpmCap);
    CPPUNIT_TEST(testRpmCapSlidesByTheSecond);
    CPPUNIT_TEST(testCappedProbeIsNotLeftTaken);
    CPPUNIT_TEST(testTpmCap);
    CPPUNIT_TEST(testInFlight);
    CPPUNIT_TEST(testLatencyMovingAverage);
    CPPUNIT_TEST_SUITE_END();

public:
    void testHealthyAtFirst()
    {
        DeploymentState state(breaker(), 0, 0);
        const auto now = Clock::now();
        CPPUNIT_ASSERT_EQUAL(std::string("healthy"), healthAt(state, now));
        CPPUNIT_ASSERT(state.coolingUntil() == Clock::time_point{});
        CPPUNIT_ASSERT(state.available(now));
        CPPUNIT_ASSERT_EQUAL(0, state.inFlight());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), state.latencyMicros());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), state.requestsLastMinute(now));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), state.tokensLastMinute(now));
        CPPUNIT_ASSERT_EQUAL(std::string("cooling"), std::string(healthName(Health::Cooling)));
        CPPUNIT_ASSERT_EQUAL(std::string("half_open"), std::string(healthName(Health::HalfOpen)));
    }

    void testFailuresWithinTheWindowCool()
    {
        DeploymentState state(breaker(), 0, 0);
        const auto t0 = Clock::now();
        state.failed(t0);
        state.failed(t0 + milliseconds(100));
        CPPUNIT_ASSERT_EQUAL(std::string("healthy"), healthAt(state, t0 + milliseconds(150)));
        CPPUNIT_ASSERT(state.available(t0 + milliseconds(150)));
        state.failed(t0 + milliseconds(200)); // the third within 1 s
        CPPUNIT_ASSERT_EQUAL(std::string("cooling"), healthAt(state, t0 + milliseconds(200)));
        CPPUNIT_ASSERT(state.coolingUntil() == t0 + milliseconds(5200));
        CPPUNIT_ASSERT(!state.available(t0 + milliseconds(300)));
        CPPUNIT_ASSERT(!state.claim(t0 + milliseconds(300)));
        CPPUNIT_ASSERT_EQUAL(0, state.inFlight()); // a refused claim counts nothing
        CPPUNIT_ASSERT_EQUAL(std::string("cooling"), healthAt(state, t0 + milliseconds(5199)));
        CPPUNIT_ASSERT(!state.available(t0 + milliseconds(5199)));
        CPPUNIT_ASSERT_EQUAL(std::string("half_open"), healthAt(state, t0 + milliseconds(5200)));
        CPPUNIT_ASSERT(state.available(t0 + milliseconds(5200)));
    }

    void testFailureOutsideTheWindowDoesNotCount()
    {
        DeploymentState state(breaker(), 0, 0);
        const auto t0 = Clock::now();
        state.failed(t0);
        state.failed(t0 + milliseconds(500));
        state.failed(t0 + milliseconds(1000)); // t0 is a full window ago: two count
        CPPUNIT_ASSERT_EQUAL(std::string("healthy"), healthAt(state, t0 + milliseconds(1000)));
        CPPUNIT_ASSERT(state.claim(t0 + milliseconds(1000)));
        state.finished(0);
        state.failed(t0 + milliseconds(1100)); // 500, 1000, 1100: three within 1 s
        CPPUNIT_ASSERT_EQUAL(std::string("cooling"), healthAt(state, t0 + milliseconds(1100)));
        CPPUNIT_ASSERT(state.coolingUntil() == t0 + milliseconds(6100));

        // Failures spread wider than the window never cool.
        DeploymentState sparse(breaker(), 0, 0);
        for (int i = 0; i < 20; ++i)
            sparse.failed(t0 + milliseconds(600 * i));
        CPPUNIT_ASSERT_EQUAL(std::string("healthy"), healthAt(sparse, t0 + milliseconds(600 * 20)));
    }

    void testAllowedFailsZeroNeverCools()
    {
        DeploymentState state(breaker(0), 0, 0);
        const auto t0 = Clock::now();
        for (int i = 0; i < 50; ++i)
            state.failed(t0 + milliseconds(i));
        CPPUNIT_ASSERT_EQUAL(std::string("healthy"), healthAt(state, t0 + milliseconds(50)));
        CPPUNIT_ASSERT(state.available(t0 + milliseconds(50)));
        // A Retry-After still cools it.
        state.failed(t0 + milliseconds(60), milliseconds(2000));
        CPPUNIT_ASSERT_EQUAL(std::string("cooling"), healthAt(state, t0 + milliseconds(61)));
        CPPUNIT_ASSERT(state.coolingUntil() == t0 + milliseconds(2060));
    }

    void testHalfOpenAdmitsExactlyOneProbe()
    {
        DeploymentState state(breaker(), 0, 0);
        const auto t0 = Clock::now();
        coolDown(state, t0);
        const auto open = t0 + milliseconds(5200);
        CPPUNIT_ASSERT(state.available(open));
        const Claim probe = state.claim(open);
        CPPUNIT_ASSERT(probe && probe.probe); // the probe
        CPPUNIT_ASSERT_EQUAL(1, state.inFlight());
        CPPUNIT_ASSERT_EQUAL(std::string("half_open"), healthAt(state, open));
        CPPUNIT_ASSERT(!state.available(open));
        for (int i = 0; i < 10; ++i)
            CPPUNIT_ASSERT(!state.claim(open + milliseconds(i)));
        CPPUNIT_ASSERT_EQUAL(1, state.inFlight());
    }

    void testProbeSuccessHeals()
    {
        DeploymentState state(breaker(), 0, 0);
        const auto t0 = Clock::now();
        coolDown(state, t0);
        const auto open = t0 + milliseconds(5200);
        CPPUNIT_ASSERT(state.claim(open).probe);
        state.succeeded(microseconds(800), true);
        state.finished(0);
        CPPUNIT_ASSERT_EQUAL(std::string("healthy"), healthAt(state, open));
        CPPUNIT_ASSERT(state.coolingUntil() == Clock::time_point{});
        CPPUNIT_ASSERT(!state.claim(open).probe); // healthy: no probe any more
        CPPUNIT_ASSERT(state.claim(open));
        CPPUNIT_ASSERT_EQUAL(2, state.inFlight());
        // The count of failures starts over: it takes three again.
        state.failed(open + milliseconds(10));
        state.failed(open + milliseconds(20));
        CPPUNIT_ASSERT_EQUAL(std::string("healthy"), healthAt(state, open + milliseconds(20)));
        state.failed(open + milliseconds(30));
        CPPUNIT_ASSERT_EQUAL(std::string("cooling"), healthAt(state, open + milliseconds(30)));
    }

    void testProbeFailureCoolsAgain()
    {
        DeploymentState state(breaker(), 0, 0);
        const auto t0 = Clock::now();
        coolDown(state, t0);
        const auto open = t0 + milliseconds(6000);
        CPPUNIT_ASSERT(state.claim(open).probe);
        state.failed(open, milliseconds(0), true); // one failure of the probe is enough
        state.finished(0);
        CPPUNIT_ASSERT_EQUAL(std::string("cooling"), healthAt(state, open));
        CPPUNIT_ASSERT(state.coolingUntil() == open + milliseconds(5000));
        CPPUNIT_ASSERT(!state.claim(open + milliseconds(4999)));
        // And half-open again after that, with a new probe.
        CPPUNIT_ASSERT_EQUAL(std::string("half_open"), healthAt(state, open + milliseconds(5000)));
        CPPUNIT_ASSERT(state.claim(open + milliseconds(5000)));
        CPPUNIT_ASSERT(!state.claim(open + milliseconds(5000)));
    }

    void testAbandonedReleasesTheProbe()
    {
        DeploymentState state(breaker(), 0, 0);
        const auto t0 = Clock::now();
        coolDown(state, t0);
        const auto open = t0 + milliseconds(5200);
        CPPUNIT_ASSERT(state.claim(open).probe);
        CPPUNIT_ASSERT(!state.available(open));
        state.abandoned(true); // the client left: no verdict
        state.finished(0);
        CPPUNIT_ASSERT_EQUAL(0, state.inFlight());
        CPPUNIT_ASSERT_EQUAL(std::string("half_open"), healthAt(state, open)); // not healed either
        CPPUNIT_ASSERT(state.available(open));
        CPPUNIT_ASSERT(state.claim(open));
        CPPUNIT_ASSERT(!state.claim(open));
    }

    void testOnlyTheProbeDecides()
    {
        // A request claimed before the cooldown ends after it began: it is no probe. Its
        // abandonment leaves the probe taken, its success heals nothing, its failure only counts.
        DeploymentState state(breaker(), 0, 0);
        const auto t0 = Clock::now();
        const Claim early = state.claim(t0);
        CPPUNIT_ASSERT(early && !early.probe);
        coolDown(state, t0);
        const auto open = t0 + milliseconds(5200);
        CPPUNIT_ASSERT(state.claim(open).probe);
        state.abandoned(early.probe);
        CPPUNIT_ASSERT(!state.claim(open)); // still one probe at a time
        state.succeeded(microseconds(100), early.probe);
        CPPUNIT_ASSERT_EQUAL(std::string("half_open"), healthAt(state, open));
        state.failed(open, milliseconds(0), early.probe);
        CPPUNIT_ASSERT_EQUAL(std::string("half_open"), healthAt(state, open)); // no new cooldown
        state.succeeded(microseconds(100), true); // the probe's own verdict
        CPPUNIT_ASSERT_EQUAL(std::string("healthy"), healthAt(state, open));
    }

    void testRetryAfterCoolsAtLeastThatLong()
    {
        DeploymentState state(breaker(), 0, 0);
        const auto t0 = Clock::now();
        // One 429 with Retry-After: 10 s cools at once, though allowed_fails is 3.
        state.failed(t0, milliseconds(10000));
        CPPUNIT_ASSERT_EQUAL(std::string("cooling"), healthAt(state, t0 + milliseconds(9999)));
        CPPUNIT_ASSERT(state.coolingUntil() == t0 + milliseconds(10000));
        CPPUNIT_ASSERT_EQUAL(std::string("half_open"), healthAt(state, t0 + milliseconds(10000)));

        // A Retry-After longer than the cooldown on the failure that trips the breaker wins.
        DeploymentState tripped(breaker(), 0, 0);
        tripped.failed(t0);
        tripped.failed(t0 + milliseconds(10));
        tripped.failed(t0 + milliseconds(20), milliseconds(8000));
        CPPUNIT_ASSERT(tripped.coolingUntil() == t0 + milliseconds(8020));
        // A shorter one: the cooldown wins.
        DeploymentState shorter(breaker(), 0, 0);
        shorter.failed(t0);
        shorter.failed(t0 + milliseconds(10));
        shorter.failed(t0 + milliseconds(20), milliseconds(1000));
        CPPUNIT_ASSERT(shorter.coolingUntil() == t0 + milliseconds(5020));
        // The probe failing with a Retry-After longer than the cooldown.
        DeploymentState probe(breaker(), 0, 0);
        coolDown(probe, t0);
        CPPUNIT_ASSERT(probe.claim(t0 + milliseconds(5200)));
        probe.failed(t0 + milliseconds(5200), milliseconds(20000));
        CPPUNIT_ASSERT(probe.coolingUntil() == t0 + milliseconds(25200));
    }

    void testRetryAfterNeverShortensACooldown()
    {
        DeploymentState state(breaker(), 0, 0);
        const auto t0 = Clock::now();
        state.failed(t0, milliseconds(30000));
        state.failed(t0 + milliseconds(1), milliseconds(1000));
        CPPUNIT_ASSERT(state.coolingUntil() == t0 + milliseconds(30000));
        CPPUNIT_ASSERT_EQUAL(std::string("cooling"), healthAt(state, t0 + milliseconds(20000)));
    }

    void testRpmCap()
    {
        DeploymentState state(breaker(), 3, 0);
        const auto t0 = Clock::now();
        CPPUNIT_ASSERT(state.claim(t0));
        CPPUNIT_ASSERT(state.claim(t0));
        CPPUNIT_ASSERT(state.available(t0));
        CPPUNIT_ASSERT(state.claim(t0));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), state.requestsLastMinute(t0));
        CPPUNIT_ASSERT(!state.available(t0));
        CPPUNIT_ASSERT(!state.claim(t0)); // the fourth in the minute
        CPPUNIT_ASSERT_EQUAL(3, state.inFlight());
        // Finishing does not give the minute back: rpm counts requests begun.
        state.finished(0);
        state.finished(0);
        state.finished(0);
        CPPUNIT_ASSERT(!state.claim(t0 + seconds(30)));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), state.requestsLastMinute(t0 + seconds(30)));
        // A minute later they have aged out.
        CPPUNIT_ASSERT(state.available(t0 + seconds(61)));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), state.requestsLastMinute(t0 + seconds(61)));
        CPPUNIT_ASSERT(state.claim(t0 + seconds(61)));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), state.requestsLastMinute(t0 + seconds(61)));
    }

    void testRpmCapSlidesByTheSecond()
    {
        DeploymentState state(breaker(), 3, 0);
        const auto t0 = Clock::now();
        CPPUNIT_ASSERT(state.claim(t0));
        CPPUNIT_ASSERT(state.claim(t0 + seconds(10)));
        CPPUNIT_ASSERT(state.claim(t0 + seconds(20)));
        CPPUNIT_ASSERT(!state.claim(t0 + seconds(40)));
        // At t0 + 61 s only the first has aged out: one more fits, not two.
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), state.requestsLastMinute(t0 + seconds(61)));
        CPPUNIT_ASSERT(state.claim(t0 + seconds(61)));
        CPPUNIT_ASSERT(!state.claim(t0 + seconds(61)));
    }

    void testCappedProbeIsNotLeftTaken()
    {
        // rpm 1: the probe's claim in the same minute is refused by the cap; it must not keep
        // the probe slot, so the next minute's claim gets it.
        DeploymentState state(breaker(), 1, 0);
        const auto t0 = Clock::now();
        CPPUNIT_ASSERT(state.claim(t0));
        state.finished(0);
        coolDown(state, t0);
        const auto open = t0 + milliseconds(5200);
        CPPUNIT_ASSERT_EQUAL(std::string("half_open"), healthAt(state, open));
        CPPUNIT_ASSERT(!state.available(open));
        CPPUNIT_ASSERT(!state.claim(open));
        CPPUNIT_ASSERT(state.available(t0 + seconds(61)));
        CPPUNIT_ASSERT(state.claim(t0 + seconds(61)));
        CPPUNIT_ASSERT(!state.claim(t0 + seconds(61))); // it was the probe
    }

    void testTpmCap()
    {
        // finished() counts tokens at the real clock's second, so this test uses Clock::now().
        DeploymentState state(breaker(), 0, 100);
        CPPUNIT_ASSERT(state.claim(Clock::now()));
        state.finished(60);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(60), state.tokensLastMinute(Clock::now()));
        CPPUNIT_ASSERT(state.available(Clock::now()));
        CPPUNIT_ASSERT(state.claim(Clock::now()));
        state.finished(0); // nothing counted
        CPPUNIT_ASSERT(state.claim(Clock::now()));
        state.finished(50);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(110), state.tokensLastMinute(Clock::now()));
        CPPUNIT_ASSERT(!state.available(Clock::now()));
        CPPUNIT_ASSERT(!state.claim(Clock::now()));
        CPPUNIT_ASSERT_EQUAL(0, state.inFlight());
        // A minute on, the tokens have aged out.
        CPPUNIT_ASSERT(state.available(Clock::now() + seconds(61)));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), state.tokensLastMinute(Clock::now() + seconds(61)));

        // Without a tpm cap, tokens are not counted at all.
        DeploymentState uncapped(breaker(), 0, 0);
        CPPUNIT_ASSERT(uncapped.claim(Clock::now()));
        uncapped.finished(1000000);
        CPPUNIT_ASSERT(uncapped.available(Clock::now()));
    }

    void testInFlight()
    {
        DeploymentState state(breaker(), 0, 0);
        const auto t0 = Clock::now();
        CPPUNIT_ASSERT(state.claim(t0));
        CPPUNIT_ASSERT(state.claim(t0));
        CPPUNIT_ASSERT(state.claim(t0));
        CPPUNIT_ASSERT_EQUAL(3, state.inFlight());
        state.succeeded(microseconds(100));
        state.finished(10);
        CPPUNIT_ASSERT_EQUAL(2, state.inFlight());
        state.failed(t0);
        state.finished(0);
        state.abandoned();
        state.finished(0);
        CPPUNIT_ASSERT_EQUAL(0, state.inFlight());
        // available() has no side effect.
        CPPUNIT_ASSERT(state.available(t0));
        CPPUNIT_ASSERT_EQUAL(0, state.inFlight());
    }

    void testLatencyMovingAverage()
    {
        DeploymentState state(breaker(), 0, 0);
        state.succeeded(microseconds(1000)); // the first sample is the average
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1000), state.latencyMicros());
        state.succeeded(microseconds(1800)); // + (1800 - 1000) / 8
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1100), state.latencyMicros());
        state.succeeded(microseconds(300)); // + (300 - 1100) / 8
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1000), state.latencyMicros());
        for (int i = 0; i < 200; ++i)
            state.succeeded(microseconds(5000));
        CPPUNIT_ASSERT(state.latencyMicros() > 4990 && state.latencyMicros() <= 5000);
        // Failures do not move it.
        state.failed(Clock::now());
        CPPUNIT_ASSERT(state.latencyMicros() > 4990 && state.latencyMicros() <= 5000);

        // A zero sample counts as 1 µs, so that a measured deployment never reads as unmeasured.
        DeploymentState fast(breaker(), 0, 0);
        fast.succeeded(microseconds(0));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), fast.latencyMicros());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(DeploymentStateTest);
