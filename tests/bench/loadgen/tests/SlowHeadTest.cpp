// SlowHead: the slowloris schedule (a line at once, then one per interval, never the blank line).

#include "SlowHead.h"
#include <cppunit/extensions/HelperMacros.h>

using portico::loadgen::SlowHead;
using std::chrono::milliseconds;
using std::chrono::seconds;

class SlowHeadTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(SlowHeadTest);
    CPPUNIT_TEST(testOneLineAtOnceThenOnePerInterval);
    CPPUNIT_TEST(testLinesNeverEndTheHead);
    CPPUNIT_TEST(testSilentAfterMaxLines);
    CPPUNIT_TEST_SUITE_END();

public:
    void testOneLineAtOnceThenOnePerInterval()
    {
        const SlowHead head("/healthz", "127.0.0.1:8000", seconds(1));
        CPPUNIT_ASSERT_EQUAL(0, head.linesDue(milliseconds(-1)));
        CPPUNIT_ASSERT_EQUAL(1, head.linesDue(milliseconds(0)));
        CPPUNIT_ASSERT_EQUAL(1, head.linesDue(milliseconds(999)));
        CPPUNIT_ASSERT_EQUAL(2, head.linesDue(milliseconds(1000)));
        CPPUNIT_ASSERT_EQUAL(11, head.linesDue(milliseconds(10500)));
        CPPUNIT_ASSERT(head.dueAt(0) == seconds(0));
        CPPUNIT_ASSERT(head.dueAt(10) == seconds(10));
        const SlowHead fast("/", "h:1", milliseconds(250));
        CPPUNIT_ASSERT_EQUAL(5, fast.linesDue(milliseconds(1000)));
    }

    void testLinesNeverEndTheHead()
    {
        const SlowHead head("/healthz", "127.0.0.1:8000", seconds(1));
        CPPUNIT_ASSERT_EQUAL(std::string("GET /healthz HTTP/1.1\r\n"), head.line(0));
        CPPUNIT_ASSERT_EQUAL(std::string("Host: 127.0.0.1:8000\r\n"), head.line(1));
        CPPUNIT_ASSERT_EQUAL(std::string("X-Slow-1: 1\r\n"), head.line(2));
        std::string all;
        for (int k = 0; k < head.maxLines(); ++k)
            all += head.line(k);
        CPPUNIT_ASSERT(all.find("\r\n\r\n") == std::string::npos);
        CPPUNIT_ASSERT(all.size() > 2 && all.compare(all.size() - 2, 2, "\r\n") == 0);
    }

    void testSilentAfterMaxLines()
    {
        const SlowHead head("/healthz", "127.0.0.1:8000", seconds(1), 5);
        CPPUNIT_ASSERT_EQUAL(5, head.linesDue(seconds(4)));
        CPPUNIT_ASSERT_EQUAL(5, head.linesDue(seconds(3600)));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SlowHeadTest);
