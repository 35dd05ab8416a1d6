#pragma once
// What an Exchange calls back into: the core's side of one request (ExchangeRun in the server,
// the test harness in unit tests). Not part of the plugin API: plugins only see the Exchange.
//
// Calls come from the thread that owns the exchange at the time: the event loop, or the worker
// running a blocking handler (then only beforeCommit, observe and the stream calls).

#include "portico/Exchange.h"
#include <chrono>
#include <functional>
#include <string_view>

namespace portico {

class EventLoop;

class ExchangeHost
{
public:
    virtual ~ExchangeHost() = default;

    /// The answer's head is about to be committed: runs the response-head hooks. False when a
    /// hook threw and the answer was replaced by a buffered 500 (the stream must not begin).
    virtual bool beforeCommit(Exchange& exchange) = 0;
    /// The body hooks, for one chunk about to be written.
    virtual void observe(Exchange& exchange, std::string_view chunk) = 0;

    /// Puts the committed head of a streamed answer on the wire. False when the client is gone.
    virtual bool beginStream(Exchange& exchange) = 0;
    /// Queues one chunk (never empty). False when the client is gone.
    virtual bool writeChunk(std::string_view chunk) = 0;
    /// False while the client's queue is over the high watermark.
    virtual bool streamReady() const = 0;
    /// The writer's end() (failed = false) or fail() (failed = true).
    virtual void streamEnded(Exchange& exchange, bool failed) = 0;

    /// Exchange::after / cancelTimer.
    virtual Exchange::TimerId after(Exchange& exchange, std::chrono::milliseconds delay,
                                    std::function<void()> callback) = 0;
    virtual void cancelTimer(Exchange::TimerId timer) = 0;

    /// The event loop that owns the exchange's connection (the upstream client runs its calls
    /// there).
    virtual EventLoop& eventLoop() = 0;
    /// Runs plugin code for the exchange from the loop (an upstream callback): an exception
    /// fails the exchange, and the answer moves on once the outermost such call returns.
    virtual void invoke(const std::function<void()>& callback) = 0;
};

} // namespace portico
