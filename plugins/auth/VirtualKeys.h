#pragma once
// Virtual keys as auth uses them: the store (SQLite), the in-memory index requests are checked
// against, and the thread that reloads the index when another process (another porticod on the
// same file) changed the store. Exists when the config has an [admin] section.

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
    /// Opens the store and loads the index; throws std::runtime_error (naming the file) when the
    /// store cannot be opened or read.
    VirtualKeys(const AdminConfig& config, Poco::Logger& logger);
    ~VirtualKeys();

    /// The current snapshot (never null). Requests hold it while they look a key up.
    std::shared_ptr<const VirtualKeyIndex> index() const { return std::atomic_load(&index_); }
    VirtualKeyStore& store() { return store_; }
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

    const AdminConfig config_;
    Poco::Logger& logger_;
    VirtualKeyStore store_;
    SpendLedger ledger_;
    std::mutex reloadMutex_;
    std::shared_ptr<const VirtualKeyIndex> index_;
    std::int64_t revision_ = 0;
    std::atomic<VirtualKeyMetrics*> metrics_{nullptr};

    std::mutex stopMutex_;
    std::condition_variable stopSignal_;
    bool stopping_ = false;
    std::thread refresher_;
};

} // namespace portico::auth
