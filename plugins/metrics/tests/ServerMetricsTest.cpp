// ServerMetrics (core): the server's counts copied into the process-wide registry
// (portico_http_connections_refused_total, the timeouts, the worker gauges), by its own thread
// and on demand.

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

std::string exposition(prometheus::Registry& registry)
{
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, registry.Collect());
    return out.str();
}

double refusedTotal(prometheus::Registry& registry)
{
    return mt::sampleValue(exposition(registry), "portico_http_connections_refused_total");
}

/// A snapshot source whose refused count the test sets.
std::function<portico::ServerSnapshot()> refusedSource(std::atomic<int>& refused)
{
    return [&refused] {
        portico::ServerSnapshot snapshot;
        snapshot.refusedConnections = static_cast<std::uint64_t>(refused.load());
        return snapshot;
    };
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
    CPPUNIT_TEST(testEveryFigureIsExported);
    CPPUNIT_TEST_SUITE_END();

public:
    void testFollowsTheSourcePeriodically()
    {
        prometheus::Registry registry;
        std::atomic<int> refused{0};
        portico::ServerMetrics metrics(registry, refusedSource(refused), std::chrono::milliseconds(10));
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
            portico::ServerMetrics metrics(registry, refusedSource(refused), std::chrono::hours(1));
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
            portico::ServerMetrics metrics(registry, refusedSource(first), std::chrono::hours(1));
        }
        std::atomic<int> second{1};
        portico::ServerMetrics metrics(registry, refusedSource(second), std::chrono::hours(1));
        metrics.update();
        CPPUNIT_ASSERT_EQUAL(5.0, refusedTotal(registry));
    }
    void testEveryFigureIsExported()
    {
        prometheus::Registry registry;
        portico::ServerSnapshot now;
        now.connections = 11;
        now.streams = 10;
        now.headTimeouts = 2;
        now.bodyTimeouts = 3;
        now.sendTimeouts = 4;
        now.streamsCut = 5;
        now.responseFieldsDropped = 9;
        now.workers = 6;
        now.workersBusy = 1;
        now.workerQueue = 7;
        now.workerQueueRefused = 8;
        portico::ServerMetrics metrics(registry, [&] { return now; }, std::chrono::hours(1));
        metrics.update();
        const std::string text = exposition(registry);
        CPPUNIT_ASSERT_EQUAL(11.0, mt::sampleValue(text, "portico_http_connections"));
        CPPUNIT_ASSERT_EQUAL(10.0, mt::sampleValue(text, "portico_http_streams"));
        CPPUNIT_ASSERT_EQUAL(2.0, mt::sampleValue(text, "portico_http_timeouts_total{phase=\"head\"}"));
        CPPUNIT_ASSERT_EQUAL(3.0, mt::sampleValue(text, "portico_http_timeouts_total{phase=\"body\"}"));
        CPPUNIT_ASSERT_EQUAL(4.0, mt::sampleValue(text, "portico_http_timeouts_total{phase=\"send\"}"));
        CPPUNIT_ASSERT_EQUAL(5.0, mt::sampleValue(text, "portico_http_streams_cut_total"));
        CPPUNIT_ASSERT_EQUAL(9.0, mt::sampleValue(text, "portico_http_response_fields_dropped_total"));
        CPPUNIT_ASSERT_EQUAL(6.0, mt::sampleValue(text, "portico_workers"));
        CPPUNIT_ASSERT_EQUAL(1.0, mt::sampleValue(text, "portico_workers_busy"));
        CPPUNIT_ASSERT_EQUAL(7.0, mt::sampleValue(text, "portico_worker_queue"));
        CPPUNIT_ASSERT_EQUAL(8.0, mt::sampleValue(text, "portico_worker_queue_refused_total"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ServerMetricsTest);
