#include "app/Watchdog.h"
#include <chrono>
#include <systemd/sd-daemon.h>

namespace portico {

Watchdog::Watchdog()
{
    std::uint64_t intervalUs = 0;
    if (sd_watchdog_enabled(0, &intervalUs) <= 0 || intervalUs == 0)
        return;
    const auto period = std::chrono::microseconds(intervalUs / 2);
    thread_ = std::thread([this, period] {
        std::unique_lock<std::mutex> lock(mutex_);
        while (!stopping_)
        {
            sd_notify(0, "WATCHDOG=1");
            wake_.wait_for(lock, period, [this] { return stopping_; });
        }
    });
}

Watchdog::~Watchdog()
{
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable())
        thread_.join();
}

} // namespace portico
