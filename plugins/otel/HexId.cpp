#include "HexId.h"

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
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        *out++ = static_cast<char>((Nibbles.orZero[static_cast<unsigned char>(hex[i])] << 4) |
                                   Nibbles.orZero[static_cast<unsigned char>(hex[i + 1])]);
    return out;
}

bool isHexId(std::string_view text, std::size_t length)
{
    if (text.size() != length)
        return false;
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
