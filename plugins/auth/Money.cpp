#include "Money.h"

namespace portico::auth {

std::optional<std::int64_t> parseMicros(std::string_view decimal)
{
    const auto dot = decimal.find('.');
    const std::string_view whole = decimal.substr(0, dot);
    const std::string_view fraction = dot == std::string_view::npos ? std::string_view() : decimal.substr(dot + 1);
    if (whole.empty() || whole.size() > 9 || fraction.size() > 6 || (dot != std::string_view::npos && fraction.empty()))
        return std::nullopt;
    std::int64_t micros = 0;
    for (char c : whole)
    {
        if (c < '0' || c > '9')
            return std::nullopt;
        micros = micros * 10 + (c - '0');
    }
    std::int64_t scale = 100'000;
    micros *= 1'000'000;
    for (char c : fraction)
    {
        if (c < '0' || c > '9')
            return std::nullopt;
        micros += (c - '0') * scale;
        scale /= 10;
    }
    return micros;
}

std::string formatMicros(std::int64_t micros)
{
    const bool negative = micros < 0;
    const std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(micros) : static_cast<std::uint64_t>(micros);
    std::string out = (negative ? "-" : "") + std::to_string(magnitude / 1'000'000);
    std::string fraction = std::to_string(1'000'000 + magnitude % 1'000'000).substr(1);
    while (!fraction.empty() && fraction.back() == '0')
        fraction.pop_back();
    return fraction.empty() ? out : out + "." + fraction;
}

std::int64_t picoToMicros(std::int64_t pico)
{
    return (pico + PicoPerMicro / 2) / PicoPerMicro;
}

} // namespace portico::auth
