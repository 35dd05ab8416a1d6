#include "http/ExchangeRun.h"
#include "api/ExchangeControl.h"
#include "event/EventLoop.h"
#include "event/WorkerPool.h"
#include "http/AccessLog.h"
#include "Poco/Exception.h"
#include "Poco/Logger.h"
#include <algorithm>

namespace portico {

namespace {

Poco::Logger& coreLogger()
{
    static Poco::Logger& logger = Poco::Logger::get("portico.core");
    return logger;
}

} // namespace

ExchangeRun::ExchangeRun(RunEnvironment environment, std::shared_ptr<const Chain> chain,
                         std::unique_ptr<Exchange> exchange, ResponseSink& sink, std::function<void()> done)
    : env_(environment),
      chain_(std::move(chain)),
      exchange_(std::move(exchange)),
      sink_(sink),
      done_(std::move(done)),
      runner_(*chain_, coreLogger())
{
    if (env_.state)
        inFlight_ = std::make_unique<ServerState::InFlight>(*env_.state);
    ExchangeControl::attach(*exchange_, this);
    ExchangeControl::reserveResponseHeaders(*exchange_, chain_->responseHeadersHint());
}

ExchangeRun::~ExchangeRun()
{
    cancelTimers();
    // The task before the exchange's other state: it may refer to it.
    if (exchange_)
        ExchangeControl::dropDeferred(*exchange_);
}

std::unique_ptr<Exchange> ExchangeRun::releaseExchange()
{
    cancelTimers();
    ExchangeControl::dropDeferred(*exchange_);
    ExchangeControl::attach(*exchange_, nullptr);
    return std::move(exchange_);
}

void ExchangeRun::start()
{
    const bool mayBlock = runner_.route(*exchange_) || exchange_->body().size() > env_.inlineBodyLimit;
    if (!mayBlock || !env_.workers)
    {
        runner_.runRequestPath(*exchange_);
        afterRequestPath();
        return;
    }
    onWorker_ = true;
    const bool queued = env_.workers->submit([this] {
        runner_.runRequestPath(*exchange_);
        env_.loop.post([this] {
            onWorker_ = false;
            afterRequestPath();
        });
    });
    if (queued)
        return;
    onWorker_ = false;
    if (env_.workers->stopping())
    {
        runner_.answerWithoutRequest(*exchange_, 503, "The server is shutting down; retry shortly.", "server_stopping");
    }
    else
    {
        coreLogger().warning("worker queue full (server.queue): answering " + exchange_->method() + " " +
                             exchange_->path() + " with 503");
        runner_.answerWithoutRequest(*exchange_, 503,
                                     "The server is overloaded (every worker is busy and its queue is full); "
                                     "retry shortly.",
                                     "server_busy");
    }
    exchange_->response().headers.set("Retry-After", "1");
    settle();
}

void ExchangeRun::startWithoutRequest(int status, const std::string& message, const std::string& code)
{
    runner_.answerWithoutRequest(*exchange_, status, message, code);
    settle();
}

void ExchangeRun::afterRequestPath()
{
    if (gone_ && !finished_ && !exchange_->response().committed && !exchange_->answered())
    {
        // The client left while a worker ran the handler, which deferred its answer: there is
        // nobody to answer.
        if (ExchangeControl::deferred(*exchange_))
            return complete(Outcome::ClientGone);
    }
    settle();
}

void ExchangeRun::invoke(const std::function<void()>& callback)
{
    callGuarded(callback);
    if (depth_ > 0)
        return;
    // A resume() asked for while plugin code was on the stack runs now, in a loop rather than
    // nested: a producer whose writes keep draining the queue does not grow the stack.
    while (resumePending_)
    {
        resumePending_ = false;
        DeferredAnswer* task = resumableTask();
        if (!task)
            break;
        callGuarded([task, this] { task->resume(*exchange_); });
    }
    settle();
}

void ExchangeRun::callGuarded(const std::function<void()>& callback)
{
    ++depth_;
    try
    {
        callback();
    }
    catch (...)
    {
        const std::string what = currentExceptionText();
        runner_.answerWithServerError(*exchange_, "the deferred answer of " + exchange_->method() + " " +
                                                      (exchange_->route().empty() ? exchange_->path() : exchange_->route()),
                                      what);
        // Once the head is out, a failure can only cut the stream.
        if (exchange_->response().committed && ExchangeControl::streamState(*exchange_) == ExchangeControl::StreamState::Open)
            exchange_->stream().fail();
    }
    --depth_;
}

void ExchangeRun::settle()
{
    if (finished_ || depth_ > 0 || onWorker_)
        return;
    Exchange& exchange = *exchange_;
    DeferredAnswer* task = ExchangeControl::deferred(exchange);
    if (task && !deferredStarted_ && !exchange.answered() && !gone_)
    {
        deferredStarted_ = true;
        invoke([task, &exchange] { task->start(exchange); });
        return; // invoke settled
    }
    const Response& response = exchange.response();
    using State = ExchangeControl::StreamState;
    const State stream = ExchangeControl::streamState(exchange);
    if (response.committed && response.streamed)
    {
        switch (stream)
        {
        case State::Ended:
            sink_.endStream();
            return complete(runner_.failed() ? Outcome::Error : Outcome::Completed);
        case State::Failed:
            sink_.abortStream();
            return complete(Outcome::Error);
        case State::Gone:
            return complete(Outcome::ClientGone);
        case State::Open:
            if (gone_)
                return complete(Outcome::ClientGone);
            if (!task)
            {
                // The handler returned with its stream open: the core ends it, or cuts it when
                // the handler failed after the head was out.
                if (runner_.failed())
                    exchange.stream().fail();
                else
                    exchange.stream().end();
                return settle();
            }
            return; // a deferred stream goes on
        default:
            return complete(runner_.failed() ? Outcome::Error : Outcome::Completed);
        }
    }
    if (response.committed)
        return complete(response.clientGone ? Outcome::ClientGone
                                            : (runner_.failed() ? Outcome::Error : Outcome::Completed));
    if (gone_ && (task || stream == State::Open))
        return complete(Outcome::ClientGone);
    if (exchange.answered() && !response.streamed)
        return sendBuffered();
    if (response.streamed && stream == State::Open && !task)
    {
        // A stream that never wrote a byte: its head, then its end.
        exchange.stream().end();
        return settle();
    }
    // A deferred answer still on its way.
}

void ExchangeRun::sendBuffered()
{
    Exchange& exchange = *exchange_;
    if (!headHooksRan_)
        runner_.runHeadHooks(exchange);
    Response& response = exchange.response();
    response.committed = true;
    runner_.observeBody(exchange, response.body);
    const bool sent = sink_.sendWhole(response);
    if (sent)
        response.bytesSent = response.body.size();
    else
        response.clientGone = true;
    complete(!sent ? Outcome::ClientGone : (runner_.failed() ? Outcome::Error : Outcome::Completed));
}

void ExchangeRun::complete(Outcome outcome)
{
    if (finished_)
        return;
    finished_ = true;
    outcome_ = outcome;
    streaming_.reset(); // the stream's last byte (or its cut) is queued, or the client is gone
    cancelTimers();
    if (DeferredAnswer* task = ExchangeControl::deferred(*exchange_))
    {
        if (outcome == Outcome::ClientGone && deferredStarted_)
        {
            try
            {
                task->cancel(*exchange_);
            }
            catch (...)
            {
                coreLogger().error("a deferred answer's cancel() threw: " + currentExceptionText());
            }
        }
        // Nothing of the task may run any more; its state goes now (an upstream connection it
        // holds is closed at once).
        ExchangeControl::dropDeferred(*exchange_);
    }
    if ((chain_->mayBlock() || exchange_->completesOnWorker()) && env_.workers)
    {
        onWorker_ = true;
        // Completion jobs are never refused: they are bounded by the requests in flight, and
        // losing one would lose an idempotency record or a token settlement.
        const bool queued = env_.workers->submit(
            [this] {
                runCompletion();
                env_.loop.post([this] {
                    onWorker_ = false;
                    done_();
                });
            },
            true);
        if (queued)
            return;
        // Only while the server stops (completion jobs are never refused otherwise): run here,
        // on the loop, rather than lose an idempotency record or a token settlement.
        onWorker_ = false;
    }
    runCompletion();
    done_();
}

void ExchangeRun::runCompletion()
{
    runner_.runCompletionHooks(*exchange_, outcome_);
    if (env_.accessLog)
        env_.accessLog->record(*exchange_, outcome_);
}

void ExchangeRun::clientGone()
{
    if (gone_)
        return;
    gone_ = true;
    if (finished_ || onWorker_ || depth_ > 0)
        return; // the worker's writes fail; settle() sees gone_ when it comes back
    if (ExchangeControl::deferred(*exchange_) && deferredStarted_)
        complete(Outcome::ClientGone);
}

DeferredAnswer* ExchangeRun::resumableTask() const
{
    DeferredAnswer* task = ExchangeControl::deferred(*exchange_);
    if (finished_ || gone_ || onWorker_ || !task || !deferredStarted_ ||
        ExchangeControl::streamState(*exchange_) != ExchangeControl::StreamState::Open)
        return nullptr;
    return task;
}

void ExchangeRun::writable()
{
    DeferredAnswer* task = resumableTask();
    if (!task)
        return;
    if (depth_ > 0)
    {
        // Drained by a write of the task itself: resuming now would run resume() inside that
        // write. invoke() resumes once the outermost callback has returned.
        resumePending_ = true;
        return;
    }
    invoke([task, this] { task->resume(*exchange_); });
}

bool ExchangeRun::beforeCommit(Exchange& exchange)
{
    headHooksRan_ = true;
    // False: a hook threw and the answer is now a buffered 500, which settle() sends.
    return runner_.runHeadHooks(exchange);
}

void ExchangeRun::observe(Exchange& exchange, std::string_view chunk)
{
    runner_.observeBody(exchange, chunk);
}

bool ExchangeRun::beginStream(Exchange& exchange)
{
    if (gone_ || !sink_.beginStream(exchange.response()))
        return false;
    // On a worker for a blocking handler's stream: the loop leaves streaming_ alone until the
    // worker hands the run back.
    if (env_.state)
        streaming_ = std::make_unique<ServerState::Streaming>(*env_.state);
    return true;
}

bool ExchangeRun::writeChunk(std::string_view chunk)
{
    return sink_.writeChunk(chunk);
}

bool ExchangeRun::streamReady() const
{
    return sink_.ready();
}

void ExchangeRun::streamEnded(Exchange&, bool)
{
    // settle() sends the end (or cuts the stream) once the plugin code that ended it returns.
}

Exchange::TimerId ExchangeRun::after(Exchange&, std::chrono::milliseconds delay, std::function<void()> callback)
{
    if (!env_.loop.inLoopThread())
        throw Poco::IllegalStateException(
            "Exchange::after() is for deferred answers, which run on the event loop (see portico/Deferred.h)");
    if (finished_)
        throw Poco::IllegalStateException("Exchange::after() on an exchange that is over");
    auto id = std::make_shared<EventLoop::TimerId>(0);
    *id = env_.loop.after(delay, [this, id, callback = std::move(callback)] {
        timers_.erase(std::remove(timers_.begin(), timers_.end(), *id), timers_.end());
        if (!finished_)
            invoke(callback);
    });
    timers_.push_back(*id);
    return *id;
}

void ExchangeRun::cancelTimer(Exchange::TimerId timer)
{
    const auto found = std::find(timers_.begin(), timers_.end(), timer);
    if (found == timers_.end())
        return;
    timers_.erase(found);
    env_.loop.cancel(timer);
}

void ExchangeRun::cancelTimers()
{
    for (const auto timer : timers_)
        env_.loop.cancel(timer);
    timers_.clear();
}

} // namespace portico
