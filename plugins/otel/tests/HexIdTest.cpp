// HexId: the W3C id check (lowercase hex of the exact length, not all zero), ids written as
// bytes, hexToBytes refusing what is not hex, and the sampler's lower eight bytes.

#include "HexId.h"
#include <cppunit/extensions/HelperMacros.h>

using namespace portico::otel;

class HexIdTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(HexIdTest);
    CPPUNIT_TEST(testIsHexId);
    CPPUNIT_TEST(testBytes);
    CPPUNIT_TEST_SUITE_END();

public:
    void testIsHexId()
    {
        CPPUNIT_ASSERT(isHexId("00f067aa0ba902b7", 16));
        CPPUNIT_ASSERT(isHexId("4bf92f3577b34da6a3ce929d0e0e4736", 32));
        CPPUNIT_ASSERT(!isHexId("00f067aa0ba902b7", 32));        // the wrong length
        CPPUNIT_ASSERT(!isHexId("00F067AA0BA902B7", 16));        // uppercase: not the W3C form
        CPPUNIT_ASSERT(!isHexId("00f067aa0ba902bZ", 16));        // not a digit
        CPPUNIT_ASSERT(!isHexId(std::string_view("00f067aa0ba902b\0", 16), 16));
        CPPUNIT_ASSERT(!isHexId("0000000000000000", 16));        // all zero is invalid
        CPPUNIT_ASSERT(isHexId("0000000000000001", 16));
        CPPUNIT_ASSERT(!isHexId("", 0));
    }

    void testBytes()
    {
        char out[8];
        const std::string_view hex = "00f067aa0ba902b7";
        CPPUNIT_ASSERT(writeHexBytes(out, hex) == out + 8);
        CPPUNIT_ASSERT_EQUAL(std::string("\x00\xf0\x67\xaa\x0b\xa9\x02\xb7", 8), std::string(out, 8));
        CPPUNIT_ASSERT_EQUAL(std::string(out, 8), hexToBytes(hex));
        CPPUNIT_ASSERT_EQUAL(std::string("\xAB", 1), hexToBytes("Ab"));
        CPPUNIT_ASSERT(hexToBytes("0g").empty());
        CPPUNIT_ASSERT(hexToBytes("abc").empty());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(0x7fffffffffffffffULL), lowerEightBytes("ffffffffffffffff7fffffffffffffff"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(HexIdTest);
