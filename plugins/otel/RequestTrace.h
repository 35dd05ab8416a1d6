#pragma once
/// What the otel plugin keeps per sampled request between its hooks (a StateSlot), and turns
/// into spans (SpanBuilder) when the request completes. Ids are kept in fixed arrays: a
/// 32-character string would be an allocation per request.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace portico::otel {

struct RequestTrace
{
    char traceIdHex[32] = {};  ///< the answer's X-Trace-Id
    char spanIdHex[16] = {};   ///< the server span: the parent id of the traceparent sent upstream
    char parentIdHex[16] = {}; ///< the incoming traceparent's parent id
    bool hasParent = false;
    /// Unix times, filled in when the request completes (onComplete reads the clocks once for
    /// the whole span): its start, and a stream's first chunk (0: none, or not a stream).
    std::uint64_t startNs = 0;
    std::uint64_t firstChunkNs = 0;
    /// Streams: when the first chunk went out, on the steady clock (zero: not yet).
    std::chrono::steady_clock::time_point firstChunk{};
    /// From the answer's body, when the handler did not set attr::ResponseModel and
    /// attr::ResponseFinishReasons: the model that answered, the finish reasons (one per line).
    std::optional<std::string> responseModel;
    std::string finishReasons;

    std::string_view traceId() const { return {traceIdHex, 32}; }
    std::string_view spanId() const { return {spanIdHex, 16}; }
    /// Empty for a new trace.
    std::string_view parentSpanId() const { return hasParent ? std::string_view(parentIdHex, 16) : std::string_view(); }
};

/// Nanoseconds since the Unix epoch, now.
std::uint64_t nowUnixNs();

} // namespace portico::otel
