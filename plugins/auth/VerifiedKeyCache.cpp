#include "VerifiedKeyCache.h"
#include <algorithm>
#include <random>

namespace portico::auth {

namespace {

SipKey randomKey(std::random_device& random)
{
    auto word = [&random] {
        return static_cast<std::uint64_t>(random()) << 32 | static_cast<std::uint64_t>(random());
    };
    return {word(), word()};
}

} // namespace

VerifiedKeyCache::VerifiedKeyCache(std::size_t capacity) : capacity_(std::min(capacity, MaxCapacity))
{
    if (capacity_ == 0)
        return;
    // At most half full, so that a probe always meets an empty slot soon.
    std::size_t slots = 2;
    while (slots < 2 * capacity_)
        slots *= 2;
    mask_ = slots - 1;
    slots_ = std::make_unique<Slot[]>(slots);
    std::random_device random; // the kernel's CSPRNG on Linux
    sipKey_ = randomKey(random);
}

VerifiedKeyCache::Tag VerifiedKeyCache::tagOf(std::string_view key) const
{
    const SipTag128 tag = sipHash24x128(sipKey_, key);
    return {tag.first, tag.second};
}

std::size_t VerifiedKeyCache::find(std::string_view key) const
{
    if (!slots_ || size_.load(std::memory_order_acquire) == 0)
        return NotFound;
    const Tag tag = tagOf(key);
    for (std::size_t i = tag.high & mask_;; i = (i + 1) & mask_)
    {
        const Slot& slot = slots_[i];
        const std::uint32_t state = slot.state.load(std::memory_order_acquire);
        if (state == Empty)
            return NotFound;
        if (state != Ready)
            continue; // being written: not this key's entry yet
        // Both halves compared, no early exit.
        if (((slot.tag.high ^ tag.high) | (slot.tag.low ^ tag.low)) == 0)
            return slot.value;
    }
}

void VerifiedKeyCache::remember(std::string_view key, std::size_t value)
{
    if (!slots_)
        return;
    // Reserve room first, so that concurrent inserts never exceed the capacity (and the table
    // never fills beyond half).
    if (size_.fetch_add(1, std::memory_order_relaxed) >= capacity_)
    {
        size_.fetch_sub(1, std::memory_order_relaxed);
        return;
    }
    const Tag tag = tagOf(key);
    for (std::size_t i = tag.high & mask_;; i = (i + 1) & mask_)
    {
        Slot& slot = slots_[i];
        std::uint32_t state = slot.state.load(std::memory_order_acquire);
        if (state == Ready && slot.tag.high == tag.high && slot.tag.low == tag.low)
        {
            size_.fetch_sub(1, std::memory_order_relaxed); // another thread cached it first
            return;
        }
        if (state != Empty)
            continue;
        std::uint32_t expected = Empty;
        if (!slot.state.compare_exchange_strong(expected, Writing, std::memory_order_acq_rel))
            continue; // taken meanwhile: probe on
        slot.tag = tag;
        slot.value = static_cast<std::uint32_t>(value);
        slot.state.store(Ready, std::memory_order_release);
        return;
    }
}

} // namespace portico::auth
