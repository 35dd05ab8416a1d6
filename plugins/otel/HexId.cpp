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
    constexpr NibbleTable() : value(), orZero()
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
            orZero[i] = static_cast<unsigned char>(value[i] < 0 ? 0 : value[i]);
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
    // Lowercase only (the W3C form), so a table of its own: a digit's bits, 0x40 for a non-digit,
    // ORed over the id (one lookup a character, one test at the end).
    static constexpr struct LowerHexTable
    {
        unsigned char bits[256];
        constexpr LowerHexTable() : bits()
        {
            for (int i = 0; i < 256; ++i)
                bits[i] = 0x40;
            for (int i = 0; i < 10; ++i)
                bits['0' + i] = static_cast<unsigned char>(i);
            for (int i = 0; i < 6; ++i)
                bits['a' + i] = static_cast<unsigned char>(10 + i);
        }
    } table;
    unsigned seen = 0;
    for (char c : text)
        seen |= table.bits[static_cast<unsigned char>(c)];
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
