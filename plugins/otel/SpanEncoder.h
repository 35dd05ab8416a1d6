#pragma once
/// Writes one span straight into its wire form as the span's facts come, with no intermediate
/// span object: building the spans runs on the event loop for every sampled request, and an
/// object of strings per attribute would cost an allocation each. The queue then holds the
/// framed spans as bytes (SpanQueue), and a batch wraps them (OtlpBatch).
///
/// Call order: begin(), the attributes, the events, status() (optional), then finishFramed()
/// or finishInto() (the plugin: the span framed for a batch, for the queue) or finish() (the
/// span alone). Attribute keys are string literals, so that their length is
/// known where they are written. An encoder keeps its buffer's capacity from span to span: the plugin
/// keeps one per event loop, so that encoding allocates nothing once it is warm.

#include "Lines.h"
#include <cstdint>
#include <string>
#include <string_view>

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
    virtual void text(std::string_view key, std::string_view value) = 0;
    virtual void number(std::string_view key, std::int64_t value) = 0;
    virtual void decimal(std::string_view key, double value) = 0;
    virtual void flag(std::string_view key, bool value) = 0;
    /// An array of strings: the lines of `lines` (each ending in '\n'; a last one may not).
    virtual void texts(std::string_view key, std::string_view lines) = 0;
    /// An event without attributes.
    virtual void event(std::string_view name, std::uint64_t timeNs) = 0;
    virtual void status(StatusCode code, std::string_view message) = 0;
    /// Where the next attribute goes. With attributesSince(), the encoded form of the
    /// attributes written in between, which replay() writes again into a later span of an
    /// encoder of the same kind, as if the same calls were made (RepeatedAttributes keeps them).
    /// For attributes only: between begin() and the first event() or status().
    virtual std::size_t attributeMark() const = 0;
    virtual std::string_view attributesSince(std::size_t mark) const = 0;
    virtual void replay(std::string_view attributes) = 0;
    /// The encoded span; the encoder is then empty.
    virtual std::string finish() = 0;
    /// The encoded span framed as one element of a batch's span list (OtlpBatch): protobuf, as
    /// a ScopeSpans.spans field (tag and length first); JSON, after a comma. The bytes are the
    /// encoder's own (it leaves room for the framing before the span): valid until the next
    /// begin(), so that a request's only span goes to the queue without another copy.
    virtual std::string_view finishFramed() = 0;
    /// finishFramed(), appended to `framed`.
    void finishInto(std::string& framed)
    {
        const std::string_view span = finishFramed();
        framed.append(span.data(), span.size());
    }
};

} // namespace portico::otel
