#pragma once
/// The interface every plugin implements. All hooks have empty defaults: override the ones you
/// need. The host calls them inside try/catch; an exception becomes a 500 answer in OpenAI's
/// error shape (with every header the response hooks add) and a log line.
///
/// One plugin object serves all requests of one chain, concurrently: hooks must be thread-safe
/// and keep per-request state in the Exchange (a StateSlot), not in the plugin.
///
/// Threads (see docs/plugins.md): by default every hook runs on the event loop that owns the
/// client's connection, and none may block there.
///  - When a plugin of the chain says Blocking::May (blocking() below), the request hooks, the
///    handler and the completion hooks of every request run on a worker thread.
///  - When only the route says Blocking::May, its request hooks and handler run on a worker;
///    completion hooks stay on the loop, unless a request hook called
///    Exchange::completeOnWorker() for this request. So does a request whose body is over 64 KiB (parsing
///    it must not hold the loop's other connections).
///  - onResponseHead and onResponseBody run where the answer is produced: on the loop for a
///    buffered answer, a deferred answer or a stream on the loop; on the worker for a blocking
///    handler's own stream. They must never block.

#include "portico/Api.h"
#include "portico/ApiDescription.h"
#include "portico/Exchange.h"
#include "portico/Route.h"
#include <string>
#include <string_view>

namespace portico {

/// How an exchange ended, for completion hooks.
enum class Outcome
{
    Completed,  ///< the whole answer was sent
    Error,      ///< a hook or the handler threw, or the stream ended in an error
    ClientGone  ///< the client went away before the answer was complete
};

class PORTICO_API Plugin
{
public:
    virtual ~Plugin();

    /// Runs in config order before the handler. Answering (respond/respondError) stops the
    /// walk inwards; the response-head hooks of every plugin whose request hook ran still run.
    virtual void onRequest(Exchange&) {}

    /// Runs in reverse config order once the answer's status and headers are known, before
    /// anything is sent (for a stream: before its first byte). Add or change headers here.
    virtual void onResponseHead(Exchange&) {}

    /// Sees the body: once with the whole body of a buffered answer, or once per chunk of a
    /// stream, just before it is written.
    virtual void onResponseBody(Exchange&, std::string_view /*chunk*/) {}

    /// Always runs last, whatever happened (success, error, client gone).
    virtual void onComplete(Exchange&, Outcome) {}

    // Note: for a request the core rejects before it can be parsed (400 malformed, 408 head too
    // slow, 431), no request hook runs but every plugin's onResponseHead, onResponseBody and
    // onComplete do, on an Exchange with method "-" and path "/", so that the answer carries the
    // usual headers and is counted. Hooks must not assume their onRequest ran.

    /// Empty when the plugin can serve; otherwise why not (shown by /readyz).
    virtual std::string notReadyReason() const { return {}; }

    /// Lifecycle: start() runs once all plugins of a chain are created, in chain order;
    /// stop() when the chain is retired (reload, shutdown), in reverse order.
    virtual void start() {}
    virtual void stop() {}

    /// Describes the routes this plugin registers and what it adds to other answers (headers,
    /// responses, security), for the OpenAPI document the core assembles from the chain. Called
    /// after the constructor, from one thread, never while requests run through this object.
    virtual void describeApi(ApiDescription&) const {}

    /// Whether onRequest or onComplete may wait (on Redis, SQLite, a remote service, a file, a
    /// lock held across I/O). Blocking::May, the default, is always safe: the core then runs
    /// the request path and the completion hooks of every request of this chain on a worker
    /// thread. Blocking::Never lets them run on the event loop, which saves two thread
    /// hand-offs per request; say it only when no hook can wait, or when onComplete waits only
    /// for requests whose onRequest called Exchange::completeOnWorker(). Asked once, when the
    /// chain is built.
    virtual Blocking blocking() const { return Blocking::May; }
};

} // namespace portico
