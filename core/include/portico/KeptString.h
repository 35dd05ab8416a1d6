#pragma once
// Copying into a std::string whose buffer is kept from an earlier use (recycled header lists,
// recycled attribute values): the hot path of every header and attribute a plugin sets.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace portico {

/// memcpy of `size` bytes, inline for the sizes of header names and values (up to 32 bytes):
/// two fixed-size copies that overlap, as memcpy itself does them, without the call. The
/// ranges must not overlap.
inline void copyShort(char* to, const char* from, std::size_t size) noexcept
{
    if (size >= 16 && size <= 32)
    {
        std::memcpy(to, from, 16);
        std::memcpy(to + size - 16, from + size - 16, 16);
    }
    else if (size >= 8 && size < 16)
    {
        std::memcpy(to, from, 8);
        std::memcpy(to + size - 8, from + size - 8, 8);
    }
    else if (size >= 4 && size < 8)
    {
        std::memcpy(to, from, 4);
        std::memcpy(to + size - 4, from + size - 4, 4);
    }
    else if (size != 0) // memcpy's pointers must not be null, and an empty view's may be
        std::memcpy(to, from, size);
}

/// `target` takes a copy of `text` in its own buffer (grown when too small).
///
/// A recycled slot usually gets what it held last time, or something as long (the same plugin
/// sets the same header on every answer): the bytes then go over the old ones and the length is
/// cut to fit (erase to the end is inline), with no call into libstdc++. A longer text takes
/// clear() and append(), libstdc++'s short path (about 25 instructions), where assign() takes
/// about 70 in _M_replace, whose extra work is for a source inside the target's own buffer:
/// that case (headers.set(name, headers.get(name)), say) still goes to assign().
inline void copyIntoKept(std::string& target, std::string_view text)
{
    const auto at = reinterpret_cast<std::uintptr_t>(text.data());
    const auto buffer = reinterpret_cast<std::uintptr_t>(target.data());
    if (at - buffer <= target.capacity()) // unsigned: only an address inside the buffer
    {
        target.assign(text.data(), text.size());
        return;
    }
    const std::size_t size = text.size();
    if (size <= target.size())
    {
        copyShort(target.data(), text.data(), size);
        target.erase(size);
        return;
    }
    target.clear();
    target.append(text.data(), size);
}

} // namespace portico
