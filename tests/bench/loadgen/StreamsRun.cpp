#include "StreamsRun.h"
#include "HeldStream.h"
#include "Poco/Net/PollSet.h"
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <thread>
#include <unordered_map>
#include <vector>

namespace portico::loadgen {

namespace {

using Clock = HeldStream::Clock;

std::chrono::nanoseconds seconds(double value)
{
    return std::chrono::nanoseconds(static_cast<long long>(value * 1e9));
}

double secondsBetween(Clock::time_point from, Clock::time_point to)
{
    return std::chrono::duration<double>(to - from).count();
}

// The streams and the poll set that watches the open ones.
class StreamTable
{
public:
    explicit StreamTable(const std::string& wire) : wire_(wire) {}

    void open(const Poco::Net::SocketAddress& address, Clock::time_point now)
    {
        // The first few keep their normalised body: one of them is the sample file.
        streams_.push_back(std::make_unique<HeldStream>(wire_, streams_.size() < samplesKept));
        HeldStream& stream = *streams_.back();
        stream.start(address, now);
        if (stream.ended())
            return;
        polled_[stream.socket().impl()->sockfd()] = &stream;
        pollSet_.add(stream.socket(), stream.interest());
    }

    // Waits up to `timeout` for readiness and lets the streams handle it.
    void poll(Poco::Timespan timeout)
    {
        if (polled_.empty())
        {
            std::this_thread::sleep_for(std::chrono::microseconds(timeout.totalMicroseconds()));
            return;
        }
        const Poco::Net::PollSet::SocketModeMap ready = pollSet_.poll(timeout);
        const Clock::time_point now = Clock::now();
        for (const auto& [socket, modes] : ready)
        {
            const auto found = polled_.find(socket.impl()->sockfd());
            if (found == polled_.end())
                continue;
            HeldStream& stream = *found->second;
            if (!stream.onReady(modes, now))
                continue;
            if (stream.ended())
                retire(stream);
            else
                pollSet_.update(stream.socket(), stream.interest());
        }
    }

    // Ends every open stream that `expired` says has run out of time.
    template <typename Predicate>
    void expire(Predicate expired, const std::string& why)
    {
        for (auto& stream : streams_)
            if (!stream->ended() && expired(*stream))
            {
                stream->fail(StreamOutcome::Timeout, why);
                retire(*stream);
            }
    }

    int count(bool (*what)(const HeldStream&)) const
    {
        int n = 0;
        for (const auto& stream : streams_)
            n += what(*stream) ? 1 : 0;
        return n;
    }

    int opened() const { return static_cast<int>(streams_.size()); }
    const std::vector<std::unique_ptr<HeldStream>>& streams() const { return streams_; }

    static constexpr std::size_t samplesKept = 8;

private:
    void retire(HeldStream& stream)
    {
        polled_.erase(stream.socket().impl()->sockfd());
        pollSet_.remove(stream.socket());
        stream.close();
    }

    const std::string& wire_;
    std::vector<std::unique_ptr<HeldStream>> streams_;
    std::unordered_map<int, HeldStream*> polled_;
    Poco::Net::PollSet pollSet_;
};

bool isOpenAndEstablished(const HeldStream& s) { return s.established() && !s.ended(); }
bool isSettled(const HeldStream& s) { return s.established() || s.ended(); }
bool isEnded(const HeldStream& s) { return s.ended(); }
bool isCompleted(const HeldStream& s) { return s.outcome() == StreamOutcome::Completed; }

// The digests of the completed streams (BodyDigest): the most common, the distinct ones, the
// matches with the expected one, the body sizes, a sample body.
void tallyDigests(const StreamTable& table, const std::string& expected, StreamsResult& result)
{
    std::map<std::uint64_t, int> counts;
    bool first = true;
    for (const auto& stream : table.streams())
    {
        if (stream->outcome() != StreamOutcome::Completed)
            continue;
        const BodyDigest& digest = stream->digest();
        ++counts[digest.value()];
        result.bodyBytesMin = first ? digest.bytes() : std::min(result.bodyBytesMin, digest.bytes());
        result.bodyBytesMax = first ? digest.bytes() : std::max(result.bodyBytesMax, digest.bytes());
        first = false;
        if (result.sampleBody.empty())
            result.sampleBody = digest.text();
    }
    result.digestDistinct = static_cast<int>(counts.size());
    for (const auto& [value, count] : counts)
        if (count > result.digestStreams)
        {
            result.digest = value;
            result.digestStreams = count;
        }
    if (!expected.empty())
    {
        result.digestMatched = 0;
        for (const auto& [value, count] : counts)
            if (BodyDigest::hex(value) == expected)
                result.digestMatched = count;
    }
}

void tally(const StreamTable& table, StreamsResult& result)
{
    for (const auto& stream : table.streams())
    {
        if (stream->established())
        {
            ++result.established;
            result.firstEvent.add(stream->establishedAt() - stream->startedAt());
        }
        result.events += stream->events();
        switch (stream->outcome())
        {
        case StreamOutcome::Completed: ++result.completed; break;
        case StreamOutcome::ConnectError: ++result.connectErrors; break;
        case StreamOutcome::StatusError: ++result.statusErrors; break;
        case StreamOutcome::Closed: ++result.closedErrors; break;
        case StreamOutcome::ErrorEvent: ++result.errorEvents; break;
        case StreamOutcome::Timeout: ++result.timeouts; break;
        case StreamOutcome::ProtocolError: ++result.protocolErrors; break;
        case StreamOutcome::Open: break;
        }
        const bool failed = stream->ended() && stream->outcome() != StreamOutcome::Completed;
        if (failed && stream->established())
            ++result.failedAfterFirstEvent;
        else if (failed && result.firstErrorBeforeFirstEvent.empty())
            result.firstErrorBeforeFirstEvent = stream->why();
        if (result.firstError.empty() && failed)
            result.firstError = stream->why();
    }
    result.firstEvent.finish();
}

} // namespace

StreamsResult runStreams(const StreamsOptions& options)
{
    const std::string wire = options.request.wire();
    const Poco::Net::SocketAddress address(options.request.host, options.request.port);
    StreamTable table(wire);
    StreamsResult result;
    result.requested = options.streams;

    enum class Phase { Opening, Holding, Draining } phase = Phase::Opening;
    const Clock::time_point start = Clock::now();
    Clock::time_point holdStart{}, drainStart{}, nextSample = start;
    while (true)
    {
        Clock::time_point now = Clock::now();
        while (table.opened() < options.streams &&
               (options.connectRate <= 0 || now >= start + seconds(table.opened() / options.connectRate)))
            table.open(address, now);

        if (now >= nextSample)
        {
            nextSample = now + std::chrono::milliseconds(100);
            result.openPeak = std::max(result.openPeak, table.count(isOpenAndEstablished));
            const auto idleLimit = seconds(options.idleTimeoutSeconds);
            table.expire([&](const HeldStream& s) { return now - s.lastActivity() > idleLimit; },
                         "no data for " + std::to_string(options.idleTimeoutSeconds) + " s");
        }
        if (phase == Phase::Opening)
        {
            const bool allSettled = table.opened() == options.streams && table.count(isSettled) == options.streams;
            if (!allSettled && now - start > seconds(options.establishTimeoutSeconds))
                table.expire([](const HeldStream& s) { return !s.established(); }, "not established in time");
            if (allSettled || now - start > seconds(options.establishTimeoutSeconds))
            {
                phase = Phase::Holding;
                holdStart = now;
                result.rampSeconds = secondsBetween(start, now);
                std::cerr << "streams: " << table.count(isOpenAndEstablished) << " of " << options.streams
                          << " established in " << result.rampSeconds << " s; holding " << options.holdSeconds
                          << " s" << std::endl;
            }
        }
        // Nothing to hold (every stream failed): no point in waiting out the window.
        const bool nothingOpen = phase == Phase::Holding && table.count(isOpenAndEstablished) == 0;
        if (phase == Phase::Holding && (nothingOpen || now >= holdStart + seconds(options.holdSeconds)))
        {
            phase = Phase::Draining;
            drainStart = now;
            result.heldSeconds = secondsBetween(holdStart, now);
            result.held = table.count(isOpenAndEstablished);
            result.openPeak = std::max(result.openPeak, result.held);
            result.endedEarly = table.count(isCompleted);
            std::cerr << "streams: " << result.held << " held; waiting for them to end" << std::endl;
        }
        if (phase == Phase::Draining)
        {
            if (table.count(isEnded) == options.streams)
                break;
            if (now - drainStart > seconds(options.drainTimeoutSeconds))
            {
                table.expire([](const HeldStream&) { return true; }, "did not end within the drain timeout");
                break;
            }
        }
        // 10 ms: fine enough for the connect schedule (1,000/s opens 10 at a time) and cheap.
        table.poll(Poco::Timespan(10 * 1000));
    }
    tally(table, result);
    tallyDigests(table, options.expectDigest, result);
    if (!options.sampleBodyFile.empty())
    {
        std::ofstream sample(options.sampleBodyFile, std::ios::binary | std::ios::trunc);
        sample << result.sampleBody;
        if (!sample)
            std::cerr << "streams: cannot write " << options.sampleBodyFile << std::endl;
    }
    return result;
}

std::string formatStreamsResult(StreamsResult& result)
{
    char line[1536];
    std::snprintf(line, sizeof line,
                  "streams requested=%d established=%d held=%d completed=%d ended_early=%d errors=%d "
                  "err_connect=%d err_status=%d err_closed=%d err_event=%d err_timeout=%d err_protocol=%d "
                  "open_peak=%d ramp_s=%.2f hold_s=%.2f first_event_p50_ms=%.3f first_event_p99_ms=%.3f "
                  "first_event_max_ms=%.3f events=%llu digest=%s digest_streams=%d digest_distinct=%d "
                  "digest_matched=%d body_bytes_min=%llu body_bytes_max=%llu err_after_first_event=%d",
                  result.requested, result.established, result.held, result.completed, result.endedEarly,
                  result.errors(), result.connectErrors, result.statusErrors, result.closedErrors, result.errorEvents,
                  result.timeouts, result.protocolErrors, result.openPeak, result.rampSeconds, result.heldSeconds,
                  result.firstEvent.percentileMs(0.5), result.firstEvent.percentileMs(0.99), result.firstEvent.maxMs(),
                  result.events, BodyDigest::hex(result.digest).c_str(), result.digestStreams,
                  result.digestDistinct, result.digestMatched, result.bodyBytesMin, result.bodyBytesMax,
                  result.failedAfterFirstEvent);
    return line;
}

} // namespace portico::loadgen
