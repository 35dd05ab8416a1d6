#pragma once
/// The connections of a `hold` run (HoldRun.h) and the epoll set that watches them: idle
/// keep-alive requests, slowloris clients, fresh requests. It dispatches readiness, runs the
/// timers (slow head lines, slow reconnects, time limits) and keeps HoldResult's counts as
/// connections end; HoldRun decides the phases.

#include "HoldRun.h"
#include "Poller.h"
#include "SingleRequest.h"
#include "SlowClient.h"
#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace portico::loadgen {

class HoldTable
{
public:
    using Clock = std::chrono::steady_clock;

    HoldTable(const HoldOptions& options, HoldResult& result);

    /// Opens one more connection of each kind.
    void openSlow(Clock::time_point now);
    void openIdle(Clock::time_point now);
    void openFresh(Clock::time_point now);

    /// Waits up to timeoutMs for readiness and lets the connections handle it.
    void poll(int timeoutMs);
    /// The timers: slow lines due, slow reconnects (no sooner than one interval after the
    /// previous connect), slow connects over --establish-timeout, fresh requests over
    /// --fresh-timeout.
    void tick(Clock::time_point now);
    /// Idle requests still unanswered (end of the opening phase) fail as timeouts.
    void expireIdle(Clock::time_point now);
    /// Fresh requests still unanswered (the run was cut short) fail as timeouts.
    void expireFresh(Clock::time_point now);

    /// Every idle and slow connection opened, every idle request answered or failed, every slow
    /// connection connected or failed.
    bool allSettled() const;
    /// No fresh request pending.
    bool freshOver() const;
    /// Idle connections answered 200 and open.
    int idleHeld() const;
    /// Slow connections connected and not answered.
    int slowOpen() const;
    int opened() const { return static_cast<int>(idle_.size() + slow_.size()); }
    int slowOpened() const { return static_cast<int>(slow_.size()); }

    /// The end: the idle and slow counts of HoldResult, then every connection is closed.
    void finish();

private:
    void startSlow(std::size_t index, Clock::time_point now);
    void onIdle(std::size_t index, std::uint32_t events, Clock::time_point now);
    void onSlow(std::size_t index, std::uint32_t events, Clock::time_point now);
    void onFresh(std::size_t index, std::uint32_t events, Clock::time_point now);
    void retireFresh(SingleRequest& request);
    void retireSlow(std::size_t index);
    void forgetAndClose(SingleRequest& request);

    const HoldOptions& options_;
    HoldResult& result_;
    const std::string wire_;
    const SlowHead head_;
    Poller poller_;
    std::vector<std::unique_ptr<SingleRequest>> idle_, fresh_;
    std::vector<std::unique_ptr<SlowClient>> slow_;
    std::vector<bool> slowFirstOver_;              ///< by slot: its first connection has ended
    std::vector<Clock::time_point> slowNextStart_; ///< by slot: the earliest reconnect
};

} // namespace portico::loadgen
