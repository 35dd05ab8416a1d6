#pragma once
// SipHash-2-4 (Aumasson and Bernstein): a keyed pseudo-random function with a 64-bit or a
// 128-bit output. Without the 128-bit key its outputs cannot be predicted or steered, which is
// what the verified-key cache needs from a hash (see VerifiedKeyCache.h).

#include <array>
#include <cstdint>
#include <string_view>

namespace portico::auth {

using SipKey = std::array<std::uint64_t, 2>;

/// SipHash-2-4 of `data` under `key` (k0 = key[0], k1 = key[1], each read little-endian from
/// the reference implementation's 16 key bytes).
std::uint64_t sipHash24(const SipKey& key, std::string_view data);

/// The 128-bit output: `first` is the reference implementation's output bytes 0-7 read
/// little-endian, `second` bytes 8-15.
struct SipTag128
{
    std::uint64_t first;
    std::uint64_t second;
};

/// SipHash-2-4 with a 128-bit output (the reference implementation's `outlen` 16): one pass
/// over `data`, about 1.3 times the 64-bit variant's cost.
SipTag128 sipHash24x128(const SipKey& key, std::string_view data);

} // namespace portico::auth
