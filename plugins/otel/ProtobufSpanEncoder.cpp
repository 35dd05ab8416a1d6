#include "ProtobufSpanEncoder.h"
#include "HexId.h"
#include "ProtobufWire.h"

namespace portico::otel {

namespace {

// opentelemetry.proto.trace.v1.Span
constexpr unsigned TraceId = 1, SpanId = 2, ParentSpanId = 4, Name = 5, Kind = 6, Start = 7, End = 8,
                   Attributes = 9, Events = 11, Status = 15, Flags = 16;
// Span.Event
constexpr unsigned EventTime = 1, EventName = 2;
// Status
constexpr unsigned StatusMessage = 2, StatusCodeField = 3;
// common.v1.KeyValue, AnyValue, ArrayValue
constexpr unsigned KeyField = 1, ValueField = 2;
constexpr unsigned StringValue = 1, BoolValue = 2, IntValue = 3, DoubleValue = 4, ArrayValueField = 5;
constexpr unsigned ArrayValues = 1;

/// An id field: hex in, bytes out, written in place.
void id(std::string& out, unsigned field, std::string_view hex)
{
    wire::header(out, field, hex.size() / 2);
    appendHexBytes(out, hex);
}

} // namespace

void ProtobufSpanEncoder::begin(const SpanHead& head)
{
    out_.clear();
    out_.reserve(1024);
    flags_ = head.flags();
    id(out_, TraceId, head.traceId);
    id(out_, SpanId, head.spanId);
    if (!head.parentSpanId.empty())
        id(out_, ParentSpanId, head.parentSpanId);
    if (!head.name.empty())
        wire::bytes(out_, Name, head.name);
    wire::tag(out_, Kind, wire::Varint);
    wire::varint(out_, static_cast<std::uint64_t>(head.kind));
    wire::fixed64(out_, Start, head.startNs);
    wire::fixed64(out_, End, head.endNs);
}

void ProtobufSpanEncoder::keyValueHead(std::string_view key, std::size_t anySize)
{
    const std::size_t size = wire::delimitedSize(key.size()) + wire::delimitedSize(anySize);
    wire::header(out_, Attributes, size);
    wire::bytes(out_, KeyField, key);
    wire::header(out_, ValueField, anySize);
}

void ProtobufSpanEncoder::text(const char* key, std::string_view value)
{
    // A oneof member is written even when empty: an empty string is still a value.
    keyValueHead(key, wire::delimitedSize(value.size()));
    wire::bytes(out_, StringValue, value);
}

void ProtobufSpanEncoder::number(const char* key, std::int64_t value)
{
    const auto bits = static_cast<std::uint64_t>(value); // int64: two's complement, 10 bytes if negative
    keyValueHead(key, 1 + wire::varintSize(bits));
    wire::tag(out_, IntValue, wire::Varint);
    wire::varint(out_, bits);
}

void ProtobufSpanEncoder::decimal(const char* key, double value)
{
    keyValueHead(key, 1 + 8);
    wire::fixed64(out_, DoubleValue, wire::doubleBits(value));
}

void ProtobufSpanEncoder::flag(const char* key, bool value)
{
    keyValueHead(key, 2);
    wire::tag(out_, BoolValue, wire::Varint);
    out_.push_back(value ? 1 : 0);
}

void ProtobufSpanEncoder::texts(const char* key, const std::vector<std::string>& values)
{
    std::size_t array = 0;
    for (const std::string& value : values)
        array += wire::delimitedSize(wire::delimitedSize(value.size()));
    keyValueHead(key, wire::delimitedSize(array));
    wire::header(out_, ArrayValueField, array);
    for (const std::string& value : values)
    {
        wire::header(out_, ArrayValues, wire::delimitedSize(value.size()));
        wire::bytes(out_, StringValue, value);
    }
}

void ProtobufSpanEncoder::event(std::string_view name, std::uint64_t timeNs)
{
    wire::header(out_, Events, 1 + 8 + wire::delimitedSize(name.size()));
    wire::fixed64(out_, EventTime, timeNs);
    wire::bytes(out_, EventName, name);
}

void ProtobufSpanEncoder::status(StatusCode code, std::string_view message)
{
    const auto number = static_cast<std::uint64_t>(code);
    const std::size_t size = (message.empty() ? 0 : wire::delimitedSize(message.size())) +
                             (number == 0 ? 0 : 1 + wire::varintSize(number));
    wire::header(out_, Status, size);
    if (!message.empty())
        wire::bytes(out_, StatusMessage, message);
    if (number != 0)
    {
        wire::tag(out_, StatusCodeField, wire::Varint);
        wire::varint(out_, number);
    }
}

std::string ProtobufSpanEncoder::finish()
{
    wire::fixed32(out_, Flags, flags_);
    std::string result;
    result.swap(out_);
    return result;
}

} // namespace portico::otel
