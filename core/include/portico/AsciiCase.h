#pragma once
/// ASCII case-insensitive comparison for protocol tokens: header names, auth schemes, HTTP
/// framing keywords. Not locale-aware on purpose (HTTP's tokens are ASCII; a locale could
/// change what `tolower` does), header-only so that it costs no call and no ABI.

#include <cstddef>
#include <string_view>

namespace portico {

/// `c` with A-Z mapped to a-z; every other byte unchanged.
constexpr char asciiLower(char c) noexcept
{
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// True when `a` and `b` are equal but for the case of ASCII letters. The lengths are compared
/// first: most names that differ, differ in length.
constexpr bool equalsIgnoringCase(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i] != b[i] && asciiLower(a[i]) != asciiLower(b[i]))
            return false;
    return true;
}

} // namespace portico
