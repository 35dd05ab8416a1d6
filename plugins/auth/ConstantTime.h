#pragma once
// Comparison whose running time does not depend on where two byte strings differ.

#include <cstddef>

namespace portico::auth {

/// True when the `length` bytes at `a` and `b` are equal. Every byte is looked at, whatever the
/// contents, so the time taken tells an observer nothing about how much of a guess was right.
bool constantTimeEquals(const unsigned char* a, const unsigned char* b, std::size_t length);

} // namespace portico::auth
