#pragma once
// systemd's watchdog: when the unit sets WatchdogSec, systemd passes WATCHDOG_USEC and expects
// WATCHDOG=1 at least that often. A thread pings at half the interval for as long as this object
// lives; without WatchdogSec it does nothing.

#include <condition_variable>
#include <mutex>
#include <thread>

namespace portico {

class Watchdog
{
public:
    Watchdog();
    ~Watchdog();
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;

private:
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace portico
