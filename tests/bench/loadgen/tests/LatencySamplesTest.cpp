// LatencySamples: nearest-rank percentiles over merged samples.

#include "LatencySamples.h"
#include <cppunit/extensions/HelperMacros.h>

using portico::loadgen::LatencySamples;
using std::chrono::microseconds;

class LatencySamplesTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(LatencySamplesTest);
    CPPUNIT_TEST(testNearestRank);
    CPPUNIT_TEST(testEmpty);
    CPPUNIT_TEST_SUITE_END();

public:
    void testNearestRank()
    {
        LatencySamples a, b;
        for (int i = 100; i >= 51; --i)
            a.add(microseconds(i * 1000));
        for (int i = 1; i <= 50; ++i)
            b.add(microseconds(i * 1000));
        a.merge(b);
        a.finish();
        CPPUNIT_ASSERT_EQUAL(std::size_t(100), a.count());
        CPPUNIT_ASSERT_DOUBLES_EQUAL(50.0, a.percentileMs(0.5), 1e-9);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(90.0, a.percentileMs(0.9), 1e-9);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(99.0, a.percentileMs(0.99), 1e-9);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(100.0, a.percentileMs(0.999), 1e-9);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(100.0, a.maxMs(), 1e-9);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1.0, a.percentileMs(0.0), 1e-9);
    }

    void testEmpty()
    {
        LatencySamples none;
        none.finish();
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.0, none.percentileMs(0.99), 1e-9);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(LatencySamplesTest);
