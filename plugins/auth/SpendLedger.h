#pragma once
// Writes virtual keys' spend to the key store's ledger, several requests to one commit (group
// commit): record() queues a request's entry and returns once the transaction holding it is on
// disk (synchronous = FULL; in Redis: in Redis), so a request is settled only when its spend is. A kill -9 then
// loses no spend of a request that was settled. record() waits, so it runs only where waiting
// is allowed: auth says Blocking::May when virtual keys are on, and its completion hook runs on
// a worker thread.

#include "VirtualKeyStore.h"
#include "Poco/Logger.h"
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace portico::auth {

class SpendLedger
{
public:
    /// Writes to `store`, a connection of its own (openVirtualKeyStore).
    SpendLedger(std::unique_ptr<VirtualKeyStore> store, Poco::Logger& logger);
    ~SpendLedger();

    /// Adds `entry`; true once committed, false when the commit failed or did not happen within
    /// 10 s (logged; the entry is then not in the ledger).
    bool record(SpendEntry entry);
    /// Adds `entry` without waiting (from an event loop); a failed write is logged and counted
    /// in failures() only.
    void recordLater(SpendEntry entry);

    /// Entries that could not be written (for the log and tests).
    std::uint64_t failures() const;

    /// The ledger's rows (GET /admin/spend) and each key's spend since a day (budgets).
    VirtualKeyStore& store() { return *store_; }

private:
    void writeLoop();

    std::unique_ptr<VirtualKeyStore> store_;
    Poco::Logger& logger_;
    mutable std::mutex mutex_;
    std::condition_variable queued_;
    std::condition_variable written_;
    std::vector<SpendEntry> queue_;
    /// Batches taken (the one an entry joins is started + 1) and finished, and whether each
    /// finished batch failed (the last ones, by number).
    std::uint64_t started_ = 0;
    std::uint64_t finished_ = 0;
    std::deque<std::pair<std::uint64_t, bool>> outcomes_;
    std::uint64_t failures_ = 0;
    bool stopping_ = false;
    std::thread writer_;
};

} // namespace portico::auth
