#include "SipHash.h"
#include <cstring>

namespace portico::auth {

namespace {

inline std::uint64_t rotl(std::uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

inline void sipRound(std::uint64_t& v0, std::uint64_t& v1, std::uint64_t& v2, std::uint64_t& v3)
{
    v0 += v1;
    v1 = rotl(v1, 13);
    v1 ^= v0;
    v0 = rotl(v0, 32);
    v2 += v3;
    v3 = rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = rotl(v1, 17);
    v1 ^= v2;
    v2 = rotl(v2, 32);
}

/// Eight bytes, little-endian whatever the host's byte order.
inline std::uint64_t load64(const unsigned char* p)
{
    std::uint64_t value;
    std::memcpy(&value, p, sizeof value);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    value = __builtin_bswap64(value);
#endif
    return value;
}

/// The state after absorbing `data` (its last block included), before finalization. `wide`
/// selects the 128-bit variant, whose initialization differs in one constant.
struct SipState
{
    std::uint64_t v0, v1, v2, v3;
};

SipState absorb(const SipKey& key, std::string_view data, bool wide)
{
    std::uint64_t v0 = 0x736f6d6570736575ULL ^ key[0];
    std::uint64_t v1 = 0x646f72616e646f6dULL ^ key[1];
    std::uint64_t v2 = 0x6c7967656e657261ULL ^ key[0];
    std::uint64_t v3 = 0x7465646279746573ULL ^ key[1];
    if (wide)
        v1 ^= 0xee;

    const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
    const std::size_t length = data.size();
    const std::size_t whole = length - length % 8;
    for (std::size_t i = 0; i < whole; i += 8)
    {
        const std::uint64_t m = load64(bytes + i);
        v3 ^= m;
        sipRound(v0, v1, v2, v3);
        sipRound(v0, v1, v2, v3);
        v0 ^= m;
    }
    // The last block: the remaining bytes, and the length's low byte in the top byte.
    std::uint64_t last = static_cast<std::uint64_t>(length & 0xff) << 56;
    for (std::size_t i = 0; i < length % 8; ++i)
        last |= static_cast<std::uint64_t>(bytes[whole + i]) << (8 * i);
    v3 ^= last;
    sipRound(v0, v1, v2, v3);
    sipRound(v0, v1, v2, v3);
    v0 ^= last;
    return {v0, v1, v2, v3};
}

/// The four finalization rounds (the caller has marked v2 or v1 first) and their 64-bit output.
std::uint64_t finalize(SipState& s)
{
    for (int i = 0; i < 4; ++i)
        sipRound(s.v0, s.v1, s.v2, s.v3);
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

} // namespace

std::uint64_t sipHash24(const SipKey& key, std::string_view data)
{
    SipState state = absorb(key, data, false);
    state.v2 ^= 0xff;
    return finalize(state);
}

SipTag128 sipHash24x128(const SipKey& key, std::string_view data)
{
    SipState state = absorb(key, data, true);
    state.v2 ^= 0xee;
    const std::uint64_t first = finalize(state);
    state.v1 ^= 0xdd;
    const std::uint64_t second = finalize(state);
    return {first, second};
}

} // namespace portico::auth
