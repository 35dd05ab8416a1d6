#include "SpendLedger.h"
#include <chrono>

namespace portico::auth {

namespace {

/// Outcomes kept for waiters that wake late (a waiter looks its batch up by number).
constexpr std::size_t KeptOutcomes = 1024;

} // namespace

SpendLedger::SpendLedger(std::unique_ptr<VirtualKeyStore> store, Poco::Logger& logger)
    : store_(std::move(store)), logger_(logger)
{
    writer_ = std::thread([this] { writeLoop(); });
}

SpendLedger::~SpendLedger()
{
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    queued_.notify_all();
    writer_.join();
}

bool SpendLedger::record(SpendEntry entry)
{
    std::unique_lock<std::mutex> lock(mutex_);
    queue_.push_back(std::move(entry));
    const std::uint64_t batch = started_ + 1;
    queued_.notify_one();
    if (!written_.wait_for(lock, std::chrono::seconds(10), [&] { return finished_ >= batch; }) ||
        finished_ < batch)
    {
        logger_.error("a request's spend was not written to the ledger within 10 s");
        return false;
    }
    for (const auto& [number, ok] : outcomes_)
        if (number == batch)
            return ok;
    return false;
}

void SpendLedger::recordLater(SpendEntry entry)
{
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(entry));
    queued_.notify_one();
}

std::uint64_t SpendLedger::failures() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    return failures_;
}

void SpendLedger::writeLoop()
{
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;)
    {
        queued_.wait(lock, [this] { return !queue_.empty() || stopping_; });
        if (queue_.empty())
            return; // stopping, nothing left
        std::vector<SpendEntry> batch;
        batch.swap(queue_);
        const std::uint64_t number = ++started_;
        lock.unlock();
        bool ok = true;
        try
        {
            store_->recordSpend(batch);
        }
        catch (const std::exception& e)
        {
            ok = false;
            logger_.error("cannot write " + std::to_string(batch.size()) + " request(s)' spend to the ledger in " +
                          store_->describe() + ": " + e.what());
        }
        lock.lock();
        if (!ok)
            failures_ += batch.size();
        finished_ = number;
        outcomes_.emplace_back(number, ok);
        if (outcomes_.size() > KeptOutcomes)
            outcomes_.pop_front();
        written_.notify_all();
    }
}

} // namespace portico::auth
