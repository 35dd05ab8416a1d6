#pragma once
// What a client is told about its limits: OpenAI's x-ratelimit-* headers (with reset in OpenAI's
// duration form, "1s", "6m0s", "250ms"), Retry-After on a refusal, and optionally the IETF
// RateLimit-Policy / RateLimit pair (draft-ietf-httpapi-ratelimit-headers).

#include "BucketStore.h"
#include "portico/HeaderList.h"
#include <string>
#include <utility>
#include <vector>

namespace portico::ratelimit {

/// Header names are constants; values are short (small-string optimised): one allocation for
/// the list, not one per name, on every request of a limited route.
using HeaderList = std::vector<std::pair<const char*, std::string>>;

/// A duration the way OpenAI (and Go's time.Duration) writes it, rounded up to the
/// millisecond so that a client waiting that long is never early: 0 -> "0s", 0.25 -> "250ms",
/// 1 -> "1s", 1.5 -> "1.5s", 360 -> "6m0s", 3723.5 -> "1h2m3.5s".
std::string formatResetDuration(double seconds);

/// Retry-After in whole seconds, rounded up, at least 1.
long long retryAfterSeconds(double seconds);

/// Every header for one decision: the three -requests headers, the three -tokens headers when
/// a token limit applies, Retry-After when refused, RateLimit-Policy and RateLimit when `ietf`.
HeaderList rateLimitHeaders(const Decision& decision, bool ietf);

/// Puts the headers of rateLimitHeaders() straight into `headers`, replacing any of the same
/// name (a second ratelimit section, a Retry-After from further in). When none is there yet,
/// as on nearly every answer, they are appended without the search a replace costs.
void applyRateLimitHeaders(const Decision& decision, bool ietf, portico::HeaderList& headers);

/// The header list of a refusal the store could not decide (Redis unavailable, fail closed).
void applyRetryAfterOnly(portico::HeaderList& headers);

} // namespace portico::ratelimit
