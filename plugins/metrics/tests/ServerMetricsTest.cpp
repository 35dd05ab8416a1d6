// ServerMetrics (core): Poco's refused-connection count copied into
// portico_http_connections_refused_total, by its own thread and on demand.

#include "MetricsTesting.h"
#include "http/ServerMetrics.h"
#include <cppunit/extensions/HelperMacros.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <atomic>
#include <chrono>
#include <sstream>
#include <thread>

namespace mt = portico::metrics::test;

namespace {

double refusedTotal(prometheus::Registry& registry)
{
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, registry.Collect());
    return mt::sampleValue(out.str(), "portico_http_connections_refused_total");
}

bool waitFor(prometheus::Registry& registry, double value)
{
    for (int i = 0; i < 200; ++i)
    {
        if (refusedTotal(registry) == value)
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

} // namespace

class ServerMetricsTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ServerMetricsTest);
    CPPUNIT_TEST(testFollowsTheSourcePeriodically);
    CPPUNIT_TEST(testUpdateAndFinalReading);
    CPPUNIT_TEST(testASecondServerAddsToTheSameCounter);
    CPPUNIT_TEST_SUITE_END();

public:
    void testFollowsTheSourcePeriodically()
    {
        prometheus::Registry registry;
        std::atomic<int> refused{0};
        portico::ServerMetrics metrics(registry, [&] { return refused.load(); }, std::chrono::milliseconds(10));
        CPPUNIT_ASSERT_EQUAL(0.0, refusedTotal(registry));
        refused = 3;
        CPPUNIT_ASSERT(waitFor(registry, 3));
        refused = 7;
        CPPUNIT_ASSERT(waitFor(registry, 7));
    }

    void testUpdateAndFinalReading()
    {
        prometheus::Registry registry;
        std::atomic<int> refused{0};
        {
            portico::ServerMetrics metrics(registry, [&] { return refused.load(); }, std::chrono::hours(1));
            refused = 2;
            metrics.update();
            CPPUNIT_ASSERT_EQUAL(2.0, refusedTotal(registry));
            refused = 5;
        }
        // The destructor took a last reading.
        CPPUNIT_ASSERT_EQUAL(5.0, refusedTotal(registry));
    }

    void testASecondServerAddsToTheSameCounter()
    {
        prometheus::Registry registry;
        std::atomic<int> first{4};
        {
            portico::ServerMetrics metrics(registry, [&] { return first.load(); }, std::chrono::hours(1));
        }
        std::atomic<int> second{1};
        portico::ServerMetrics metrics(registry, [&] { return second.load(); }, std::chrono::hours(1));
        metrics.update();
        CPPUNIT_ASSERT_EQUAL(5.0, refusedTotal(registry));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ServerMetricsTest);
