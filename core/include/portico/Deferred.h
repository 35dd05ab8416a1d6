#pragma once
/// An answer that is produced after the handler has returned, on the event loop that owns the
/// client's connection: a stream paced by a timer, an upstream's answer relayed as it arrives.
/// Nothing holds a thread while it waits.
///
///     class Countdown : public portico::DeferredAnswer
///     {
///         void start(portico::Exchange& exchange) override { tick(exchange); }
///         void tick(portico::Exchange& exchange)
///         {
///             portico::SseWriter sse(exchange.stream());
///             if (!sse.data(std::to_string(left_)))
///                 return; // the client has gone: the core cancels the task
///             if (left_-- == 0)
///                 return exchange.stream().end();
///             exchange.after(std::chrono::milliseconds(100), [this, &exchange] { tick(exchange); });
///         }
///         int left_ = 10;
///     };
///     ...
///     exchange.defer(std::make_unique<Countdown>());   // in the handler
///
/// Rules:
///  - Every callback (start, resume, cancel, the exchange's timers) runs on the connection's
///    event loop, one at a time: a task needs no locks for its own state. It must never block
///    (no sleep, no blocking socket, no Redis or SQLite call).
///  - The task answers once: respond()/respondError() (a buffered answer), or stream(), writes
///    and end() (or fail()). It may answer in start() or in any later callback.
///  - An exception from a callback is caught by the core: before the answer was committed it
///    becomes a 500 in OpenAI's error shape; after, the stream fails (see StreamWriter::fail).
///  - The core destroys the task when the exchange is over: after its answer was sent, or after
///    cancel() when the client went away or the server is stopping. Destroying it must release
///    what it holds (timers are the exchange's and are cancelled by the core).

#include "portico/Api.h"

namespace portico {

class Exchange;

class PORTICO_API DeferredAnswer
{
public:
    virtual ~DeferredAnswer();
    /// Called once, on the loop, after the handler (and every request hook) has returned.
    virtual void start(Exchange& exchange) = 0;
    /// The stream's writer is ready() again after it was over its high watermark.
    virtual void resume(Exchange& /*exchange*/) {}
    /// The exchange is abandoned (the client went away, the server is stopping): nothing can be
    /// sent any more. Stop at once; the task is destroyed right after.
    virtual void cancel(Exchange& /*exchange*/) {}
};

} // namespace portico
