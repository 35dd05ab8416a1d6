#pragma once
// Copying into a std::string whose buffer is kept from an earlier use (recycled header lists,
// recycled attribute values): the hot path of every header and attribute a plugin sets.

#include <cstdint>
#include <string>
#include <string_view>

namespace portico {

/// `target` takes a copy of `text` in its own buffer (grown when too small). clear() and
/// append() take libstdc++'s short path, about 25 instructions for a header-sized text, where
/// assign() takes about 70 in _M_replace, whose extra work is for a source inside the target's
/// own buffer: that case (headers.set(name, headers.get(name)), say) still goes to assign().
inline void copyIntoKept(std::string& target, std::string_view text)
{
    const auto at = reinterpret_cast<std::uintptr_t>(text.data());
    const auto buffer = reinterpret_cast<std::uintptr_t>(target.data());
    if (at - buffer <= target.capacity()) // unsigned: only an address inside the buffer
    {
        target.assign(text.data(), text.size());
        return;
    }
    target.clear();
    target.append(text.data(), text.size());
}

} // namespace portico
