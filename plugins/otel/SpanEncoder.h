#pragma once
/// Writes one span straight into its wire form as the span's facts come, with no intermediate
/// span object: building the spans runs on the event loop for every sampled request, and an
/// object of strings per attribute would cost an allocation each. The queue then holds one
/// string per span, and a batch is those strings joined (OtlpBatch).
///
/// Call order: begin(), the attributes, the events, status() (optional), finish(). Attribute
/// keys are string literals (or other storage that outlives the call).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace portico::otel {

/// OTLP's Span.SpanKind numbers.
enum class SpanKind : int
{
    Internal = 1,
    Server = 2,
    Client = 3
};

/// OTLP's Status.StatusCode numbers.
enum class StatusCode : int
{
    Unset = 0,
    Ok = 1,
    Error = 2
};

/// What every span starts with.
struct SpanHead
{
    std::string_view traceId;      ///< 32 lowercase hex
    std::string_view spanId;       ///< 16 lowercase hex
    std::string_view parentSpanId; ///< 16 lowercase hex; empty for a root span
    /// The parent came from another process (an incoming traceparent).
    bool remoteParent = false;
    std::string_view name;
    SpanKind kind = SpanKind::Server;
    std::uint64_t startNs = 0; ///< since the Unix epoch
    std::uint64_t endNs = 0;

    /// OTLP Span.flags: the W3C trace flags (sampled: 1) in bits 0-7, bit 8 "has is_remote",
    /// bit 9 "is_remote" (the parent's).
    std::uint32_t flags() const { return 0x01u | 0x100u | (remoteParent ? 0x200u : 0u); }
};

class SpanEncoder
{
public:
    virtual ~SpanEncoder() = default;

    /// Starts a new span (whatever was written before is dropped).
    virtual void begin(const SpanHead& head) = 0;
    virtual void text(const char* key, std::string_view value) = 0;
    virtual void number(const char* key, std::int64_t value) = 0;
    virtual void decimal(const char* key, double value) = 0;
    virtual void flag(const char* key, bool value) = 0;
    virtual void texts(const char* key, const std::vector<std::string>& values) = 0;
    /// An event without attributes.
    virtual void event(std::string_view name, std::uint64_t timeNs) = 0;
    virtual void status(StatusCode code, std::string_view message) = 0;
    /// The encoded span; the encoder is then empty.
    virtual std::string finish() = 0;
};

} // namespace portico::otel
