#pragma once
// What the harnesses share: a check that aborts with a message (libFuzzer records the input as
// a crash), and a strict UTF-8 validator written independently of the code under test.

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace portico::fuzz {

/// Aborts with `what` when `condition` is false; libFuzzer saves the input that did it.
inline void check(bool condition, const char* what)
{
    if (condition)
        return;
    std::fprintf(stderr, "fuzz contract violated: %s\n", what);
    std::abort();
}

/// RFC 3629 UTF-8: no overlong forms, no UTF-16 surrogates, nothing above U+10FFFF.
inline bool isValidUtf8(std::string_view text)
{
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    for (std::size_t i = 0; i < n;)
    {
        const unsigned char c = s[i];
        std::size_t length = 0;
        unsigned char low = 0x80, high = 0xBF; // allowed range of the second byte
        if (c < 0x80)
            length = 1;
        else if (c >= 0xC2 && c <= 0xDF)
            length = 2;
        else if (c >= 0xE0 && c <= 0xEF)
        {
            length = 3;
            if (c == 0xE0)
                low = 0xA0; // overlong
            if (c == 0xED)
                high = 0x9F; // surrogates
        }
        else if (c >= 0xF0 && c <= 0xF4)
        {
            length = 4;
            if (c == 0xF0)
                low = 0x90; // overlong
            if (c == 0xF4)
                high = 0x8F; // above U+10FFFF
        }
        else
            return false;
        if (i + length > n)
            return false;
        for (std::size_t k = 1; k < length; ++k)
        {
            const unsigned char lo = k == 1 ? low : 0x80, hi = k == 1 ? high : 0xBF;
            if (s[i + k] < lo || s[i + k] > hi)
                return false;
        }
        i += length;
    }
    return true;
}

} // namespace portico::fuzz
