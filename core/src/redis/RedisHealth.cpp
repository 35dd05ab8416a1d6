#include "redis/RedisHealth.h"
#include "portico/RedisPool.h"
#include "Poco/Logger.h"
#include <cstdio>

namespace portico {

RedisHealth::RedisHealth(std::string address, Poco::Logger& logger) : address_(std::move(address)), logger_(logger)
{
}

bool RedisHealth::admit()
{
    if (up_.load(std::memory_order_acquire))
        return false;
    std::lock_guard<std::mutex> lock(mutex_);
    if (up_.load(std::memory_order_relaxed))
        return false;
    if (!probing_ && Clock::now() >= retryAt_)
    {
        probing_ = true;
        return true;
    }
    throw RedisUnavailable("Redis at " + address_ + " is unavailable (" + reason_ + ")", outage_.load());
}

void RedisHealth::succeeded(bool probe)
{
    const auto now = Clock::now();
    lastContact_.store(now.time_since_epoch().count(), std::memory_order_relaxed);
    if (!probe && up_.load(std::memory_order_acquire))
        return;
    std::lock_guard<std::mutex> lock(mutex_);
    if (probe)
        probing_ = false;
    if (up_.load(std::memory_order_relaxed))
        return;
    up_.store(true, std::memory_order_release);
    reason_.clear();
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.1f", std::chrono::duration<double>(now - downSince_).count());
    logger_.notice("Redis at " + address_ + " is reachable again (after " + seconds + " s)");
}

std::uint64_t RedisHealth::failed(bool probe, const std::string& why)
{
    std::lock_guard<std::mutex> lock(mutex_);
    const auto now = Clock::now();
    if (probe)
        probing_ = false;
    reason_ = why;
    retryAt_ = now + RetryInterval;
    if (up_.load(std::memory_order_relaxed))
    {
        up_.store(false, std::memory_order_release);
        outage_.fetch_add(1, std::memory_order_acq_rel);
        downSince_ = now;
        logger_.warning("Redis at " + address_ + " is unavailable: " + why + "; calls fail at once and one is retried every " +
                        std::to_string(RetryInterval.count()) + " ms until it answers");
    }
    return outage_.load();
}

void RedisHealth::abandoned(bool probe)
{
    if (!probe)
        return;
    std::lock_guard<std::mutex> lock(mutex_);
    probing_ = false;
}

RedisHealth::Clock::time_point RedisHealth::lastContact() const
{
    return Clock::time_point(Clock::duration(lastContact_.load(std::memory_order_relaxed)));
}

std::string RedisHealth::reason() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    return up_.load() ? std::string() : reason_;
}

} // namespace portico
