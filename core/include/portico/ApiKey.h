#pragma once
/// API keys and other secrets drawn from the kernel's CSPRNG (getrandom(2), which blocks only
/// until the pool is first seeded and never falls back to a weaker source). Used by
/// `porticod --new-key` and by the admin API that creates virtual keys.

#include "portico/Api.h"
#include <cstddef>
#include <string>

namespace portico {

/// A new random API key: "sk-portico-" and 43 characters of [A-Za-z0-9] (256 bits). Throws
/// std::runtime_error when the kernel's random source fails.
PORTICO_API std::string generateApiKey();

/// Fills `buffer` with `length` random bytes (getrandom(2)). Throws std::runtime_error when the
/// kernel's random source fails.
PORTICO_API void fillRandom(unsigned char* buffer, std::size_t length);

} // namespace portico
