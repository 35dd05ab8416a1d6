#pragma once
// Money as integers, never as floating point: prices are micro-dollars per million tokens,
// spend is kept in pico-dollars (a token times a price, exactly), budgets in micro-dollars.
// What is shown is rounded to the micro-dollar (half up) from the exact sum.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace portico::auth {

constexpr std::int64_t PicoPerMicro = 1'000'000;

/// "2.5", "10", "0.000125": a non-negative decimal of at most 6 decimals and 9 integer digits,
/// in micro-units (2.5 -> 2,500,000); nothing for anything else (signs, exponents, more decimals).
std::optional<std::int64_t> parseMicros(std::string_view decimal);

/// Micro-dollars as a decimal number of dollars ("2.5", "0.000125", "3").
std::string formatMicros(std::int64_t micros);

/// Pico-dollars rounded (half up) to micro-dollars.
std::int64_t picoToMicros(std::int64_t pico);

} // namespace portico::auth
