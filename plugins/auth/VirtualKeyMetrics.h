#pragma once
// What virtual keys make visible when a limit is reached: a counter per reason
// (portico_virtual_key_refusals_total{reason}), a log line per reason at most once a minute
// (with the count since the last one), the spend the ledger could not write, and how many keys
// are loaded. Labels are the fixed reasons only: never a key, never a model a client sent.

#include "Poco/Logger.h"
#include <array>
#include <atomic>
#include <cstdint>

namespace prometheus {
class Counter;
class Gauge;
class Registry;
} // namespace prometheus

namespace portico::auth {

enum class Refusal
{
    Revoked,
    Expired,
    Model,
    Budget,
    Tpm,
    Rpm,
    InFlight,
    Count
};

class VirtualKeyMetrics
{
public:
    VirtualKeyMetrics(prometheus::Registry& registry, Poco::Logger& logger);

    void refused(Refusal reason);
    void ledgerFailed();
    void keysLoaded(std::size_t count);

private:
    Poco::Logger& logger_;
    std::array<prometheus::Counter*, static_cast<std::size_t>(Refusal::Count)> refusals_{};
    prometheus::Counter* ledgerFailures_ = nullptr;
    prometheus::Gauge* keys_ = nullptr;
    /// Per reason: refusals since the last log line, and when it was written (steady seconds).
    std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(Refusal::Count)> unlogged_{};
    std::array<std::atomic<std::int64_t>, static_cast<std::size_t>(Refusal::Count)> loggedAt_{};
};

} // namespace portico::auth
