#include "ProtobufSpanEncoder.h"
#include "HexId.h"
#include "ProtobufWire.h"
#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace portico::otel {

namespace {

// opentelemetry.proto.trace.v1.Span
constexpr unsigned TraceId = 1, SpanId = 2, ParentSpanId = 4, Name = 5, Kind = 6, Start = 7, End = 8,
                   Attributes = 9, Events = 11, Status = 15, Flags = 16;
// Span.Event
constexpr unsigned EventTime = 1, EventName = 2;
// ScopeSpans.spans: the field a span is framed as in a batch.
constexpr unsigned ScopeSpansSpans = 2;
// Status
constexpr unsigned StatusMessage = 2, StatusCodeField = 3;
// common.v1.KeyValue, AnyValue, ArrayValue
constexpr unsigned KeyField = 1, ValueField = 2;
constexpr unsigned StringValue = 1, BoolValue = 2, IntValue = 3, DoubleValue = 4, ArrayValueField = 5;
constexpr unsigned ArrayValues = 1;

/// The most a field's tag and length take (a two-byte tag, a ten-byte varint).
constexpr std::size_t HeadRoom = 12;

/// An id field: hex in, bytes out.
char* id(char* out, unsigned field, std::string_view hex)
{
    out = wire::put::header(out, field, hex.size() / 2);
    return writeHexBytes(out, hex);
}

} // namespace

char* ProtobufSpanEncoder::room(std::size_t size)
{
    if (buffer_.size() < used_ + size) // used_ starts at FrameRoom, before the buffer has grown
        buffer_.resize(std::max(buffer_.size() * 2, used_ + size + 512));
    return buffer_.data() + used_;
}

void ProtobufSpanEncoder::begin(const SpanHead& head)
{
    used_ = FrameRoom;
    flags_ = head.flags();
    char* out = room(3 * HeadRoom + 64 + head.name.size() + 3 * 11);
    out = id(out, TraceId, head.traceId);
    out = id(out, SpanId, head.spanId);
    if (!head.parentSpanId.empty())
        out = id(out, ParentSpanId, head.parentSpanId);
    if (!head.name.empty())
        out = wire::put::bytes(out, Name, head.name);
    out = wire::put::tag(out, Kind, wire::Varint);
    out = wire::put::varint(out, static_cast<std::uint64_t>(head.kind));
    out = wire::put::fixed64(out, Start, head.startNs);
    out = wire::put::fixed64(out, End, head.endNs);
    commit(out);
}

char* ProtobufSpanEncoder::keyValueHead(char* out, std::string_view key, std::size_t anySize)
{
    const std::size_t size = wire::delimitedSize(key.size()) + wire::delimitedSize(anySize);
    out = wire::put::header(out, Attributes, size);
    out = wire::put::bytes(out, KeyField, key);
    return wire::put::header(out, ValueField, anySize);
}

void ProtobufSpanEncoder::text(std::string_view key, std::string_view value)
{
    // A oneof member is written even when empty: an empty string is still a value.
    char* out = room(4 * HeadRoom + key.size() + value.size());
    out = keyValueHead(out, key, wire::delimitedSize(value.size()));
    commit(wire::put::bytes(out, StringValue, value));
}

void ProtobufSpanEncoder::number(std::string_view key, std::int64_t value)
{
    const auto bits = static_cast<std::uint64_t>(value); // int64: two's complement, 10 bytes if negative
    char* out = room(4 * HeadRoom + key.size());
    out = keyValueHead(out, key, 1 + wire::varintSize(bits));
    out = wire::put::tag(out, IntValue, wire::Varint);
    commit(wire::put::varint(out, bits));
}

void ProtobufSpanEncoder::decimal(std::string_view key, double value)
{
    char* out = room(4 * HeadRoom + key.size());
    out = keyValueHead(out, key, 1 + 8);
    commit(wire::put::fixed64(out, DoubleValue, wire::doubleBits(value)));
}

void ProtobufSpanEncoder::flag(std::string_view key, bool value)
{
    char* out = room(4 * HeadRoom + key.size());
    out = keyValueHead(out, key, 2);
    out = wire::put::tag(out, BoolValue, wire::Varint);
    *out++ = value ? 1 : 0;
    commit(out);
}

void ProtobufSpanEncoder::texts(std::string_view key, std::string_view lines)
{
    std::size_t array = 0;
    forEachLine(lines, [&](std::string_view value) { array += wire::delimitedSize(wire::delimitedSize(value.size())); });
    char* out = room(5 * HeadRoom + key.size() + array);
    out = keyValueHead(out, key, wire::delimitedSize(array));
    out = wire::put::header(out, ArrayValueField, array);
    forEachLine(lines, [&](std::string_view value) {
        out = wire::put::header(out, ArrayValues, wire::delimitedSize(value.size()));
        out = wire::put::bytes(out, StringValue, value);
    });
    commit(out);
}

void ProtobufSpanEncoder::event(std::string_view name, std::uint64_t timeNs)
{
    char* out = room(3 * HeadRoom + 8 + name.size());
    out = wire::put::header(out, Events, 1 + 8 + wire::delimitedSize(name.size()));
    out = wire::put::fixed64(out, EventTime, timeNs);
    commit(wire::put::bytes(out, EventName, name));
}

void ProtobufSpanEncoder::status(StatusCode code, std::string_view message)
{
    const auto number = static_cast<std::uint64_t>(code);
    const std::size_t size = (message.empty() ? 0 : wire::delimitedSize(message.size())) +
                             (number == 0 ? 0 : 1 + wire::varintSize(number));
    char* out = room(3 * HeadRoom + message.size());
    out = wire::put::header(out, Status, size);
    if (!message.empty())
        out = wire::put::bytes(out, StatusMessage, message);
    if (number != 0)
    {
        out = wire::put::tag(out, StatusCodeField, wire::Varint);
        out = wire::put::varint(out, number);
    }
    commit(out);
}

std::size_t ProtobufSpanEncoder::attributeMark() const
{
    return used_;
}

std::string_view ProtobufSpanEncoder::attributesSince(std::size_t mark) const
{
    return std::string_view(buffer_.data() + mark, used_ - mark);
}

void ProtobufSpanEncoder::replay(std::string_view attributes)
{
    // Each attribute is a whole Span.attributes field: the bytes stand alone.
    char* out = room(attributes.size());
    std::memcpy(out, attributes.data(), attributes.size());
    commit(out + attributes.size());
}

void ProtobufSpanEncoder::end()
{
    commit(wire::put::fixed32(room(HeadRoom + 4), Flags, flags_));
}

std::string ProtobufSpanEncoder::finish()
{
    end();
    std::string span(buffer_.data() + FrameRoom, used_ - FrameRoom);
    used_ = FrameRoom;
    return span;
}

std::string_view ProtobufSpanEncoder::finishFramed()
{
    end();
    const std::size_t size = used_ - FrameRoom;
    const std::size_t head = 1 + wire::varintSize(size);
    if (head > FrameRoom)
        throw std::length_error("otel: a span of " + std::to_string(size) + " bytes");
    char* start = buffer_.data() + FrameRoom - head;
    wire::put::header(start, ScopeSpansSpans, size);
    return std::string_view(start, used_ - (FrameRoom - head));
}

void ProtobufSpanEncoder::frame(std::string& framed, std::string_view span)
{
    wire::bytes(framed, ScopeSpansSpans, span);
}

} // namespace portico::otel
