#include "RateLimitHeaders.h"
#include <algorithm>
#include <cmath>

namespace portico::ratelimit {

namespace {

/// Whole units of a non-negative count (limits and remaining are whole tokens).
std::string whole(double value)
{
    return std::to_string(static_cast<long long>(std::floor(value)));
}

/// Seconds rounded up; the tiny slack keeps 0.1 * 10 from becoming 2.
long long ceilSeconds(double seconds)
{
    return static_cast<long long>(std::ceil(seconds - 1e-9));
}

} // namespace

std::string formatResetDuration(double seconds)
{
    if (!(seconds > 0))
        return "0s";
    // Rounded up to whole milliseconds; the slack absorbs binary noise (0.05 * 1000 = 50.000…01).
    const long long millis = static_cast<long long>(std::ceil(seconds * 1000 - 1e-6));
    if (millis <= 0)
        return "0s";
    if (millis < 1000)
        return std::to_string(millis) + "ms";
    const long long hours = millis / 3'600'000;
    const long long minutes = millis / 60'000 % 60;
    const long long secs = millis / 1000 % 60;
    const long long fraction = millis % 1000;
    std::string out;
    if (hours > 0)
        out += std::to_string(hours) + "h";
    if (hours > 0 || minutes > 0)
        out += std::to_string(minutes) + "m";
    out += std::to_string(secs);
    if (fraction > 0)
    {
        std::string digits = std::to_string(fraction);
        digits.insert(0, 3 - digits.size(), '0');
        while (digits.back() == '0')
            digits.pop_back();
        out += "." + digits;
    }
    return out + "s";
}

long long retryAfterSeconds(double seconds)
{
    const long long whole = ceilSeconds(seconds);
    return whole < 1 ? 1 : whole;
}

HeaderList rateLimitHeaders(const Decision& decision, bool ietf)
{
    HeaderList headers;
    headers.reserve(10);
    headers.emplace_back("x-ratelimit-limit-requests", whole(decision.requests.limit));
    headers.emplace_back("x-ratelimit-remaining-requests", whole(decision.requests.remaining));
    headers.emplace_back("x-ratelimit-reset-requests", formatResetDuration(decision.requests.resetSeconds));
    if (decision.tokens)
    {
        headers.emplace_back("x-ratelimit-limit-tokens", whole(decision.tokens->limit));
        headers.emplace_back("x-ratelimit-remaining-tokens", whole(decision.tokens->remaining));
        headers.emplace_back("x-ratelimit-reset-tokens", formatResetDuration(decision.tokens->resetSeconds));
    }
    if (!decision.allowed)
        headers.emplace_back("Retry-After", std::to_string(retryAfterSeconds(decision.retryAfterSeconds)));
    if (ietf)
    {
        auto policy = [](const char* name, const BucketView& view) {
            return std::string("\"") + name + "\";q=" + whole(view.limit) +
                   ";w=" + std::to_string(std::max(1LL, ceilSeconds(view.windowSeconds)));
        };
        auto state = [](const char* name, const BucketView& view) {
            return std::string("\"") + name + "\";r=" + whole(view.remaining) +
                   ";t=" + std::to_string(ceilSeconds(view.resetSeconds));
        };
        std::string policies = policy("requests", decision.requests);
        std::string states = state("requests", decision.requests);
        if (decision.tokens)
        {
            policies += ", " + policy("tokens", *decision.tokens);
            states += ", " + state("tokens", *decision.tokens);
        }
        headers.emplace_back("RateLimit-Policy", policies);
        headers.emplace_back("RateLimit", states);
    }
    return headers;
}

} // namespace portico::ratelimit
