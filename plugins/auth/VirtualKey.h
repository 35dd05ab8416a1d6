#pragma once
// A virtual key: an API key created through the admin API, with a policy of its own (the models
// it may call, a request rate, a cap on requests in flight, an expiry). Only the key's SHA-256
// digest is stored; the key itself is shown once, when it is created.

#include <cstdint>
#include <string>
#include <vector>

namespace portico::auth {

/// The window a budget applies to (UTC calendar days, ISO weeks from Monday, months).
enum class BudgetPeriod
{
    Total,
    Day,
    Week,
    Month
};

const char* budgetPeriodName(BudgetPeriod period);
/// The period budgetPeriodName() names; Total for any other name.
BudgetPeriod budgetPeriodNamed(const std::string& name);

/// A key's models as the stores keep them (a JSON array of strings), and back. modelsFromJson
/// throws Poco::Exception for text that is no such array.
std::string modelsToJson(const std::vector<std::string>& models);
std::vector<std::string> modelsFromJson(const std::string& text);

/// The first day ("YYYY-MM-DD", UTC) of `period` around `unixSeconds`; "" for Total.
std::string periodStart(BudgetPeriod period, std::int64_t unixSeconds);

/// Now, in unix seconds (expiry, created_at, revoked_at, budget periods, ledger days).
std::int64_t unixSeconds();

/// "YYYY-MM-DD" (UTC) of `unixSeconds`: a ledger row's day.
std::string dayOf(std::int64_t unixSeconds);

struct VirtualKey
{
    /// "vk_" and 24 lowercase hex: what the admin API, the logs and the principal name it by.
    std::string id;
    /// Model names and globs (`gpt-4o*`) the key may call; empty: every model.
    std::vector<std::string> models;
    /// Requests per minute (a bucket of `rpm` refilled over a minute); 0: no limit.
    std::int64_t rpm = 0;
    /// Tokens (input and output) per minute, counted after each answer; 0: no limit.
    std::int64_t tpm = 0;
    /// Requests of this key being served at once; 0: no limit.
    std::int64_t maxInFlight = 0;
    /// Unix seconds after which the key is refused; 0: never.
    std::int64_t expiresAt = 0;
    /// Unix seconds when the key was revoked; 0: not revoked.
    std::int64_t revokedAt = 0;
    std::int64_t createdAt = 0;
    /// A JSON object of the operator's own fields (team, owner, ...), as text.
    std::string metadata = "{}";
    /// The spend allowed per budgetPeriod, in micro-dollars; 0: no budget.
    std::int64_t budgetMicros = 0;
    BudgetPeriod budgetPeriod = BudgetPeriod::Total;

    /// True when `model` is one of `models` or matches one of its globs (or `models` is empty).
    bool allowsModel(const std::string& model) const;
    bool expired(std::int64_t nowSeconds) const { return expiresAt != 0 && nowSeconds >= expiresAt; }
};

/// A new key id: "vk_" and 24 lowercase hex from getrandom(2).
std::string newVirtualKeyId();

/// True for what newVirtualKeyId() makes (a path parameter is checked before any lookup).
bool validVirtualKeyId(const std::string& id);

} // namespace portico::auth
