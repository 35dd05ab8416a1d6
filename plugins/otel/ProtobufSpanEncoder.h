#pragma once
/// SpanEncoder for OTLP protobuf: the bytes of one opentelemetry.proto.trace.v1.Span message
/// (without its own tag and length, which OtlpBatch adds), fields in field-number order as
/// protobuf itself writes them. Field numbers from the vendored official definitions
/// (proto/opentelemetry/proto/trace/v1/trace.proto, common/v1/common.proto); the tests decode
/// the output with classes generated from those files.

#include "SpanEncoder.h"

namespace portico::otel {

class ProtobufSpanEncoder final : public SpanEncoder
{
public:
    void begin(const SpanHead& head) override;
    void text(const char* key, std::string_view value) override;
    void number(const char* key, std::int64_t value) override;
    void decimal(const char* key, double value) override;
    void flag(const char* key, bool value) override;
    void texts(const char* key, const std::vector<std::string>& values) override;
    void event(std::string_view name, std::uint64_t timeNs) override;
    void status(StatusCode code, std::string_view message) override;
    std::string finish() override;

private:
    /// The KeyValue's tag, length, key and the AnyValue's tag and length (`anySize` bytes of
    /// AnyValue content follow).
    void keyValueHead(std::string_view key, std::size_t anySize);

    std::string out_;
    std::uint32_t flags_ = 0;
};

} // namespace portico::otel
