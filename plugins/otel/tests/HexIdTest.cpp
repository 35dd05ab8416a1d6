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
    CPPUNIT_TEST(testEveryByteInEveryLane);
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

    /// The id check and conversion work eight digits at a time: every byte value, in each lane
    /// of both words of a span id and in a trace id, against the one-digit-at-a-time definition.
    void testEveryByteInEveryLane()
    {
        const std::string base = "0123456789abcdef";
        for (int value = 0; value < 256; ++value)
        {
            const char c = static_cast<char>(value);
            const bool lowerHex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
            for (std::size_t at = 0; at < 16; ++at)
            {
                std::string id = base;
                id[at] = c;
                CPPUNIT_ASSERT_EQUAL_MESSAGE(std::to_string(value) + " at " + std::to_string(at), lowerHex, isHexId(id, 16));
                const std::string trace = id + base;
                CPPUNIT_ASSERT_EQUAL(lowerHex, isHexId(trace, 32));
                if (!lowerHex && !((c >= 'A' && c <= 'F')))
                    continue;
                char out[16];
                CPPUNIT_ASSERT(writeHexBytes(out, trace) == out + 16);
                CPPUNIT_ASSERT_EQUAL(hexToBytes(trace), std::string(out, 16)); // uppercase too
            }
        }
        // All zero in the second word only, or the first only: valid; both: not.
        CPPUNIT_ASSERT(isHexId("00000000000000010000000000000000", 32));
        CPPUNIT_ASSERT(isHexId("00000000000000000000000000000001", 32));
        CPPUNIT_ASSERT(!isHexId("00000000000000000000000000000000", 32));
        // Lengths that are not a multiple of eight still work.
        CPPUNIT_ASSERT(isHexId("0a", 2));
        CPPUNIT_ASSERT(!isHexId("00", 2));
        char two[1];
        CPPUNIT_ASSERT(writeHexBytes(two, "a5") == two + 1 && two[0] == static_cast<char>(0xa5));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(HexIdTest);
