#pragma once
// The admin API's JSON for virtual keys: the policy fields a POST or PATCH /admin/keys body may
// set, checked before anything is stored, and the answer that shows a key's policy.

#include "VirtualKey.h"
#include <stdexcept>
#include <string>

namespace portico::auth {

/// A body the admin API refuses (400): `field` is the offending field ("" for the body itself).
class PolicyError : public std::runtime_error
{
public:
    PolicyError(std::string field, const std::string& message)
        : std::runtime_error(message), field_(std::move(field))
    {
    }
    const std::string& field() const { return field_; }

private:
    std::string field_;
};

/// Applies the fields of `body` (a JSON object) to `key`: models (array of names or globs),
/// rpm, tpm, max_in_flight (integers >= 0, 0 = no limit), expires_at (RFC 3339, or null for never),
/// budget_usd (dollars, at most 6 decimals; 0: none), budget_period (total, day, week, month),
/// metadata (an object of at most 4 KiB). A field that is absent is left as it is. Throws
/// PolicyError for anything else: malformed JSON, an unknown field, a wrong type or range.
void applyPolicyJson(const std::string& body, VirtualKey& key);

/// The key's policy as the admin API shows it: id, models, rpm, max_in_flight, expires_at
/// (RFC 3339 or null), created_at, revoked (and revoked_at), budget_usd (or null),
/// budget_period, metadata. Never the key or digest.
std::string virtualKeyJson(const VirtualKey& key);

/// RFC 3339 in UTC ("2026-12-06T20:30:00Z") for unix seconds.
std::string rfc3339(std::int64_t unixSeconds);

} // namespace portico::auth
