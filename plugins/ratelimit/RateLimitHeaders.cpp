#include "RateLimitHeaders.h"
#include "portico/AsciiCase.h"
#include <algorithm>
#include <charconv>
#include <string_view>
#include <cmath>

namespace portico::ratelimit {

namespace {

/// A number's decimal digits in place: no string is built for a value that is only copied
/// into a header.
struct Digits
{
    char text[24];
    std::size_t size;
    std::string_view view() const { return {text, size}; }
    std::string string() const { return std::string(text, size); }
};

/// Whole units of a non-negative count (limits and remaining are whole tokens).
Digits whole(double value)
{
    Digits digits;
    digits.size = static_cast<std::size_t>(
        std::to_chars(digits.text, digits.text + sizeof digits.text, static_cast<long long>(std::floor(value))).ptr -
        digits.text);
    return digits;
}

// The names, built once: a header name is copied into the response as a std::string anyway.
const std::string LimitRequests = "x-ratelimit-limit-requests";
const std::string RemainingRequests = "x-ratelimit-remaining-requests";
const std::string ResetRequests = "x-ratelimit-reset-requests";
const std::string LimitTokens = "x-ratelimit-limit-tokens";
const std::string RemainingTokens = "x-ratelimit-remaining-tokens";
const std::string ResetTokens = "x-ratelimit-reset-tokens";
const std::string RetryAfter = "Retry-After";
const std::string PolicyHeader = "RateLimit-Policy";
const std::string StateHeader = "RateLimit";

/// Receives each header of a decision; the names are the constants above. The value is only
/// valid during the call.
using Emit = void (*)(void* target, const std::string& name, std::string_view value);

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
    {
        // The usual case (every answer's x-ratelimit-reset-requests): written in place, not
        // through a temporary and a concatenation.
        char text[8];
        char* end = std::to_chars(text, text + 3, millis).ptr;
        *end++ = 'm';
        *end++ = 's';
        return std::string(text, end);
    }
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

namespace {

/// Every header of one decision, in order, through `emit`: the single definition behind both
/// rateLimitHeaders() and applyRateLimitHeaders().
void emitHeaders(const Decision& decision, bool ietf, Emit emit, void* target)
{
    emit(target, LimitRequests, whole(decision.requests.limit).view());
    emit(target, RemainingRequests, whole(decision.requests.remaining).view());
    emit(target, ResetRequests, formatResetDuration(decision.requests.resetSeconds));
    if (decision.tokens)
    {
        emit(target, LimitTokens, whole(decision.tokens->limit).view());
        emit(target, RemainingTokens, whole(decision.tokens->remaining).view());
        emit(target, ResetTokens, formatResetDuration(decision.tokens->resetSeconds));
    }
    if (!decision.allowed)
        emit(target, RetryAfter, std::to_string(retryAfterSeconds(decision.retryAfterSeconds)));
    if (ietf)
    {
        auto policy = [](const char* name, const BucketView& view) {
            return std::string("\"") + name + "\";q=" + whole(view.limit).string() +
                   ";w=" + std::to_string(std::max(1LL, ceilSeconds(view.windowSeconds)));
        };
        auto state = [](const char* name, const BucketView& view) {
            return std::string("\"") + name + "\";r=" + whole(view.remaining).string() +
                   ";t=" + std::to_string(ceilSeconds(view.resetSeconds));
        };
        std::string policies = policy("requests", decision.requests);
        std::string states = state("requests", decision.requests);
        if (decision.tokens)
        {
            policies += ", " + policy("tokens", *decision.tokens);
            states += ", " + state("tokens", *decision.tokens);
        }
        emit(target, PolicyHeader, std::move(policies));
        emit(target, StateHeader, std::move(states));
    }
}

/// True when `headers` may already hold one of ours: a name starting with x-ratelimit- or
/// ratelimit, or Retry-After (any case). One pass, no allocation.
bool holdsAnyOfOurs(const portico::HeaderList& headers)
{
    for (const auto& [name, value] : headers)
    {
        const std::string_view view(name);
        if ((view.size() >= 12 && equalsIgnoringCase(view.substr(0, 12), "x-ratelimit-")) ||
            (view.size() >= 9 && equalsIgnoringCase(view.substr(0, 9), "ratelimit")) ||
            equalsIgnoringCase(view, "retry-after"))
            return true;
    }
    return false;
}

} // namespace

HeaderList rateLimitHeaders(const Decision& decision, bool ietf)
{
    HeaderList headers;
    headers.reserve(10);
    emitHeaders(
        decision, ietf,
        [](void* target, const std::string& name, std::string_view value) {
            static_cast<HeaderList*>(target)->emplace_back(name.c_str(), std::string(value));
        },
        &headers);
    return headers;
}

void applyRateLimitHeaders(const Decision& decision, bool ietf, portico::HeaderList& headers)
{
    if (holdsAnyOfOurs(headers))
        emitHeaders(
            decision, ietf,
            [](void* target, const std::string& name, std::string_view value) {
                // Views, not a copy of the name: the list assigns into the strings a recycled
                // list kept (HeaderList), so a warm loop allocates nothing here.
                static_cast<portico::HeaderList*>(target)->set(std::string_view(name), value);
            },
            &headers);
    else
        emitHeaders(
            decision, ietf,
            [](void* target, const std::string& name, std::string_view value) {
                static_cast<portico::HeaderList*>(target)->add(std::string_view(name), value);
            },
            &headers);
}

void applyRetryAfterOnly(portico::HeaderList& headers)
{
    headers.set(RetryAfter, "1");
}

} // namespace portico::ratelimit
