#pragma once
/// Builds the spans of one completed request: the server span (HTTP and GenAI semantic
/// conventions, status, time to first token) and a client span per upstream attempt, children
/// of the server span, so that retries and fallbacks show as siblings. Each span is written
/// straight into its wire form by `encoder` (SpanEncoder).
///
/// Conventions followed: https://opentelemetry.io/docs/specs/semconv/http/http-spans/ and
/// https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/. Prompt and completion
/// content is never recorded.

#include "RepeatedAttributes.h"
#include "RequestTrace.h"
#include "SpanEncoder.h"
#include "portico/Exchange.h"
#include "portico/Plugin.h"
#include <string>
#include <vector>

namespace portico::otel {

/// A request's spans framed for a batch (SpanEncoder::finishFramed), and how many there are.
struct BuiltSpans
{
    std::string_view framed;
    std::size_t count = 0;
};

/// The server span and the attempts' client spans of `exchange`, framed for a batch. A lone
/// server span is the encoder's bytes (valid until its next begin()); with attempts, the spans
/// are gathered in `framed`. `repeated` (kept with `encoder`, or null) holds the server span's
/// attributes of recent requests in encoded form.
BuiltSpans buildSpans(const Exchange& exchange, const RequestTrace& trace, Outcome outcome, std::uint64_t endNs,
                      SpanEncoder& encoder, RepeatedAttributes* repeated, std::string& framed);

/// gen_ai.operation.name for a route ("chat", "embeddings", ...), or nullptr for a route that
/// is not a GenAI operation.
const char* genAiOperation(const std::string& route);
/// True for the routes of Anthropic's Messages API: their stop reason is `stop_reason`, and the
/// server span's gen_ai.provider.name is anthropic.
bool speaksAnthropic(const std::string& route);

} // namespace portico::otel
