#include "RateRun.h"
#include "ResponseParser.h"
#include "Poco/Exception.h"
#include "Poco/Net/NetException.h"
#include "Poco/Net/SocketAddress.h"
#include "Poco/Net/StreamSocket.h"
#include <cmath>
#include <cstdio>
#include <ctime>
#include <memory>
#include <sys/prctl.h>
#include <thread>
#include <vector>

namespace portico::loadgen {

namespace {

using Clock = std::chrono::steady_clock;

// steady_clock is CLOCK_MONOTONIC on Linux: sleep on that clock to an absolute time, so that
// no time is lost between reading the clock and going to sleep.
void sleepUntil(Clock::time_point when)
{
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(when.time_since_epoch()).count();
    timespec at{};
    at.tv_sec = static_cast<time_t>(ns / 1000000000);
    at.tv_nsec = static_cast<long>(ns % 1000000000);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr) == EINTR)
    {
    }
}

// One keep-alive connection and its requests, on its own thread.
class PacedConnection
{
public:
    PacedConnection(const RateOptions& options, const std::string& wire, int index)
        : options_(options), wire_(wire), index_(index)
    {
    }

    bool connect()
    {
        try
        {
            socket_ = Poco::Net::StreamSocket();
            socket_.connect(Poco::Net::SocketAddress(options_.request.host, options_.request.port),
                            Poco::Timespan(static_cast<long>(options_.timeoutSeconds * 1e6)));
            socket_.setNoDelay(true);
            socket_.setReceiveTimeout(Poco::Timespan(static_cast<long>(options_.timeoutSeconds * 1e6)));
            connected_ = true;
        }
        catch (const Poco::Exception&)
        {
            connected_ = false;
        }
        return connected_;
    }

    void run(Clock::time_point start, Clock::time_point end)
    {
        // The default timer slack (50 us) would make every wake-up late by that much.
        prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
        const double perRequestNs = 1e9 / options_.rate;
        const long long stride = options_.connections;
        for (long long i = index_;; i += stride)
        {
            const Clock::time_point due = start + std::chrono::nanoseconds(std::llround(i * perRequestNs));
            if (due >= end)
                break;
            ++result_.scheduled;
            sleepUntil(due);
            one(due);
        }
    }

    const RateResult& result() const { return result_; }

private:
    void one(Clock::time_point due)
    {
        if (!connected_ && !connect())
        {
            ++result_.socketErrors;
            return;
        }
        result_.sendLag.add(Clock::now() - due);
        try
        {
            socket_.sendBytes(wire_.data(), static_cast<int>(wire_.size()));
            parser_.reset();
            char buffer[16384];
            while (!parser_.done() && !parser_.failed())
            {
                const int received = socket_.receiveBytes(buffer, sizeof buffer);
                if (received <= 0)
                    parser_.endOfInput();
                else
                    parser_.feed(buffer, static_cast<std::size_t>(received));
            }
        }
        catch (const Poco::TimeoutException&)
        {
            ++result_.timeouts;
            close();
            return;
        }
        catch (const Poco::Exception&)
        {
            ++result_.socketErrors;
            close();
            return;
        }
        if (parser_.failed())
        {
            ++result_.socketErrors;
            close();
            return;
        }
        result_.latency.add(Clock::now() - due);
        ++result_.completed;
        if (parser_.status() / 100 == 2)
            ++result_.ok;
        else
            ++result_.non2xx;
        if (!parser_.keepAlive())
            close();
    }

    void close()
    {
        try
        {
            socket_.close();
        }
        catch (const Poco::Exception&)
        {
        }
        connected_ = false;
    }

    const RateOptions& options_;
    const std::string& wire_;
    const int index_;
    Poco::Net::StreamSocket socket_;
    bool connected_ = false;
    ResponseParser parser_;
    RateResult result_;
};

} // namespace

RateResult runRate(const RateOptions& options)
{
    const std::string wire = options.request.wire();
    std::vector<std::unique_ptr<PacedConnection>> connections;
    for (int k = 0; k < options.connections; ++k)
    {
        connections.push_back(std::make_unique<PacedConnection>(options, wire, k));
        // Connect before the clock starts, so the first requests do not pay for it; one that
        // fails here tries again when its first request is due (and counts the error then).
        connections.back()->connect();
    }
    const Clock::time_point start = Clock::now() + std::chrono::milliseconds(20);
    const Clock::time_point end = start + std::chrono::nanoseconds(std::llround(options.durationSeconds * 1e9));
    std::vector<std::thread> threads;
    for (auto& connection : connections)
        threads.emplace_back([&connection, start, end] { connection->run(start, end); });
    for (auto& thread : threads)
        thread.join();

    RateResult total;
    for (const auto& connection : connections)
    {
        const RateResult& part = connection->result();
        total.scheduled += part.scheduled;
        total.completed += part.completed;
        total.ok += part.ok;
        total.non2xx += part.non2xx;
        total.socketErrors += part.socketErrors;
        total.timeouts += part.timeouts;
        total.latency.merge(part.latency);
        total.sendLag.merge(part.sendLag);
    }
    total.latency.finish();
    total.sendLag.finish();
    return total;
}

std::string formatRateResult(const RateOptions& options, RateResult& result)
{
    char line[1024];
    std::snprintf(line, sizeof line,
                  "rate target_rps=%.0f connections=%d duration_s=%.3f scheduled=%llu completed=%llu "
                  "ok=%llu non2xx=%llu socket_errors=%llu timeouts=%llu achieved_rps=%.1f "
                  "p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f send_lag_p50_ms=%.3f "
                  "send_lag_p99_ms=%.3f",
                  options.rate, options.connections, options.durationSeconds, result.scheduled, result.completed,
                  result.ok, result.non2xx, result.socketErrors, result.timeouts,
                  static_cast<double>(result.completed) / options.durationSeconds, result.latency.percentileMs(0.5),
                  result.latency.percentileMs(0.9), result.latency.percentileMs(0.99),
                  result.latency.percentileMs(0.999), result.latency.maxMs(), result.sendLag.percentileMs(0.5),
                  result.sendLag.percentileMs(0.99));
    return line;
}

} // namespace portico::loadgen
