#pragma once
/// `rate` mode: open-loop load at a fixed request rate, as wrk2 does it. Connection k of C sends
/// requests k, k + C, k + 2C, ... of one fixed timetable (request i is due at start + i / rate),
/// one at a time on a keep-alive connection, each on its own thread sleeping to the
/// nanosecond until its next request is due. A request's latency runs from when it was DUE, not
/// from when it was sent: when an answer is late, the requests queued behind it on that
/// connection are late too and say so (no coordinated omission).

#include "LatencySamples.h"
#include "Options.h"
#include <string>

namespace portico::loadgen {

struct RateResult
{
    unsigned long long scheduled = 0; ///< requests due within the duration
    unsigned long long completed = 0; ///< answered completely (any status)
    unsigned long long ok = 0;        ///< answered 2xx
    unsigned long long non2xx = 0;
    unsigned long long socketErrors = 0; ///< connect failures, resets, early closes, bad framing
    unsigned long long timeouts = 0;     ///< no complete answer within --timeout
    LatencySamples latency;              ///< of completed requests, from when they were due
    LatencySamples sendLag;              ///< how late each request was sent
};

RateResult runRate(const RateOptions& options);

/// The result line: "rate key=value ..." (see tests/bench/README.md).
std::string formatRateResult(const RateOptions& options, RateResult& result);

} // namespace portico::loadgen
