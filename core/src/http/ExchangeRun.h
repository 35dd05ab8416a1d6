#pragma once
// One request's life, from a parsed request to its last completion hook: the part of the core
// that decides which thread runs what (see docs/architecture.md, "A request's path").
//
//   loop: route ──▶ request hooks + handler ──▶ answer ──▶ completion hooks ──▶ done
//                   (on a worker when a plugin     │        (on a worker when a plugin
//                    or the route may block)       │         of the chain may block)
//                                                  └─ deferred answers, streams: on the loop
//
// Everything here runs on the connection's event loop except the request path and the
// completion hooks when they go to a worker, and a blocking handler's stream writes (which the
// sink carries over to the loop). While a worker holds the exchange the loop does not touch it
// (it only notes that the client left, in an atomic flag); the worker posts back when it is done
// (a full hand-over, through the pool's and the loop's locks).
//
// Every call into plugin code after the handler (a deferred answer's callbacks, its timers) goes
// through invoke(): exceptions are caught there, and settle() moves the state on only once the
// outermost callback has returned, so no plugin frame is ever on the stack when the exchange is
// torn down.

#include "api/ExchangeHost.h"
#include "event/EventLoop.h"
#include "http/ChainRunner.h"
#include "http/ResponseSink.h"
#include "http/ServerState.h"
#include <atomic>
#include <functional>
#include <memory>
#include <vector>

namespace portico {

class AccessLog;
class WorkerPool;

/// What a run needs from the server (tests give a loop and nothing else).
struct RunEnvironment
{
    EventLoop& loop;
    /// Null: everything runs on the loop (unit tests).
    WorkerPool* workers = nullptr;
    /// Null: no access log line.
    AccessLog* accessLog = nullptr;
    /// Null: not counted for drain.
    ServerState* state = nullptr;
    /// Bodies larger than this run their request path on a worker even when nothing blocks,
    /// so that parsing a large body does not hold the loop's other connections.
    std::size_t inlineBodyLimit = 64 * 1024;
};

class ExchangeRun : public ExchangeHost
{
public:
    /// `done` is called on the loop once the completion hooks (and the access log line) are
    /// over; the owner may then destroy the run.
    ExchangeRun(RunEnvironment environment, std::shared_ptr<const Chain> chain, std::unique_ptr<Exchange> exchange,
                ResponseSink& sink, std::function<void()> done);
    ~ExchangeRun() override;
    ExchangeRun(const ExchangeRun&) = delete;
    ExchangeRun& operator=(const ExchangeRun&) = delete;

    Exchange& exchange() { return *exchange_; }
    const Exchange& exchange() const { return *exchange_; }

    /// Runs the request through the chain.
    void start();
    /// Answers a request the core could not serve (malformed, too slow, server busy): every
    /// plugin's response-head and completion hooks run, no request hook or handler.
    void startWithoutRequest(int status, const std::string& message, const std::string& code);

    /// The client went away (loop): a deferred answer is cancelled at once.
    void clientGone();
    /// The client's queue drained below the low watermark (loop): a waiting stream resumes.
    void writable();
    /// A worker holds the exchange: the owner must keep the run (and its sink) alive.
    bool onWorker() const { return onWorker_; }
    /// The answer is complete (the completion hooks may still be running).
    bool answered() const { return finished_; }
    Outcome outcome() const { return outcome_; }
    /// After done: hands the exchange back, detached from the core (tests inspect it).
    std::unique_ptr<Exchange> releaseExchange();

    // ExchangeHost
    bool beforeCommit(Exchange& exchange) override;
    void observe(Exchange& exchange, std::string_view chunk) override;
    bool beginStream(Exchange& exchange) override;
    bool writeChunk(std::string_view chunk) override;
    bool streamReady() const override;
    void streamEnded(Exchange& exchange, bool failed) override;
    Exchange::TimerId after(Exchange& exchange, std::chrono::milliseconds delay,
                            std::function<void()> callback) override;
    void cancelTimer(Exchange::TimerId timer) override;
    EventLoop& eventLoop() override { return env_.loop; }
    /// Runs plugin code from the loop: exceptions fail the exchange; settles when the outermost
    /// call returns.
    void invoke(const std::function<void()>& callback) override;

private:
    /// Back on the loop after the request path.
    void afterRequestPath();
    /// Moves the answer on after plugin code ran: starts a deferred answer, sends a buffered
    /// one, ends a stream, or waits.
    void settle();
    void sendBuffered();
    void complete(Outcome outcome);
    void runCompletion();
    /// Runs plugin code, turning an exception into a 500 or a cut stream; no settling.
    void callGuarded(const std::function<void()>& callback);
    /// The deferred task when it may be resumed now, else null.
    DeferredAnswer* resumableTask() const;
    void cancelTimers();

    RunEnvironment env_;
    std::shared_ptr<const Chain> chain_;
    std::unique_ptr<Exchange> exchange_;
    ResponseSink& sink_;
    std::function<void()> done_;
    ChainRunner runner_;
    std::unique_ptr<ServerState::InFlight> inFlight_;
    /// Set once a stream's head went to the client, dropped in complete(): however the stream
    /// ends (its end, a cut, the client gone) complete() runs once, and the destructor covers
    /// a run torn down without it.
    std::unique_ptr<ServerState::Streaming> streaming_;

    std::vector<EventLoop::TimerId> timers_;
    int depth_ = 0;             ///< invoke() nesting
    bool onWorker_ = false;
    bool deferredStarted_ = false;
    bool headHooksRan_ = false; ///< for the replacement 500 of a stream whose head hook threw
    /// Written by the loop; also read by a worker whose blocking handler begins its stream.
    std::atomic<bool> gone_{false};
    /// The client's queue drained while plugin code was on the stack: resume() runs once the
    /// outermost callback has returned, never nested inside a producer's own write().
    bool resumePending_ = false;
    bool finished_ = false;
    Outcome outcome_ = Outcome::Completed;
};

} // namespace portico
