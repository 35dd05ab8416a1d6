#include "VirtualKeys.h"
#include <algorithm>
#include <chrono>
#include <unordered_map>

namespace portico::auth {

VirtualKeys::VirtualKeys(const AdminConfig& config, Poco::Logger& logger)
    : config_(config), logger_(logger), store_(openVirtualKeyStore(config)), ledger_(openVirtualKeyStore(config), logger)
{
    index_ = std::make_shared<const VirtualKeyIndex>(std::vector<std::pair<KeyStore::Digest, VirtualKey>>{}, nullptr);
    try
    {
        loadFirstTime();
    }
    catch (const std::exception& e)
    {
        if (!config_.redisStore)
            throw;
        std::lock_guard<std::mutex> lock(reasonMutex_);
        unavailable_ = "cannot load the virtual keys from " + store_->describe() + ": " + e.what();
        logger_.error(unavailable_ + " (virtual keys get 503 until it answers)");
    }
}

void VirtualKeys::loadFirstTime()
{
    const auto started = std::chrono::steady_clock::now();
    reload();
    refreshSpend();
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    {
        std::lock_guard<std::mutex> lock(reasonMutex_);
        unavailable_.clear();
    }
    loaded_.store(true, std::memory_order_release);
    logger_.information("loaded " + std::to_string(index()->size()) + " virtual key(s) from " + store_->describe() +
                        " in " + std::to_string(ms) + " ms");
}

std::string VirtualKeys::unavailableReason() const
{
    std::lock_guard<std::mutex> lock(reasonMutex_);
    return unavailable_;
}

VirtualKeys::~VirtualKeys()
{
    stop();
}

void VirtualKeys::reload()
{
    // One reload at a time, so that a slower one never replaces a newer snapshot.
    std::lock_guard<std::mutex> lock(reloadMutex_);
    const std::int64_t version = store_->revision();
    auto keys = store_->loadAll();
    const auto previous = std::atomic_load(&index_);
    auto next = std::make_shared<const VirtualKeyIndex>(std::move(keys), previous.get());
    const std::size_t loaded = next->size();
    std::atomic_store(&index_, std::shared_ptr<const VirtualKeyIndex>(std::move(next)));
    revision_ = version;
    if (VirtualKeyMetrics* metrics = metrics_.load())
        metrics->keysLoaded(loaded);
}

void VirtualKeys::setMetrics(VirtualKeyMetrics* metrics)
{
    metrics_.store(metrics);
    if (metrics)
        metrics->keysLoaded(index()->size());
}

void VirtualKeys::refreshSpend()
{
    const auto index = this->index();
    const std::int64_t now = unixSeconds();
    // One query per period in use: a key's spend since its period's first day.
    std::unordered_map<int, std::unordered_map<std::string, std::int64_t>> byPeriod;
    for (const auto& key : index->keys())
    {
        if (key.policy.budgetMicros == 0)
            continue;
        const int period = static_cast<int>(key.policy.budgetPeriod);
        auto found = byPeriod.find(period);
        if (found == byPeriod.end())
            found = byPeriod.emplace(period, store_->spendSince(periodStart(key.policy.budgetPeriod, now))).first;
        const auto spent = found->second.find(key.policy.id);
        key.limiter->setPeriodSpend(spent == found->second.end() ? 0 : spent->second);
    }
}

void VirtualKeys::start()
{
    if (refresher_.joinable())
        return;
    refresher_ = std::thread([this] { refreshLoop(); });
}

void VirtualKeys::stop()
{
    {
        std::lock_guard<std::mutex> lock(stopMutex_);
        stopping_ = true;
    }
    stopSignal_.notify_all();
    if (refresher_.joinable())
        refresher_.join();
}

void VirtualKeys::refreshLoop()
{
    std::int64_t lastFailureLog = 0;
    std::uint64_t refreshes = 0;
    for (;;)
    {
        {
            std::unique_lock<std::mutex> lock(stopMutex_);
            if (stopSignal_.wait_for(lock, std::chrono::milliseconds(config_.refreshMs), [this] { return stopping_; }))
                return;
        }
        try
        {
            if (!loaded())
            {
                loadFirstTime();
                continue;
            }
            std::int64_t known;
            {
                std::lock_guard<std::mutex> lock(reloadMutex_);
                known = revision_;
            }
            if (store_->revision() != known)
            {
                const auto started = std::chrono::steady_clock::now();
                reload();
                const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::steady_clock::now() - started)
                                    .count();
                logger_.information("reloaded " + std::to_string(index()->size()) + " virtual key(s) from " +
                                    store_->describe() + " in " + std::to_string(ms) + " ms (changed by another process)");
            }
            // With shared counters, every request of a budgeted key reads its spend from Redis;
            // this instance's copy from the ledger (a scan of the period's days) is only a floor
            // (for spend made before the key had a budget), refreshed every 5 s instead.
            const int spendEvery = config_.redisCounters ? std::max(1, 5000 / config_.refreshMs) : 1;
            if (++refreshes % spendEvery == 0)
                refreshSpend();
        }
        catch (const std::exception& e)
        {
            // The keys in force stay; said once a minute at most.
            const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::steady_clock::now().time_since_epoch())
                                 .count();
            if (now - lastFailureLog >= 60)
            {
                lastFailureLog = now;
                logger_.error("cannot reload the virtual keys from " + store_->describe() + " (keeping those loaded): " +
                              e.what());
            }
        }
    }
}

} // namespace portico::auth
