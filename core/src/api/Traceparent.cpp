#include "portico/Traceparent.h"
#include <random>

namespace portico {

namespace {

bool isLowerHex(const std::string& s, std::size_t from, std::size_t count)
{
    for (std::size_t i = from; i < from + count; ++i)
    {
        const char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

bool allZero(const std::string& s)
{
    return s.find_first_not_of('0') == std::string::npos;
}

// 64 random bits from a per-thread Mersenne Twister seeded from the OS: cheap on the hot path
// and uncorrelated between threads.
std::uint64_t random64()
{
    thread_local std::mt19937_64 generator(
        (static_cast<std::uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}());
    return generator();
}

/// Writes `value` as 16 lowercase hex digits at `out` (no terminator).
void writeHex(char* out, std::uint64_t value)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; --i, value >>= 4)
        out[i] = hex[value & 0xF];
}

} // namespace

std::optional<Traceparent> Traceparent::parse(const std::string& header)
{
    // version "-" trace-id "-" parent-id "-" flags  =  2+1+32+1+16+1+2 = 55 characters
    if (header.size() < 55)
        return std::nullopt;
    if (header[2] != '-' || header[35] != '-' || header[52] != '-')
        return std::nullopt;
    if (!isLowerHex(header, 0, 2) || !isLowerHex(header, 3, 32) || !isLowerHex(header, 36, 16) ||
        !isLowerHex(header, 53, 2))
        return std::nullopt;
    const std::string version = header.substr(0, 2);
    if (version == "ff")
        return std::nullopt;
    // Version 00 is exactly 55 characters; later versions may append "-..." fields.
    if (version == "00" ? header.size() != 55 : (header.size() > 55 && header[55] != '-'))
        return std::nullopt;
    Traceparent result;
    result.traceId = header.substr(3, 32);
    result.parentId = header.substr(36, 16);
    if (allZero(result.traceId) || allZero(result.parentId))
        return std::nullopt;
    result.sampled = (std::stoi(header.substr(53, 2), nullptr, 16) & 1) != 0;
    return result;
}

std::string Traceparent::format() const
{
    std::string out;
    out.reserve(3 + traceId.size() + 1 + parentId.size() + 3);
    out += "00-";
    out += traceId;
    out += '-';
    out += parentId;
    out += sampled ? "-01" : "-00";
    return out;
}

std::string newTraceId()
{
    std::uint64_t high = 0, low = 0;
    while (high == 0 && low == 0)
    {
        high = random64();
        low = random64();
    }
    char id[32];
    writeHex(id, high);
    writeHex(id + 16, low);
    return std::string(id, sizeof id);
}

std::string newSpanId()
{
    std::uint64_t value = 0;
    while (value == 0)
        value = random64();
    char id[16];
    writeHex(id, value);
    return std::string(id, sizeof id);
}

} // namespace portico
