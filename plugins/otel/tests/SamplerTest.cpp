// Sampler: always_on/off, the trace-id ratio over the id's lower 8 bytes (deterministic, and
// close to the ratio over many ids), and parent-based decisions following the parent's flag.

#include "Sampler.h"
#include "portico/Traceparent.h"
#include <cppunit/extensions/HelperMacros.h>

using portico::otel::Sampler;

class SamplerTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(SamplerTest);
    CPPUNIT_TEST(testAlwaysOnAndOff);
    CPPUNIT_TEST(testRatioUsesTheLowerEightBytes);
    CPPUNIT_TEST(testRatioOverManyIds);
    CPPUNIT_TEST(testParentBased);
    CPPUNIT_TEST(testUnknownName);
    CPPUNIT_TEST_SUITE_END();

public:
    void testAlwaysOnAndOff()
    {
        const std::string id = portico::newTraceId();
        CPPUNIT_ASSERT(Sampler::fromName("always_on", 1)->sample(id, std::nullopt));
        CPPUNIT_ASSERT(!Sampler::fromName("always_off", 1)->sample(id, std::nullopt));
        // Not parent-based: the parent's flag does not matter.
        CPPUNIT_ASSERT(Sampler::fromName("always_on", 1)->sample(id, false));
        CPPUNIT_ASSERT(!Sampler::fromName("always_off", 1)->sample(id, true));
    }

    void testRatioUsesTheLowerEightBytes()
    {
        const auto half = *Sampler::fromName("traceidratio", 0.5);
        // The upper 16 hex digits do not matter; the lower 16 decide (below 2^63: sampled).
        CPPUNIT_ASSERT(half.sample("ffffffffffffffff7fffffffffffffff", std::nullopt));
        CPPUNIT_ASSERT(!half.sample("00000000000000008000000000000001", std::nullopt));
        CPPUNIT_ASSERT(half.sample("00000000000000000000000000000001", std::nullopt));
        CPPUNIT_ASSERT(Sampler::fromName("traceidratio", 1.0)->sample("0000000000000000ffffffffffffffff", std::nullopt));
        CPPUNIT_ASSERT(!Sampler::fromName("traceidratio", 0.0)->sample("00000000000000000000000000000001", std::nullopt));
    }

    void testRatioOverManyIds()
    {
        const auto tenth = *Sampler::fromName("traceidratio", 0.1);
        int sampled = 0;
        for (int i = 0; i < 20000; ++i)
            sampled += tenth.sample(portico::newTraceId(), std::nullopt) ? 1 : 0;
        CPPUNIT_ASSERT_MESSAGE(std::to_string(sampled), sampled > 1600 && sampled < 2400);
        // The same id gets the same decision every time.
        const std::string id = portico::newTraceId();
        const bool first = tenth.sample(id, std::nullopt);
        for (int i = 0; i < 10; ++i)
            CPPUNIT_ASSERT_EQUAL(first, tenth.sample(id, std::nullopt));
    }

    void testParentBased()
    {
        const auto off = *Sampler::fromName("parentbased_always_off", 1);
        const auto on = *Sampler::fromName("parentbased_always_on", 1);
        const std::string id = portico::newTraceId();
        CPPUNIT_ASSERT(off.sample(id, true));   // a sampled parent is followed
        CPPUNIT_ASSERT(!on.sample(id, false));  // so is an unsampled one
        CPPUNIT_ASSERT(!off.sample(id, std::nullopt)); // a root: the root sampler
        CPPUNIT_ASSERT(on.sample(id, std::nullopt));
        const auto ratio = *Sampler::fromName("parentbased_traceidratio", 0.0);
        CPPUNIT_ASSERT(ratio.sample(id, true));
        CPPUNIT_ASSERT(!ratio.sample(id, std::nullopt));
    }

    void testUnknownName()
    {
        CPPUNIT_ASSERT(!Sampler::fromName("sometimes", 1));
        CPPUNIT_ASSERT(!Sampler::fromName("parentbased_", 1));
        CPPUNIT_ASSERT(!Sampler::fromName("jaeger_remote", 1));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SamplerTest);
