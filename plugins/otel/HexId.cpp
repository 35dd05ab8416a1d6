#include "HexId.h"
#include <cstring>

namespace portico::otel {

namespace {

/// Each byte's value as a hex digit, -1 for a non-digit: a table, not a chain of branches
/// (every sampled request converts three ids).
struct NibbleTable
{
    signed char value[256];
    /// The same with 0 for a non-digit: for writing ids already checked, without a branch.
    unsigned char orZero[256];
    /// For checking ids, lowercase only (the W3C form): a lowercase digit's value, 0x40 for any
    /// other byte, so that ORing them over an id tells both "all digits" and "not all zero".
    unsigned char lowerOrFlag[256];
    constexpr NibbleTable() : value(), orZero(), lowerOrFlag()
    {
        for (int i = 0; i < 256; ++i)
            value[i] = -1;
        for (int i = 0; i < 10; ++i)
            value['0' + i] = static_cast<signed char>(i);
        for (int i = 0; i < 6; ++i)
        {
            value['a' + i] = static_cast<signed char>(10 + i);
            value['A' + i] = static_cast<signed char>(10 + i);
        }
        for (int i = 0; i < 256; ++i)
        {
            orZero[i] = static_cast<unsigned char>(value[i] < 0 ? 0 : value[i]);
            lowerOrFlag[i] = value[i] < 0 || (i >= 'A' && i <= 'F') ? 0x40 : orZero[i];
        }
    }
};
constexpr NibbleTable Nibbles;

int nibble(char c)
{
    return Nibbles.value[static_cast<unsigned char>(c)];
}

} // namespace

std::string hexToBytes(std::string_view hex)
{
    if (hex.size() % 2 != 0)
        return {};
    std::string bytes(hex.size() / 2, '\0');
    for (std::size_t i = 0; i < bytes.size(); ++i)
    {
        const int high = nibble(hex[2 * i]);
        const int low = nibble(hex[2 * i + 1]);
        if (high < 0 || low < 0)
            return {};
        bytes[i] = static_cast<char>((high << 4) | low);
    }
    return bytes;
}

char* writeHexBytes(char* out, std::string_view hex)
{
    std::size_t i = 0;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    // Eight digits at a time (every id is a multiple of eight long): a table lookup a digit was
    // a quarter of the plugin's per-span work before the repeated attributes were kept.
    for (; i + 8 <= hex.size(); i += 8)
    {
        std::uint64_t digits;
        std::memcpy(&digits, hex.data() + i, 8); // the first digit in the lowest byte
        // A digit's value: its low four bits, plus 9 for a letter (bit 6 set: 'a'-'f', 'A'-'F').
        std::uint64_t v = (digits & 0x0f0f0f0f0f0f0f0fULL) + ((digits >> 6) & 0x0101010101010101ULL) * 9;
        // Each pair of digits into the low byte of its 16-bit lane: (first << 4) | second.
        v = ((v & 0x000f000f000f000fULL) << 4) | ((v >> 8) & 0x000f000f000f000fULL);
        // The four lanes' low bytes side by side.
        v = (v | (v >> 8)) & 0x0000ffff0000ffffULL;
        v = (v | (v >> 16)) & 0x00000000ffffffffULL;
        const auto bytes = static_cast<std::uint32_t>(v);
        std::memcpy(out, &bytes, 4);
        out += 4;
    }
#endif
    for (; i + 1 < hex.size(); i += 2)
        *out++ = static_cast<char>((Nibbles.orZero[static_cast<unsigned char>(hex[i])] << 4) |
                                   Nibbles.orZero[static_cast<unsigned char>(hex[i + 1])]);
    return out;
}

namespace {

/// For each byte of `bytes` below 0x80: 0x80 in that byte when it is at least `n` (n <= 0x80).
/// Setting each byte's top bit first keeps a lane's subtraction from borrowing from the next.
constexpr std::uint64_t atLeast(std::uint64_t bytes, unsigned n)
{
    return ((bytes | 0x8080808080808080ULL) - 0x0101010101010101ULL * n) & 0x8080808080808080ULL;
}

/// True when all eight bytes are lowercase hex digits.
bool eightLowerHexDigits(std::uint64_t bytes)
{
    if (bytes & 0x8080808080808080ULL)
        return false;
    const std::uint64_t digit = atLeast(bytes, '0') & ~atLeast(bytes, '9' + 1);
    const std::uint64_t letter = atLeast(bytes, 'a') & ~atLeast(bytes, 'f' + 1);
    return (digit | letter) == 0x8080808080808080ULL;
}

} // namespace

bool isHexId(std::string_view text, std::size_t length)
{
    if (text.size() != length || length == 0)
        return false;
    if (length % 8 == 0)
    {
        // Eight at a time (trace ids are 32, span ids 16): three ids are checked per request.
        std::uint64_t notZero = 0;
        for (std::size_t i = 0; i < length; i += 8)
        {
            std::uint64_t bytes;
            std::memcpy(&bytes, text.data() + i, 8);
            if (!eightLowerHexDigits(bytes))
                return false;
            notZero |= bytes ^ 0x3030303030303030ULL; // '0' in every byte
        }
        return notZero != 0;
    }
    unsigned seen = 0; // one lookup a character, one test at the end
    for (char c : text)
        seen |= Nibbles.lowerOrFlag[static_cast<unsigned char>(c)];
    return seen != 0 && (seen & 0x40) == 0; // all digits, not all zero
}

std::uint64_t lowerEightBytes(std::string_view traceId)
{
    std::uint64_t value = 0;
    if (traceId.size() != 32)
        return 0;
    for (std::size_t i = 16; i < 32; ++i)
    {
        const int n = nibble(traceId[i]);
        value = (value << 4) | static_cast<std::uint64_t>(n < 0 ? 0 : n);
    }
    return value;
}

} // namespace portico::otel
