#include "DeploymentState.h"
#include <algorithm>
#include <numeric>

namespace portico::openai {

namespace {

std::int64_t nanos(DeploymentState::Clock::time_point t)
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

} // namespace

const char* healthName(Health health)
{
    switch (health)
    {
    case Health::Healthy: return "healthy";
    case Health::Cooling: return "cooling";
    case Health::HalfOpen: return "half_open";
    }
    return "healthy";
}

DeploymentState::DeploymentState(const CooldownConfig& cooldown, std::int64_t rpm, std::int64_t tpm)
    : cooldown_(cooldown), rpm_(rpm), tpm_(tpm)
{
}

Health DeploymentState::health(Clock::time_point now) const
{
    const std::int64_t until = coolingUntil_.load(std::memory_order_acquire);
    if (until == 0)
        return Health::Healthy;
    return nanos(now) < until ? Health::Cooling : Health::HalfOpen;
}

DeploymentState::Clock::time_point DeploymentState::coolingUntil() const
{
    const std::int64_t until = coolingUntil_.load(std::memory_order_acquire);
    return until == 0 ? Clock::time_point{} : Clock::time_point(std::chrono::nanoseconds(until));
}

bool DeploymentState::available(Clock::time_point now) const
{
    switch (health(now))
    {
    case Health::Cooling: return false;
    case Health::HalfOpen:
        if (probing_.load(std::memory_order_acquire))
            return false;
        break;
    case Health::Healthy: break;
    }
    if (rpm_ == 0 && tpm_ == 0)
        return true;
    std::lock_guard<std::mutex> guard(lock_);
    return underCapacity(now);
}

Claim DeploymentState::claim(Clock::time_point now)
{
    const Health state = health(now);
    if (state == Health::Cooling)
        return {};
    const bool probe = state == Health::HalfOpen;
    if (probe)
    {
        bool expected = false;
        if (!probing_.compare_exchange_strong(expected, true, std::memory_order_acq_rel))
            return {}; // another request is the probe
    }
    if (rpm_ != 0 || tpm_ != 0)
    {
        std::lock_guard<std::mutex> guard(lock_);
        if (!underCapacity(now))
        {
            if (probe)
                probing_.store(false, std::memory_order_release);
            return {};
        }
        minute_.requests[static_cast<std::size_t>(minute_.second % 60)] += 1;
    }
    inFlight_.fetch_add(1, std::memory_order_relaxed);
    return {true, probe};
}

void DeploymentState::succeeded(std::chrono::microseconds timeToFirstByte, bool probe)
{
    // An exponential moving average (weight 1/8 for the new sample), like TCP's smoothed RTT.
    const std::int64_t sample = std::max<std::int64_t>(1, timeToFirstByte.count());
    std::int64_t old = latencyMicros_.load(std::memory_order_relaxed);
    while (!latencyMicros_.compare_exchange_weak(old, old == 0 ? sample : old + (sample - old) / 8,
                                                 std::memory_order_relaxed))
    {
    }
    if (!probe)
        return; // healthy: nothing to reset (failures in the window age out by themselves)
    std::lock_guard<std::mutex> guard(lock_);
    failures_.clear();
    coolingUntil_.store(0, std::memory_order_release);
    probing_.store(false, std::memory_order_release);
}

void DeploymentState::failed(Clock::time_point now, std::chrono::milliseconds retryAfter, bool probe)
{
    std::lock_guard<std::mutex> guard(lock_);
    std::int64_t until = 0;
    if (probe)
    {
        // The probe failed: another full cooldown.
        until = nanos(now + cooldown_.cooldown);
        probing_.store(false, std::memory_order_release);
    }
    else if (cooldown_.allowedFails > 0)
    {
        // At most allowedFails entries: reaching it cools the deployment and clears the list.
        failures_.erase(std::remove_if(failures_.begin(), failures_.end(),
                                       [&](Clock::time_point t) { return now - t >= cooldown_.failureWindow; }),
                        failures_.end());
        failures_.push_back(now);
        if (static_cast<int>(failures_.size()) >= cooldown_.allowedFails)
        {
            until = nanos(now + cooldown_.cooldown);
            failures_.clear();
        }
    }
    if (retryAfter.count() > 0)
        until = std::max(until, nanos(now + retryAfter));
    if (until != 0)
        coolingUntil_.store(std::max(until, coolingUntil_.load(std::memory_order_acquire)), std::memory_order_release);
}

void DeploymentState::abandoned(bool probe)
{
    if (probe)
        probing_.store(false, std::memory_order_release);
}

void DeploymentState::finished(std::int64_t tokens)
{
    inFlight_.fetch_sub(1, std::memory_order_relaxed);
    if (tpm_ == 0 || tokens <= 0)
        return;
    std::lock_guard<std::mutex> guard(lock_);
    advance(secondOf(Clock::now()));
    minute_.tokens[static_cast<std::size_t>(minute_.second % 60)] += tokens;
}

std::int64_t DeploymentState::requestsLastMinute(Clock::time_point now) const
{
    std::lock_guard<std::mutex> guard(lock_);
    advance(secondOf(now));
    return std::accumulate(minute_.requests.begin(), minute_.requests.end(), std::int64_t(0));
}

std::int64_t DeploymentState::tokensLastMinute(Clock::time_point now) const
{
    std::lock_guard<std::mutex> guard(lock_);
    advance(secondOf(now));
    return std::accumulate(minute_.tokens.begin(), minute_.tokens.end(), std::int64_t(0));
}

std::int64_t DeploymentState::secondOf(Clock::time_point now)
{
    return std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
}

void DeploymentState::advance(std::int64_t second) const
{
    if (second <= minute_.second)
        return;
    const std::int64_t steps = std::min<std::int64_t>(second - minute_.second, 60);
    for (std::int64_t i = 1; i <= steps; ++i)
    {
        const auto slot = static_cast<std::size_t>((minute_.second + i) % 60);
        minute_.requests[slot] = 0;
        minute_.tokens[slot] = 0;
    }
    minute_.second = second;
}

bool DeploymentState::underCapacity(Clock::time_point now) const
{
    advance(secondOf(now));
    if (rpm_ != 0 && std::accumulate(minute_.requests.begin(), minute_.requests.end(), std::int64_t(0)) >= rpm_)
        return false;
    if (tpm_ != 0 && std::accumulate(minute_.tokens.begin(), minute_.tokens.end(), std::int64_t(0)) >= tpm_)
        return false;
    return true;
}

} // namespace portico::openai
