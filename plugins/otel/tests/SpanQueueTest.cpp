// SpanQueue: all-or-none pushes bounded by the capacity in spans, takes that swap the whole
// buffer when it is at most a batch and otherwise cut at a request's boundary (never more than
// a batch, but at least one request), and close().

#include "SpanQueue.h"
#include <cppunit/extensions/HelperMacros.h>

using portico::otel::SpanBatch;
using portico::otel::SpanQueue;

namespace {
constexpr std::chrono::milliseconds Now{0};
}

class SpanQueueTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(SpanQueueTest);
    CPPUNIT_TEST(testCapacityRefusesWholeRequests);
    CPPUNIT_TEST(testTakeCutsAtARequestsBoundary);
    CPPUNIT_TEST(testARequestLargerThanABatchGoesWhole);
    CPPUNIT_TEST(testBuffersAreReused);
    CPPUNIT_TEST(testClose);
    CPPUNIT_TEST_SUITE_END();

public:
    void testCapacityRefusesWholeRequests()
    {
        SpanQueue queue(4, 8);
        CPPUNIT_ASSERT(queue.push("a", 1));
        CPPUNIT_ASSERT(queue.push("bb", 2));
        CPPUNIT_ASSERT(!queue.push("ccc", 3)); // 6 > 4: none of the three goes in
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), queue.size());
        CPPUNIT_ASSERT(queue.push("d", 1));
        CPPUNIT_ASSERT(!queue.push("e", 1));
        SpanBatch batch;
        queue.take(Now, batch);
        CPPUNIT_ASSERT_EQUAL(std::string("abbd"), batch.framed);
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), batch.count);
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), queue.size());
    }

    void testTakeCutsAtARequestsBoundary()
    {
        SpanQueue queue(16, 3);
        CPPUNIT_ASSERT(queue.push("a", 1));
        CPPUNIT_ASSERT(queue.push("bb", 2));
        CPPUNIT_ASSERT(queue.push("cc", 2)); // would make 5: waits for the next batch
        CPPUNIT_ASSERT(queue.push("d", 1));
        SpanBatch batch;
        queue.take(Now, batch);
        CPPUNIT_ASSERT_EQUAL(std::string("abb"), batch.framed);
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), batch.count);
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), queue.size());
        queue.take(Now, batch);
        CPPUNIT_ASSERT_EQUAL(std::string("ccd"), batch.framed);
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), batch.count);
        queue.take(Now, batch);
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), batch.count);
        CPPUNIT_ASSERT(batch.framed.empty());
    }

    void testARequestLargerThanABatchGoesWhole()
    {
        SpanQueue queue(16, 2);
        CPPUNIT_ASSERT(queue.push("xyz", 3));
        CPPUNIT_ASSERT(queue.push("w", 1));
        SpanBatch batch;
        queue.take(Now, batch);
        CPPUNIT_ASSERT_EQUAL(std::string("xyz"), batch.framed);
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), batch.count);
        queue.take(Now, batch);
        CPPUNIT_ASSERT_EQUAL(std::string("w"), batch.framed);
    }

    void testBuffersAreReused()
    {
        SpanQueue queue(1024, 512);
        const std::string span(200, 's');
        SpanBatch batch;
        for (int round = 0; round < 3; ++round)
        {
            for (int i = 0; i < 100; ++i)
                CPPUNIT_ASSERT(queue.push(span, 1));
            queue.take(Now, batch);
            CPPUNIT_ASSERT_EQUAL(std::size_t(100), batch.count);
            CPPUNIT_ASSERT_EQUAL(std::size_t(20000), batch.framed.size());
        }
        // After the first two rounds both buffers have a batch's capacity: the third round's
        // pushes and take grew neither (the swap hands the exporter's buffer back).
        CPPUNIT_ASSERT(batch.framed.capacity() >= 20000);
        const char* const before = batch.framed.data();
        for (int i = 0; i < 100; ++i)
            CPPUNIT_ASSERT(queue.push(span, 1));
        queue.take(Now, batch);
        for (int i = 0; i < 100; ++i)
            CPPUNIT_ASSERT(queue.push(span, 1));
        queue.take(Now, batch);
        CPPUNIT_ASSERT(batch.framed.data() == before);
    }

    void testClose()
    {
        SpanQueue queue(8, 4);
        CPPUNIT_ASSERT(queue.push("a", 1));
        queue.close();
        CPPUNIT_ASSERT(queue.closed());
        CPPUNIT_ASSERT(!queue.push("b", 1));
        SpanBatch batch;
        const auto started = std::chrono::steady_clock::now();
        queue.take(std::chrono::seconds(30), batch); // closed: does not wait
        CPPUNIT_ASSERT(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
        CPPUNIT_ASSERT_EQUAL(std::string("a"), batch.framed);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SpanQueueTest);
