#pragma once
/// POST /v1/responses on the local text model (portico-echo).
///
/// Not streamed: the whole Response object once the answer is generated (paced at
/// local.token_delay_ms per token). Streamed: `event:` + `data:` pairs from response.created
/// through response.in_progress, output_item.added, content_part.added, one
/// output_text.delta per token, output_text.done, content_part.done, output_item.done to
/// response.completed (response.incomplete when max_output_tokens cut the answer), numbered
/// by sequence_number from 0; no [DONE], no id: lines. Production stops as soon as a write
/// fails (the client went away). A failure after the first event becomes an `error` event,
/// and the stream is cut (no terminating chunk). Streams are DeferredAnswers paced on the event
/// loop (PacedStream): no thread waits for a token.
///
/// Sets the usage attributes (input tokens, output tokens actually produced) and records the
/// stream's time to first token.

#include "AnswerLater.h"
#include "OpenAiConfig.h"
#include "OpenAiMetrics.h"
#include "ResponseShapes.h"
#include "portico/Exchange.h"
#include "Poco/JSON/Object.h"

namespace portico::openai {

struct EchoAnswer;

class ResponsesHandler
{
public:
    ResponsesHandler(const LocalBackendConfig& config, OpenAiMetrics& metrics) : config_(config), metrics_(metrics) {}

    /// Answers `exchange`; throws RequestError for an invalid request (before anything is sent).
    /// `later` takes the task when the answer comes later (AnswerLater.h).
    void handle(Exchange& exchange, const Poco::JSON::Object& body, const AnswerLater& later) const;

private:
    const LocalBackendConfig& config_;
    OpenAiMetrics& metrics_;
};

/// Marks `state` done with `answer`'s text, status and usage.
void finishResponse(ResponseState& state, const EchoAnswer& answer, std::size_t producedTokens);

} // namespace portico::openai
