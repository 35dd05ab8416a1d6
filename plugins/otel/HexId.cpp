#include "HexId.h"

namespace portico::otel {

namespace {

/// Each byte's value as a hex digit, -1 for a non-digit: a table, not a chain of branches
/// (every sampled request converts three ids).
struct NibbleTable
{
    signed char value[256];
    constexpr NibbleTable() : value()
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
    {
        const int high = nibble(hex[i]);
        const int low = nibble(hex[i + 1]);
        *out++ = static_cast<char>(((high < 0 ? 0 : high) << 4) | (low < 0 ? 0 : low));
    }
    return out;
}

bool isHexId(std::string_view text, std::size_t length)
{
    if (text.size() != length)
        return false;
    bool nonZero = false;
    for (char c : text)
    {
        // Lowercase only: the W3C form.
        if (nibble(c) < 0 || (c >= 'A' && c <= 'F'))
            return false;
        nonZero = nonZero || c != '0';
    }
    return nonZero;
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
