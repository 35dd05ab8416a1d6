#include "portico/Traceparent.h"
#include <cstdint>
#include <cstring>
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

/// xoshiro256** (Blackman and Vigna): 32 bytes of state and a few instructions a number,
/// where std::mt19937_64 kept 2.5 KiB per thread and cost ~85 instructions a number; three
/// numbers go into every request's ids. Its statistical quality is as good for ids (nothing
/// here is a secret: a trace id is sent to the client).
class Xoshiro256
{
public:
    Xoshiro256()
    {
        // Seeded from the OS, per thread: uncorrelated between threads. splitmix64 spreads
        // the seed over the four words (the generator's authors' advice; never all zero).
        std::random_device device;
        std::uint64_t seed = (static_cast<std::uint64_t>(device()) << 32) ^ device();
        for (auto& word : state_)
            word = splitmix64(seed);
    }

    std::uint64_t next() noexcept
    {
        const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
        const std::uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotl(state_[3], 45);
        return result;
    }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
    static std::uint64_t splitmix64(std::uint64_t& x) noexcept
    {
        std::uint64_t z = (x += 0x9e3779b97f4a7c15u);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
        return z ^ (z >> 31);
    }

    std::uint64_t state_[4];
};

// 64 random bits from a per-thread generator seeded from the OS: cheap on the hot path and
// uncorrelated between threads.
std::uint64_t random64()
{
    thread_local Xoshiro256 generator;
    return generator.next();
}

/// Writes `value` as 16 lowercase hex digits at `out` (no terminator), a byte (two digits) at
/// a time from a table: half the steps of a digit at a time, for three ids per request.
void writeHex(char* out, std::uint64_t value)
{
    static constexpr char pairs[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
                                    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
                                    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
                                    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
                                    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
                                    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
                                    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
                                    "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
    for (int i = 7; i >= 0; --i, value >>= 8)
        std::memcpy(out + 2 * i, pairs + 2 * (value & 0xFF), 2);
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
    // Sized once and copied in place: the tracing plugin formats one for every request, and
    // five appends each checked the capacity again.
    std::string out(3 + traceId.size() + 1 + parentId.size() + 3, '-');
    char* at = out.data();
    std::memcpy(at, "00-", 3);
    at += 3;
    std::memcpy(at, traceId.data(), traceId.size());
    at += traceId.size() + 1; // '-'
    std::memcpy(at, parentId.data(), parentId.size());
    at += parentId.size();
    std::memcpy(at, sampled ? "-01" : "-00", 3);
    return out;
}

void writeNewTraceId(char* out)
{
    std::uint64_t high = 0, low = 0;
    while (high == 0 && low == 0)
    {
        high = random64();
        low = random64();
    }
    writeHex(out, high);
    writeHex(out + 16, low);
}

void writeNewSpanId(char* out)
{
    std::uint64_t value = 0;
    while (value == 0)
        value = random64();
    writeHex(out, value);
}

std::string newTraceId()
{
    char id[32];
    writeNewTraceId(id);
    return std::string(id, sizeof id);
}

std::string newSpanId()
{
    char id[16];
    writeNewSpanId(id);
    return std::string(id, sizeof id);
}

} // namespace portico
