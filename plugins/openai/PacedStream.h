#pragma once
/// portico-echo's answers paced at local.token_delay_ms per token, on the event loop: a model
/// that generates at a fixed rate, without a thread per answer.
///
/// PacedStream is the streamed answer: the events before the first token, one event per token
/// (token k is due at start + (k + 1) × delay, so time spent writing does not add up as drift),
/// and the events after the last. It stops producing while the client is over its high
/// watermark and goes on when the core says the client drained (resume), so a slow client
/// never makes it buffer the stream. A subclass writes the events.
///
/// DelayedAnswer is the buffered answer: the whole body once all its tokens are due.

#include "portico/Deferred.h"
#include "portico/Exchange.h"
#include <chrono>
#include <cstddef>
#include <string>

namespace portico::openai {

class PacedStream : public DeferredAnswer
{
public:
    PacedStream(int delayMs, std::size_t tokens);

    void start(Exchange& exchange) override;
    void resume(Exchange& exchange) override;
    void cancel(Exchange& exchange) override;

protected:
    /// The events before the first token. False when the client is gone.
    virtual bool opening(SseWriter& sse) = 0;
    /// The event(s) of token `index`. False when the client is gone.
    virtual bool token(SseWriter& sse, std::size_t index) = 0;
    /// The events after the last token (the writer is ended by the caller).
    virtual bool closing(SseWriter& sse) = 0;
    /// The error event sent when producing failed after the first event.
    virtual std::string errorEvent() const = 0;
    /// Records usage on the exchange; `produced` tokens were sent.
    virtual void finished(Exchange& exchange, std::size_t produced) = 0;

    std::size_t produced() const { return next_; }
    Exchange::Clock::time_point startedAt() const { return started_; }

private:
    /// Writes every event that is due and room allows, then waits (timer or resume).
    void step(Exchange& exchange);
    void produce(Exchange& exchange);

    const std::chrono::milliseconds delay_;
    const std::size_t tokens_;
    Exchange::Clock::time_point started_;
    /// The stream's writer once produce() has asked for it (for the error event after a
    /// failure: Exchange::stream() throws once the stream has ended or failed).
    StreamWriter* writer_ = nullptr;
    std::size_t next_ = 0;
    bool opened_ = false;
    bool waitingForRoom_ = false;
    bool done_ = false;
};

class DelayedAnswer : public DeferredAnswer
{
public:
    DelayedAnswer(std::chrono::milliseconds delay, std::string body) : delay_(delay), body_(std::move(body)) {}
    void start(Exchange& exchange) override;

private:
    const std::chrono::milliseconds delay_;
    std::string body_;
};

} // namespace portico::openai
