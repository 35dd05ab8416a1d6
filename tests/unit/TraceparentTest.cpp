// Traceparent: W3C trace-context parsing (valid, malformed, future versions), formatting, and
// the id generators.

#include "portico/Traceparent.h"
#include <cppunit/extensions/HelperMacros.h>
#include <set>

using portico::Traceparent;

namespace {

const std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736";
const std::string parent = "00f067aa0ba902b7";

bool lowerHex(const std::string& s, std::size_t length)
{
    return s.size() == length && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

} // namespace

class TraceparentTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(TraceparentTest);
    CPPUNIT_TEST(testParsesAValidHeader);
    CPPUNIT_TEST(testSampledFlag);
    CPPUNIT_TEST(testRejectsMalformedHeaders);
    CPPUNIT_TEST(testFutureVersions);
    CPPUNIT_TEST(testFormatRoundTrips);
    CPPUNIT_TEST(testNewTraceIds);
    CPPUNIT_TEST(testNewSpanIds);
    CPPUNIT_TEST_SUITE_END();

public:
    void testParsesAValidHeader()
    {
        const auto parsed = Traceparent::parse("00-" + trace + "-" + parent + "-01");
        CPPUNIT_ASSERT(parsed.has_value());
        CPPUNIT_ASSERT_EQUAL(trace, parsed->traceId);
        CPPUNIT_ASSERT_EQUAL(parent, parsed->parentId);
        CPPUNIT_ASSERT(parsed->sampled);
    }

    void testSampledFlag()
    {
        CPPUNIT_ASSERT(!Traceparent::parse("00-" + trace + "-" + parent + "-00")->sampled);
        CPPUNIT_ASSERT(Traceparent::parse("00-" + trace + "-" + parent + "-03")->sampled);
        CPPUNIT_ASSERT(!Traceparent::parse("00-" + trace + "-" + parent + "-02")->sampled);
    }

    void testRejectsMalformedHeaders()
    {
        const std::string upper = "4BF92F3577B34DA6A3CE929D0E0E4736";
        const std::string bad[] = {
            "",
            "garbage",
            "00-" + upper + "-" + parent + "-01",                    // uppercase hex
            "00-" + trace.substr(1) + "-" + parent + "-01",          // trace id too short
            "00-" + trace + "-" + parent.substr(1) + "-01",          // parent id too short
            "00-" + trace + "-" + parent + "-01-extra",              // version 00 has 4 fields
            "00-" + trace + "-" + parent + "-1",                     // flags too short
            "00_" + trace + "_" + parent + "_01",                    // wrong separators
            "00-" + std::string(32, '0') + "-" + parent + "-01",     // all-zero trace id
            "00-" + trace + "-" + std::string(16, '0') + "-01",      // all-zero parent id
            "ff-" + trace + "-" + parent + "-01",                    // version ff is invalid
            "0g-" + trace + "-" + parent + "-01",                    // not hex
            "00-" + trace.substr(0, 31) + "z-" + parent + "-01",     // not hex
            " 00-" + trace + "-" + parent + "-01",                   // leading space
        };
        for (const auto& header : bad)
            CPPUNIT_ASSERT_MESSAGE("accepted '" + header + "'", !Traceparent::parse(header).has_value());
    }

    void testFutureVersions()
    {
        // A later version is read by its first four fields; anything after must start with '-'.
        const auto later = Traceparent::parse("cc-" + trace + "-" + parent + "-01-what-the-future-holds");
        CPPUNIT_ASSERT(later.has_value());
        CPPUNIT_ASSERT_EQUAL(trace, later->traceId);
        CPPUNIT_ASSERT(Traceparent::parse("01-" + trace + "-" + parent + "-00").has_value());
        CPPUNIT_ASSERT(!Traceparent::parse("cc-" + trace + "-" + parent + "-01x").has_value());
    }

    void testFormatRoundTrips()
    {
        const Traceparent sampled{trace, parent, true};
        CPPUNIT_ASSERT_EQUAL("00-" + trace + "-" + parent + "-01", sampled.format());
        const Traceparent unsampled{trace, parent, false};
        CPPUNIT_ASSERT_EQUAL("00-" + trace + "-" + parent + "-00", unsampled.format());
        const auto back = Traceparent::parse(unsampled.format());
        CPPUNIT_ASSERT(back && back->traceId == trace && back->parentId == parent && !back->sampled);
    }

    void testNewTraceIds()
    {
        std::set<std::string> seen;
        for (int i = 0; i < 2000; ++i)
        {
            const std::string id = portico::newTraceId();
            CPPUNIT_ASSERT_MESSAGE(id, lowerHex(id, 32));
            CPPUNIT_ASSERT(id != std::string(32, '0'));
            seen.insert(id);
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t(2000), seen.size());
        // A generated id makes a traceparent that parses.
        CPPUNIT_ASSERT(Traceparent::parse(Traceparent{portico::newTraceId(), portico::newSpanId(), true}.format()));
    }

    void testNewSpanIds()
    {
        std::set<std::string> seen;
        for (int i = 0; i < 2000; ++i)
        {
            const std::string id = portico::newSpanId();
            CPPUNIT_ASSERT_MESSAGE(id, lowerHex(id, 16));
            seen.insert(id);
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t(2000), seen.size());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(TraceparentTest);
