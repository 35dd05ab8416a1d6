#pragma once
// Keys that have already passed the SHA-256 check, so that a client sending the same valid key
// again is recognised without hashing it with SHA-256 and looking the digest up (a few thousand
// instructions per request); a hit costs ~500.
//
// What it holds, and why that is safe:
//  - Only keys that verified against the keys file go in, so a client cannot add an entry
//    without a valid key, and the number of entries is bounded by the keys file (and by
//    `capacity`). Wrong keys are never cached: they still take the full digest path.
//  - Never the key itself: each entry is a 128-bit tag, SipHash-2-4's 128-bit output under a
//    random 128-bit key drawn when the cache is created. Without that key, hitting an entry
//    with a key that is not the one cached means guessing a 128-bit pseudo-random value online.
//  - The tags steer the table's probing, so lookup time depends only on the tag of the key
//    presented, which an attacker cannot predict; tags are compared without an early exit.
//  - The cache belongs to one AuthPlugin: a reload (SIGHUP) builds a new plugin with an empty
//    cache, so a key removed from the keys file stops working at once.
//
// Lookups take no lock: the table is a fixed array of slots, each published once with a
// release store; entries are never removed.

#include "SipHash.h"
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace portico::auth {

class VerifiedKeyCache
{
public:
    /// Holds at most `capacity` keys (at most MaxCapacity); 0 disables it.
    explicit VerifiedKeyCache(std::size_t capacity);

    /// The largest capacity: 65,536 keys, 4 MiB of table.
    static constexpr std::size_t MaxCapacity = 65536;
    /// What find() answers for a key it does not hold.
    static constexpr std::size_t NotFound = static_cast<std::size_t>(-1);

    /// The value remembered for `key`, or NotFound.
    std::size_t find(std::string_view key) const;
    /// Remembers `value` (a KeyStore entry index) for a key that has just verified. Does
    /// nothing once `capacity` keys are held. (Two threads verifying the same new key at once
    /// may both store it; that costs a slot, never a wrong answer.)
    void remember(std::string_view key, std::size_t value);

    /// Keys held.
    std::size_t size() const { return size_.load(std::memory_order_relaxed); }
    std::size_t capacity() const { return capacity_; }

private:
    struct Tag
    {
        std::uint64_t high;
        std::uint64_t low;
    };
    enum SlotState : std::uint32_t
    {
        Empty,
        Writing,
        Ready
    };
    struct Slot
    {
        std::atomic<std::uint32_t> state{Empty};
        std::uint32_t value = 0;
        Tag tag{0, 0};
    };

    Tag tagOf(std::string_view key) const;

    const std::size_t capacity_;
    std::size_t mask_ = 0;
    std::unique_ptr<Slot[]> slots_;
    SipKey sipKey_{};
    std::atomic<std::size_t> size_{0};
};

} // namespace portico::auth
