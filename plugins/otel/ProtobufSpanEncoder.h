#pragma once
/// SpanEncoder for OTLP protobuf: the bytes of one opentelemetry.proto.trace.v1.Span message
/// (without its own tag and length, which OtlpBatch adds), fields in field-number order as
/// protobuf itself writes them. Field numbers from the vendored official definitions
/// (proto/opentelemetry/proto/trace/v1/trace.proto, common/v1/common.proto); the tests decode
/// the output with classes generated from those files.
///
/// It writes through a pointer into a buffer it has made room in once per field, not with a
/// string append per byte run: a span has some twenty fields, and this runs on the event loop
/// for every sampled request.

#include "SpanEncoder.h"

namespace portico::otel {

class ProtobufSpanEncoder final : public SpanEncoder
{
public:
    void begin(const SpanHead& head) override;
    void text(std::string_view key, std::string_view value) override;
    void number(std::string_view key, std::int64_t value) override;
    void decimal(std::string_view key, double value) override;
    void flag(std::string_view key, bool value) override;
    void texts(std::string_view key, std::string_view lines) override;
    void event(std::string_view name, std::uint64_t timeNs) override;
    void status(StatusCode code, std::string_view message) override;
    std::size_t attributeMark() const override;
    std::string_view attributesSince(std::size_t mark) const override;
    void replay(std::string_view attributes) override;
    std::string finish() override;
    std::string_view finishFramed() override;
    /// Appends `span` (a Span message) to `framed` as one ScopeSpans.spans field.
    static void frame(std::string& framed, std::string_view span);

private:
    /// Room for `size` more bytes; returns where they go. Write there, then commit().
    char* room(std::size_t size);
    void commit(const char* end) { used_ = static_cast<std::size_t>(end - buffer_.data()); }
    /// The KeyValue's tag, length, key and the AnyValue's tag and length (`anySize` bytes of
    /// AnyValue content follow), at `out`; returns the end.
    static char* keyValueHead(char* out, std::string_view key, std::size_t anySize);
    /// Writes the Span.flags field that ends every span.
    void end();

    /// Before the span: room for its framing, the ScopeSpans.spans tag (one byte) and the span's
    /// length (a varint: five bytes reach 32 GiB), written there by finishFramed().
    static constexpr std::size_t FrameRoom = 6;

    std::string buffer_; ///< its size is the room made; bytes FrameRoom..used_ hold the span
    std::size_t used_ = FrameRoom;
    std::uint32_t flags_ = 0;
};

} // namespace portico::otel
