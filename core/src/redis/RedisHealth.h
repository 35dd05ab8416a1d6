#pragma once
// Whether Redis is reachable, as the pool has seen it, and the fail-fast gate in front of it.
//
// While Redis is up every caller goes through (one atomic load). When a call fails on the
// connection, Redis is marked down: for RetryInterval every caller is refused at once, so that
// a dead or hung server costs requests nothing but a branch; after it, one caller at a time
// (the probe) is let through to try again, and its success marks Redis up. Each transition is
// logged once. The outage counter numbers the outages for RedisUnavailable::outage().

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace Poco {
class Logger;
}

namespace portico {

class RedisHealth
{
public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::chrono::milliseconds RetryInterval{250};

    RedisHealth(std::string address, Poco::Logger& logger);

    /// Lets a call through, or throws RedisUnavailable when Redis is down and this is not the
    /// moment to try again. Returns true when the caller is the probe (it must then report its
    /// outcome with succeeded() or failed()).
    bool admit();
    /// A call reached Redis and got an answer.
    void succeeded(bool probe);
    /// A call failed on the connection (`why`); returns the outage it belongs to.
    std::uint64_t failed(bool probe, const std::string& why);
    /// The probe gave up before reaching Redis (e.g. no free connection).
    void abandoned(bool probe);

    bool up() const { return up_.load(std::memory_order_acquire); }
    std::uint64_t outage() const { return outage_.load(std::memory_order_acquire); }
    /// Time of the last answer from Redis.
    Clock::time_point lastContact() const;
    /// Bumped at each outage: connections opened before it are not reused.
    std::uint64_t generation() const { return outage(); }
    /// Why Redis is down (empty while up).
    std::string reason() const;

private:
    const std::string address_;
    Poco::Logger& logger_;
    std::atomic<bool> up_{true};
    std::atomic<std::uint64_t> outage_{0};
    std::atomic<Clock::rep> lastContact_{0};

    mutable std::mutex mutex_;
    bool probing_ = false;
    Clock::time_point retryAt_{};
    Clock::time_point downSince_{};
    std::string reason_;
};

} // namespace portico
