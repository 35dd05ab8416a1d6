#pragma once
/// POST /v1/chat/completions on the local text model (portico-echo).
///
/// Not streamed: one chat.completion once the answer is generated (paced at
/// local.token_delay_ms per token, by a timer on the event loop). Streamed: `data:` lines of chat.completion.chunk objects:
/// per choice a first chunk with the role, one chunk per token, a last chunk with
/// finish_reason ("stop", or "length" when the token limit cut the answer); with
/// stream_options.include_usage a usage chunk with empty choices; then `data: [DONE]`.
/// A failure after the first chunk becomes an `error` event (OpenAI's error object) that ends
/// the stream, without [DONE], and the stream is cut (no terminating chunk). Streams are
/// DeferredAnswers paced on the event loop (PacedStream): no thread waits for a token.
///
/// Sets the usage attributes and records the stream's time to first token.

#include "AnswerLater.h"
#include "OpenAiConfig.h"
#include "OpenAiMetrics.h"
#include "portico/Exchange.h"
#include "Poco/JSON/Object.h"

namespace portico::openai {

struct ChatRequest;
struct ChatIdentity;
struct EchoAnswer;

class ChatHandler
{
public:
    ChatHandler(const LocalBackendConfig& config, OpenAiMetrics& metrics) : config_(config), metrics_(metrics) {}

    /// Answers `exchange`; throws RequestError for an invalid request (before anything is sent).
    /// `later` takes the task when the answer comes later (AnswerLater.h).
    void handle(Exchange& exchange, const Poco::JSON::Object& body, const AnswerLater& later) const;

private:
    const LocalBackendConfig& config_;
    OpenAiMetrics& metrics_;
};

} // namespace portico::openai
