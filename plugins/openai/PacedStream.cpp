#include "PacedStream.h"

namespace portico::openai {

PacedStream::PacedStream(int delayMs, std::size_t tokens) : delay_(delayMs), tokens_(tokens) {}

void PacedStream::start(Exchange& exchange)
{
    started_ = Exchange::Clock::now();
    step(exchange);
}

void PacedStream::resume(Exchange& exchange)
{
    if (!waitingForRoom_)
        return;
    waitingForRoom_ = false;
    step(exchange);
}

void PacedStream::cancel(Exchange& exchange)
{
    // The client left: usage is what was actually generated.
    finished(exchange, next_);
}

void PacedStream::step(Exchange& exchange)
{
    try
    {
        produce(exchange);
    }
    catch (const std::exception&)
    {
        // Before the first event the core answers an ordinary 500. After it, the client learns
        // of the failure from an error event; the core logs the exception and cuts the stream.
        // The original exception is the one that propagates: the error event is sent only
        // while the stream is still open, and a failure to send it is dropped.
        finished(exchange, next_);
        if (exchange.response().committed && writer_ && writer_->open())
        {
            try
            {
                SseWriter(*writer_).send("error", errorEvent());
            }
            catch (const std::exception&)
            {
            }
        }
        throw;
    }
}

void PacedStream::produce(Exchange& exchange)
{
    if (done_)
        return;
    StreamWriter& writer = exchange.stream();
    writer_ = &writer;
    SseWriter sse(writer);
    if (!opened_)
    {
        opened_ = true;
        if (!opening(sse))
            return; // the client is gone; the core cancels
    }
    while (next_ < tokens_)
    {
        if (!writer.ready())
        {
            waitingForRoom_ = true; // resume() goes on
            return;
        }
        const auto due = started_ + delay_ * static_cast<long>(next_ + 1);
        const auto now = Exchange::Clock::now();
        if (delay_.count() > 0 && due > now)
        {
            const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(due - now) +
                              std::chrono::milliseconds(1);
            exchange.after(wait, [this, &exchange] { step(exchange); });
            return;
        }
        if (!token(sse, next_))
            return; // usage counts the tokens that reached the client
        ++next_;
    }
    done_ = true;
    finished(exchange, next_);
    if (closing(sse))
        writer.end();
}

void DelayedAnswer::start(Exchange& exchange)
{
    if (delay_.count() <= 0)
        return exchange.respond(200, std::move(body_));
    exchange.after(delay_, [this, &exchange] { exchange.respond(200, std::move(body_)); });
}

} // namespace portico::openai
