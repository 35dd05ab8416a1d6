#pragma once
/// At most one warning a second from one source (a deployment, a pass-through route): an
/// upstream that is down would otherwise log one line per request, and a busy gateway's log
/// would be nothing else. Thread-safe (calls on every event loop share one).

#include <atomic>
#include <chrono>
#include <cstdint>

namespace portico::openai {

class WarningThrottle
{
public:
    /// True when a warning may be logged now, with `suppressed` set to how many were left out
    /// since the last one that was.
    template <typename TimePoint>
    bool mayWarn(TimePoint now, long& suppressed)
    {
        const std::int64_t second =
            std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
        std::int64_t last = lastWarned_.load(std::memory_order_relaxed);
        if (last == second || !lastWarned_.compare_exchange_strong(last, second, std::memory_order_relaxed))
        {
            unwarned_.fetch_add(1, std::memory_order_relaxed);
            return false;
        }
        suppressed = unwarned_.exchange(0, std::memory_order_relaxed);
        return true;
    }

private:
    std::atomic<std::int64_t> lastWarned_{-1};
    std::atomic<long> unwarned_{0};
};

} // namespace portico::openai
