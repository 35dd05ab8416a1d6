#pragma once
/// A streamed /v1/messages answer of portico-echo, paced on the event loop (PacedStream: one
/// delta per token at local.token_delay_ms, stops while the client is over its high watermark):
///
///     event: message_start        the message, empty content, usage.input_tokens
///     event: content_block_start  index 0: an empty text block, or the tool_use block (input {})
///     event: ping
///     event: content_block_delta  one per token: text_delta, or input_json_delta (partial_json)
///     event: content_block_stop
///     event: message_delta        stop_reason, stop_sequence, usage.output_tokens
///     event: message_stop
///
/// A failure after the first event is an `event: error` with Anthropic's error object, and the
/// stream is cut. Sets the usage attributes (the tokens actually sent when the client left).

#include "MessageAnswer.h"
#include "OpenAiMetrics.h"
#include "PacedStream.h"
#include <memory>

namespace portico::openai::anthropic {

class MessagesStream : public PacedStream
{
public:
    MessagesStream(MessageIdentity identity, std::unique_ptr<MessageAnswer> answer, int delayMs,
                   OpenAiMetrics& metrics);

    void start(Exchange& exchange) override;

protected:
    bool opening(SseWriter& sse) override;
    bool token(SseWriter& sse, std::size_t index) override;
    bool closing(SseWriter& sse) override;
    std::string errorEvent() const override;
    void finished(Exchange& exchange, std::size_t produced) override;

private:
    const MessageIdentity identity_;
    const std::unique_ptr<MessageAnswer> answer_;
    OpenAiMetrics& metrics_;
    Exchange::Clock::time_point exchangeStart_;
};

} // namespace portico::openai::anthropic
