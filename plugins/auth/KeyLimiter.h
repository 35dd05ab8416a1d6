#pragma once
// A virtual key's live counters: its request bucket (rpm), its requests in flight and its spend
// in the budget's period. They
// belong to the key, not to one snapshot of the key index, so a refresh of the index (a PATCH,
// another instance's change) keeps them: a key does not get a fresh minute by being edited.
//
// The counters are this instance's: two porticod instances each admit a key's rpm (the shared
// Redis counters are a later step of virtual keys, see the README).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>

namespace portico::auth {

class KeyLimiter
{
public:
    using Clock = std::chrono::steady_clock;

    struct Decision
    {
        bool admitted = false;
        /// Requests left in the bucket after this one (whole requests).
        std::int64_t remaining = 0;
        /// Until the bucket is full again (the x-ratelimit-reset-requests header), or, when
        /// refused, until one request is admitted again (Retry-After).
        std::chrono::milliseconds wait{0};
    };

    /// One request (or token) in a bucket's units. A key of `rate` per minute gains `rate` units
    /// per microsecond (rate per 60 * 10^6 µs), so every refill is an exact integer: nothing is
    /// lost to rounding however often a bucket is looked at. SharedKeyCounters uses the same.
    static constexpr std::int64_t Unit = 60'000'000;

    /// What a bucket of `rate` per minute tells after a decision that left `units` in it: the
    /// whole requests (tokens) left, and the wait until it is full again (admitted) or until the
    /// next one passes (refused: a whole request for a request bucket, above zero for tokens).
    static Decision decision(bool admitted, std::int64_t units, std::int64_t rate, bool tokens);

    /// One request of a key whose limit is `rpm` per minute (> 0): a bucket of `rpm` requests,
    /// refilled at rpm/60 per second, so `rpm` quick requests pass and the next waits.
    Decision takeRequest(std::int64_t rpm, Clock::time_point now);

    /// Tokens per minute (`tpm` > 0), counted after the fact: a request is admitted while the
    /// key's token bucket (tpm tokens, refilled over a minute) is above zero, and charged with
    /// the tokens its answer used when it completes, which may take the bucket below zero (a
    /// big answer then holds the next requests back until the minute has paid for it).
    Decision admitTokens(std::int64_t tpm, Clock::time_point now);
    void chargeTokens(std::int64_t tpm, std::int64_t tokens, Clock::time_point now);

    /// Counts a request in flight unless `max` (> 0) are already; false when refused.
    bool enter(std::int64_t max);
    void leave();

    /// The key's spend in its budget's current period, in pico-dollars: set from the ledger
    /// (every instance's requests) each [admin] refresh_ms, and raised at once by this
    /// instance's own requests as their spend is written.
    std::int64_t periodSpendPico() const { return periodSpendPico_.load(std::memory_order_relaxed); }
    void setPeriodSpend(std::int64_t pico) { periodSpendPico_.store(pico, std::memory_order_relaxed); }
    void addSpend(std::int64_t pico) { periodSpendPico_.fetch_add(pico, std::memory_order_relaxed); }

private:
    std::mutex mutex_;
    bool started_ = false;
    /// Requests in the bucket, in units of 1/60,000,000 request (see KeyLimiter.cpp).
    std::int64_t units_ = 0;
    Clock::time_point filledAt_{};
    std::int64_t inFlight_ = 0;
    bool tokensStarted_ = false;
    /// Tokens in the bucket, in the same units as units_ (may be below zero).
    std::int64_t tokenUnits_ = 0;
    Clock::time_point tokensAt_{};
    std::atomic<std::int64_t> periodSpendPico_{0};
};

} // namespace portico::auth
