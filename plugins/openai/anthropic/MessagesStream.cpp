#include "MessagesStream.h"
#include "portico/Attributes.h"

namespace portico::openai::anthropic {

MessagesStream::MessagesStream(MessageIdentity identity, std::unique_ptr<MessageAnswer> answer, int delayMs,
                               OpenAiMetrics& metrics)
    : PacedStream(delayMs, answer->outputTokens()),
      identity_(std::move(identity)),
      answer_(std::move(answer)),
      metrics_(metrics)
{
}

void MessagesStream::start(Exchange& exchange)
{
    exchangeStart_ = exchange.startedAt();
    PacedStream::start(exchange);
}

bool MessagesStream::opening(SseWriter& sse)
{
    const std::string block =
        answer_->tool ? events::toolUseBlockStart(0, *answer_->tool) : events::textBlockStart(0);
    return sse.send("message_start", events::messageStart(identity_, answer_->inputTokens)) &&
           sse.send("content_block_start", block) && sse.send("ping", events::ping());
}

bool MessagesStream::token(SseWriter& sse, std::size_t index)
{
    const std::string_view piece = answer_->pieces[index];
    if (!sse.send("content_block_delta",
                  answer_->tool ? events::inputJsonDelta(0, piece) : events::textDelta(0, piece)))
        return false;
    if (index == 0)
        metrics_.observeTimeToFirstToken(
            identity_.model, std::chrono::duration<double>(Exchange::Clock::now() - exchangeStart_).count());
    return true;
}

bool MessagesStream::closing(SseWriter& sse)
{
    return sse.send("content_block_stop", events::blockStop(0)) &&
           sse.send("message_delta", events::messageDelta(answer_->end, answer_->inputTokens, produced())) &&
           sse.send("message_stop", events::messageStop());
}

std::string MessagesStream::errorEvent() const
{
    return events::error("api_error", "The server had an error while generating the response.");
}

void MessagesStream::finished(Exchange& exchange, std::size_t produced)
{
    exchange.set(attr::UsageInputTokens, std::to_string(answer_->inputTokens));
    exchange.set(attr::UsageOutputTokens, std::to_string(produced));
}

} // namespace portico::openai::anthropic
