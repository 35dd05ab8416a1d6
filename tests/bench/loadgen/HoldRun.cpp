#include "HoldRun.h"
#include "HoldTable.h"
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace portico::loadgen {

namespace {

using Clock = std::chrono::steady_clock;

std::chrono::nanoseconds seconds(double value)
{
    return std::chrono::nanoseconds(static_cast<long long>(value * 1e9));
}

double secondsBetween(Clock::time_point from, Clock::time_point to)
{
    return std::chrono::duration<double>(to - from).count();
}

} // namespace

HoldResult runHold(const HoldOptions& options)
{
    HoldResult result;
    result.idleRequested = options.idle;
    result.slowRequested = options.slow;
    result.freshRequested = options.fresh;
    HoldTable table(options, result);

    enum class Phase { Opening, Fresh } phase = Phase::Opening;
    const int total = options.idle + options.slow;
    const Clock::time_point start = Clock::now();
    const double freshSchedule =
        std::ceil(static_cast<double>(options.fresh) / options.freshBatch) * options.freshIntervalSeconds;
    // The hard bound: no phase can legitimately take longer than this.
    const Clock::time_point giveUp =
        start + seconds(options.establishTimeoutSeconds +
                        std::max(options.holdSeconds, freshSchedule + options.freshTimeoutSeconds) + 30);
    Clock::time_point freshStart{}, nextTick = start, nextReport = start + std::chrono::seconds(5);
    while (true)
    {
        Clock::time_point now = Clock::now();
        while (table.opened() < total &&
               (options.connectRate <= 0 || now >= start + seconds(table.opened() / options.connectRate)))
        {
            if (table.slowOpened() < options.slow)
                table.openSlow(now);
            else
                table.openIdle(now);
        }
        if (now >= nextTick)
        {
            // 50 ms: fine enough for a head line a second and the timeouts, cheap for 10,000 connections.
            nextTick = now + std::chrono::milliseconds(50);
            table.tick(now);
            if (phase == Phase::Opening)
            {
                const bool settled = table.opened() == total && table.allSettled();
                if (settled || now - start > seconds(options.establishTimeoutSeconds))
                {
                    if (!settled)
                        table.expireIdle(now);
                    phase = Phase::Fresh;
                    freshStart = now;
                    result.rampSeconds = secondsBetween(start, now);
                    result.idleHeld = table.idleHeld();
                    result.slowHeld = table.slowOpen();
                    std::cerr << "hold: " << result.idleHeld << " of " << options.idle << " idle and "
                              << result.slowHeld << " of " << options.slow << " slow connections held after "
                              << result.rampSeconds << " s; " << options.fresh << " fresh requests, "
                              << options.freshBatch << " every " << options.freshIntervalSeconds << " s" << std::endl;
                }
            }
        }
        if (phase == Phase::Fresh)
        {
            while (result.freshStarted < options.fresh &&
                   now >= freshStart + seconds((result.freshStarted / options.freshBatch) * options.freshIntervalSeconds))
                table.openFresh(now);
            if (result.freshStarted == options.fresh && table.freshOver() && now >= freshStart + seconds(options.holdSeconds))
                break;
        }
        if (now >= giveUp)
        {
            result.cutShort = true;
            std::cerr << "hold: stopped by the overall time bound" << std::endl;
            table.expireFresh(now);
            break;
        }
        if (now >= nextReport)
        {
            nextReport = now + std::chrono::seconds(5);
            std::cerr << "hold: " << static_cast<int>(secondsBetween(start, now)) << " s: idle " << table.idleHeld()
                      << " held, slow " << table.slowOpen() << " open (" << result.slow408 << " 408s, "
                      << result.slowCloses << " closes), fresh " << result.freshOk << " ok of "
                      << result.freshStarted << " started" << std::endl;
        }
        table.poll(10);
    }
    result.runSeconds = secondsBetween(start, Clock::now());
    table.finish();
    result.freshLatency.finish();
    result.slowCloseTime.finish();
    return result;
}

namespace {

// A figure over samples, or "nan" when there are none (nothing was answered, nothing closed).
std::string figure(const LatencySamples& samples, double q, double scale)
{
    if (samples.count() == 0)
        return "nan";
    char text[32];
    std::snprintf(text, sizeof text, "%.3f", samples.percentileMs(q) * scale);
    return text;
}

} // namespace

std::string formatHoldResult(HoldResult& result)
{
    char line[2048];
    std::snprintf(line, sizeof line,
                  "hold idle=%d idle_ok=%d idle_non200=%d idle_failed=%d idle_timeouts=%d idle_held=%d idle_held_end=%d "
                  "idle_closed_by_server=%d slow=%d slow_held=%d slow_open_end=%d slow_connects=%d "
                  "slow_connect_errors=%d slow_closes=%d slow_408=%d slow_first_408=%d slow_never_closed=%d "
                  "slow_close_p50_s=%s slow_close_min_s=%s slow_close_max_s=%s fresh=%d fresh_started=%d "
                  "fresh_ok=%d fresh_non200=%d fresh_failed=%d fresh_timeouts=%d fresh_closed=%d "
                  "fresh_connect_errors=%d fresh_protocol_errors=%d fresh_p50_ms=%s fresh_p99_ms=%s "
                  "fresh_max_ms=%s ramp_s=%.2f run_s=%.2f cut_short=%d",
                  result.idleRequested, result.idleOk, result.idleNon200, result.idleFailed, result.idleTimeouts,
                  result.idleHeld,
                  result.idleHeldEnd, result.idleClosedByServer, result.slowRequested, result.slowHeld,
                  result.slowOpenEnd, result.slowConnects, result.slowConnectErrors, result.slowCloses, result.slow408,
                  result.slowFirst408, result.slowNeverClosed, figure(result.slowCloseTime, 0.5, 1e-3).c_str(),
                  figure(result.slowCloseTime, 0.0, 1e-3).c_str(), figure(result.slowCloseTime, 1.0, 1e-3).c_str(),
                  result.freshRequested, result.freshStarted, result.freshOk, result.freshNon200, result.freshFailed(),
                  result.freshTimeouts, result.freshClosed, result.freshConnectErrors, result.freshProtocolErrors,
                  figure(result.freshLatency, 0.5, 1).c_str(), figure(result.freshLatency, 0.99, 1).c_str(),
                  figure(result.freshLatency, 1.0, 1).c_str(), result.rampSeconds, result.runSeconds, result.cutShort ? 1 : 0);
    return line;
}

} // namespace portico::loadgen
