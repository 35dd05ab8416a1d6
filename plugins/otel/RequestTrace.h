#pragma once
/// A sampled request's trace as the otel plugin turns it into spans (SpanBuilder) when the
/// request completes, and what it learnt from the answer's chunks on the way (ResponseFacts).
/// Ids are kept in fixed arrays: a 32-character string would be an allocation per request.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace portico::otel {

/// What onResponseBody learns, in a StateSlot made at the first chunk that tells something: a
/// stream's first chunk, and the model and finish reasons of an answer whose handler did not
/// set attr::ResponseModel and attr::ResponseFinishReasons (an upstream's). A buffered answer
/// of the local models needs none: most requests allocate no otel state at all.
struct ResponseFacts
{
    /// Streams: when the first chunk went out, on the steady clock (zero: not yet).
    std::chrono::steady_clock::time_point firstChunk{};
    /// The model that answered, the finish reasons (one per line).
    std::optional<std::string> responseModel;
    std::string finishReasons;
};

struct RequestTrace
{
    char traceIdHex[32] = {};  ///< the answer's X-Trace-Id
    char spanIdHex[16] = {};   ///< the server span: the parent id of the traceparent sent upstream
    char parentIdHex[16] = {}; ///< the incoming traceparent's parent id
    bool hasParent = false;
    /// Unix times, from the clocks read once when the request completes: its start, and a
    /// stream's first chunk (0: none, or not a stream).
    std::uint64_t startNs = 0;
    std::uint64_t firstChunkNs = 0;
    /// From the answer's chunks; null when they told nothing.
    const ResponseFacts* facts = nullptr;

    std::string_view traceId() const { return {traceIdHex, 32}; }
    std::string_view spanId() const { return {spanIdHex, 16}; }
    /// Empty for a new trace.
    std::string_view parentSpanId() const { return hasParent ? std::string_view(parentIdHex, 16) : std::string_view(); }
};

/// Nanoseconds since the Unix epoch, now.
std::uint64_t nowUnixNs();

} // namespace portico::otel
