#pragma once
/// The live state of one deployment, shared by every event loop: requests in flight, the
/// moving average of its time to first byte, its requests and tokens of the last minute
/// (against rpm / tpm), and its circuit breaker (healthy, cooling down after failures, or
/// half-open with one probe).
///
/// Picking reads atomics only, so that choosing among many deployments stays well under a
/// microsecond; a failure, the end of a cooldown and the per-minute counters take a short lock.

#include "RoutingConfig.h"
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

namespace portico::openai {

enum class Health
{
    Healthy,
    Cooling, ///< out of rotation until its cooldown ends
    HalfOpen ///< the cooldown is over: the next request is a probe
};

const char* healthName(Health health);

/// What claim() got: the deployment for a request, and whether that request is the half-open
/// probe (only the probe's outcome decides whether the deployment comes back).
struct Claim
{
    bool taken = false;
    bool probe = false;
    explicit operator bool() const { return taken; }
};

class DeploymentState
{
public:
    using Clock = std::chrono::steady_clock;

    DeploymentState(const CooldownConfig& cooldown, std::int64_t rpm, std::int64_t tpm);

    Health health(Clock::time_point now) const;
    /// When a cooling deployment may be tried again (Clock::time_point{} when it is not cooling).
    Clock::time_point coolingUntil() const;
    /// True when it may take a request now: not cooling, no probe of it in flight, under rpm
    /// and tpm. Has no side effect.
    bool available(Clock::time_point now) const;
    /// Claims it for one request: refused when another request took the half-open probe first
    /// (or it stopped being available). When taken, the request counts as in flight (and
    /// against rpm), and `probe` says whether it is the half-open probe.
    Claim claim(Clock::time_point now);

    /// The outcome of a claimed request (exactly one of these per claim); `probe` as claim()
    /// said. Requests that were in flight before a cooldown began are no probe: their outcome
    /// does not decide the breaker's state (a late failure still counts as a failure).
    /// The answer began well (a status not taken as failure): the probe closes the breaker.
    void succeeded(std::chrono::microseconds timeToFirstByte, bool probe = false);
    /// A connect failure, timeout or a status that moves on. `retryAfter` (from a 429's or
    /// 503's Retry-After) cools it for that long at least. The probe's failure: a new cooldown.
    void failed(Clock::time_point now, std::chrono::milliseconds retryAfter = std::chrono::milliseconds(0),
                bool probe = false);
    /// The request ended without a verdict (the client left): the probe is free again.
    void abandoned(bool probe = false);
    /// The request is over (after one of the three above): in-flight goes down, tokens count.
    void finished(std::int64_t tokens);

    int inFlight() const { return inFlight_.load(std::memory_order_relaxed); }
    /// Moving average of time to first byte in microseconds; 0 until the first success.
    std::int64_t latencyMicros() const { return latencyMicros_.load(std::memory_order_relaxed); }
    std::int64_t requestsLastMinute(Clock::time_point now) const;
    std::int64_t tokensLastMinute(Clock::time_point now) const;

private:
    /// Per-second buckets of the last minute (requests and tokens).
    struct Minute
    {
        std::array<std::int64_t, 60> requests{};
        std::array<std::int64_t, 60> tokens{};
        std::int64_t second = 0; ///< the second the newest bucket is for
    };
    static std::int64_t secondOf(Clock::time_point now);
    /// Empties the buckets older than a minute as of `second` (lock held).
    void advance(std::int64_t second) const;
    /// Under rpm and tpm this minute (lock held).
    bool underCapacity(Clock::time_point now) const;

    const CooldownConfig cooldown_;
    const std::int64_t rpm_;
    const std::int64_t tpm_;

    std::atomic<int> inFlight_{0};
    std::atomic<std::int64_t> latencyMicros_{0};
    /// Nanoseconds since the clock's epoch until which it cools; 0: healthy.
    std::atomic<std::int64_t> coolingUntil_{0};
    std::atomic<bool> probing_{false};

    mutable std::mutex lock_;
    std::vector<Clock::time_point> failures_;
    mutable Minute minute_;
};

} // namespace portico::openai
