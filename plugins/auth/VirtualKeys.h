#pragma once
// Virtual keys as auth uses them: the store (SQLite or Redis), the in-memory index requests are
// checked against, and the thread that reloads the index when another process (another porticod
// on the same store) changed it. Exists when the config has an [admin] section.

#include "AdminConfig.h"
#include "SpendLedger.h"
#include "VirtualKeyIndex.h"
#include "VirtualKeyMetrics.h"
#include "VirtualKeyStore.h"
#include "Poco/Logger.h"
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace portico::auth {

class VirtualKeys
{
public:
    /// Opens the store and loads the index; throws std::runtime_error (naming the file) when a
    /// SQLite store cannot be opened or read. A Redis store that does not answer is not an
    /// error: the keys are not loaded() yet, and the refresh thread loads them once Redis
    /// answers (an outage of the shared server must not need a restart of every instance).
    VirtualKeys(const AdminConfig& config, Poco::Logger& logger);
    ~VirtualKeys();

    /// False until the keys were loaded once (only a Redis store can start so).
    bool loaded() const { return loaded_.load(std::memory_order_acquire); }
    /// Why the keys are not loaded (empty once they are).
    std::string unavailableReason() const;
    /// The current snapshot (never null). Requests hold it while they look a key up.
    std::shared_ptr<const VirtualKeyIndex> index() const { return std::atomic_load(&index_); }
    VirtualKeyStore& store() { return *store_; }
    SpendLedger& ledger() { return ledger_; }
    const PriceTable& prices() const { return config_.prices; }

    /// Rebuilds the index from the store now (after an admin API write on this instance).
    void reload();
    /// Sets each budgeted key's spend in its current period from the ledger (all instances').
    void refreshSpend();

    /// Where the number of loaded keys goes (after each reload); must outlive this object.
    void setMetrics(VirtualKeyMetrics* metrics);

    /// Starts and stops the refresh thread.
    void start();
    void stop();

private:
    void refreshLoop();
    /// Loads the index and the spend, then says loaded(); throws when the store cannot answer.
    void loadFirstTime();

    const AdminConfig config_;
    Poco::Logger& logger_;
    std::unique_ptr<VirtualKeyStore> store_;
    SpendLedger ledger_;
    std::mutex reloadMutex_;
    std::shared_ptr<const VirtualKeyIndex> index_;
    std::int64_t revision_ = 0;
    std::atomic<bool> loaded_{false};
    mutable std::mutex reasonMutex_;
    std::string unavailable_;
    std::atomic<VirtualKeyMetrics*> metrics_{nullptr};

    std::mutex stopMutex_;
    std::condition_variable stopSignal_;
    bool stopping_ = false;
    std::thread refresher_;
};

} // namespace portico::auth
