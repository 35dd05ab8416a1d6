#pragma once
/// `hold` mode: many connections held open while fresh requests are timed, all on one thread and
/// one epoll set (Poller), non-blocking, 127.0.0.1 only.
///   1. Opening: --idle keep-alive connections each send one request (GET /healthz), read the
///      answer and stay open, idle, as an SDK's connection pool keeps them; --slow slowloris
///      connections send a request head a line per --slow-interval and never finish it
///      (SlowHead). Slow connections first, then idle ones, at --connect-rate per second.
///   2. Once every idle connection is answered (or failed) and every slow one connected (or
///      failed), or after --establish-timeout: --fresh requests on new connections, --fresh-batch
///      at a time every --fresh-interval, each timed from its connect to its whole answer and
///      failed after --fresh-timeout.
///   3. It ends when every fresh request is over and --hold seconds have passed since the
///      first. Meanwhile a slow connection that the server closes (or answers) is recorded
///      (status, time since its connect) and reconnected, no sooner than one interval after its
///      previous connect; idle connections the server closes are counted, not reopened.
/// Every phase is bounded: the run cannot outlast establish + hold + the fresh schedule + the
/// fresh timeout (+ 30 s of slack, after which it stops and says so).

#include "LatencySamples.h"
#include "Options.h"
#include <string>

namespace portico::loadgen {

struct HoldResult
{
    int idleRequested = 0;
    int idleOk = 0;             ///< answered 200
    int idleNon200 = 0;         ///< answered another status
    int idleFailed = 0;         ///< no whole answer: connect error, closed, timeout, bad framing
    int idleTimeouts = 0;       ///< ... of which: no answer within --establish-timeout
    int idleHeld = 0;           ///< answered 200 and open when the fresh requests began
    int idleHeldEnd = 0;        ///< ... and still open at the end
    int idleClosedByServer = 0; ///< answered, then closed by the server during the run

    int slowRequested = 0;
    int slowHeld = 0;          ///< connected and unanswered when the fresh requests began
    int slowOpenEnd = 0;       ///< connected and unanswered at the end
    int slowConnects = 0;      ///< connections started, reconnects included
    int slowConnectErrors = 0; ///< connections that never completed (refused, timed out)
    int slowCloses = 0;        ///< connected slow connections the server ended (answer or close)
    int slow408 = 0;           ///< ... with a 408 answer
    int slowFirst408 = 0;      ///< slots whose first connection ended with a 408
    int slowNeverClosed = 0;   ///< slots whose first connection was still open at the end
    LatencySamples slowCloseTime; ///< per slow close: from its connect to the answer or close

    int freshRequested = 0;
    int freshStarted = 0;
    int freshOk = 0;     ///< answered 200
    int freshNon200 = 0; ///< answered another status
    int freshTimeouts = 0, freshClosed = 0, freshConnectErrors = 0, freshProtocolErrors = 0;
    LatencySamples freshLatency; ///< answered ones, from the connect to the whole answer

    double rampSeconds = 0; ///< from the first connect to the first fresh request
    double runSeconds = 0;
    bool cutShort = false; ///< stopped by the overall bound, not by the schedule
    std::string firstIdleError, firstFreshError, firstSlowOther; ///< for the log

    int freshFailed() const { return freshTimeouts + freshClosed + freshConnectErrors + freshProtocolErrors; }
};

HoldResult runHold(const HoldOptions& options);

/// The result line: "hold key=value ..." (see tests/bench/README.md).
std::string formatHoldResult(HoldResult& result);

} // namespace portico::loadgen
