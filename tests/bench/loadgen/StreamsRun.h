#pragma once
/// `streams` mode: opens N streaming requests (at --connect-rate per second), waits until every
/// one is established (status 200 and a first event) or has failed, holds them all open for
/// --hold seconds, then waits for each to end. One thread, one Poco PollSet (epoll) for all the
/// sockets, so thousands of streams cost the client little.

#include "LatencySamples.h"
#include "Options.h"
#include <cstdint>
#include <string>

namespace portico::loadgen {

struct StreamsResult
{
    int requested = 0;
    int established = 0; ///< status 200 and a first event
    int held = 0;        ///< established and still open when the hold window ended
    int completed = 0;   ///< ended with [DONE] / response.completed and no error
    int endedEarly = 0;  ///< completed before the hold window ended (the answer was too short)
    int openPeak = 0;    ///< most streams established and open at once (sampled every 100 ms)
    int connectErrors = 0, statusErrors = 0, closedErrors = 0, errorEvents = 0, timeouts = 0, protocolErrors = 0;
    /// Of the failed streams, those that had been established (status 200 and a first event)
    /// before they failed: cut mid-stream, after the server had begun relaying the answer.
    int failedAfterFirstEvent = 0;
    std::string firstError; ///< the first failure's description, for the log
    std::string firstErrorBeforeFirstEvent; ///< the same, of a stream that failed before its first event
    LatencySamples firstEvent; ///< from the connect to the first event
    double rampSeconds = 0;    ///< from the first connect to the start of the hold window
    double heldSeconds = 0;    ///< the hold window as it was
    unsigned long long events = 0;
    /// Normalised body digests (BodyDigest) of the completed streams: the most common one, how
    /// many had it, how many different ones there were, and how many equal --expect-digest
    /// (-1 without it). Body bytes: the smallest and largest raw body of a completed stream.
    std::uint64_t digest = 0;
    int digestStreams = 0;
    int digestDistinct = 0;
    int digestMatched = -1;
    unsigned long long bodyBytesMin = 0, bodyBytesMax = 0;
    std::string sampleBody; ///< the normalised body of one completed stream (when asked for)

    int errors() const
    {
        return connectErrors + statusErrors + closedErrors + errorEvents + timeouts + protocolErrors;
    }
};

StreamsResult runStreams(const StreamsOptions& options);

/// The result line: "streams key=value ..." (see tests/bench/README.md).
std::string formatStreamsResult(StreamsResult& result);

} // namespace portico::loadgen
