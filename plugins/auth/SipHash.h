#pragma once
// SipHash-2-4 (Aumasson and Bernstein): a keyed 64-bit pseudo-random function. Without the
// 128-bit key its outputs cannot be predicted or steered, which is what the verified-key cache
// needs from a hash (see VerifiedKeyCache.h).

#include <array>
#include <cstdint>
#include <string_view>

namespace portico::auth {

using SipKey = std::array<std::uint64_t, 2>;

/// SipHash-2-4 of `data` under `key` (k0 = key[0], k1 = key[1], each read little-endian from
/// the reference implementation's 16 key bytes).
std::uint64_t sipHash24(const SipKey& key, std::string_view data);

} // namespace portico::auth
