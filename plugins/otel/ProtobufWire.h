#pragma once
/// The few pieces of the protobuf wire format the OTLP writers need: in wire::put, writing at a
/// pointer into room made beforehand (the span encoder, field after field); and, built on
/// them, appending a field's head or bytes to a string (the framing of a span or a batch).

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace portico::otel::wire {

enum Type : unsigned
{
    Varint = 0,
    Fixed64 = 1,
    Length = 2,
    Fixed32 = 5
};

inline std::size_t varintSize(std::uint64_t value)
{
    std::size_t size = 1;
    while (value >= 0x80)
    {
        value >>= 7;
        ++size;
    }
    return size;
}

/// The size of a length-delimited field of `length` bytes, tag included (fields 1..15 only,
/// which every length-delimited field here is).
inline std::size_t delimitedSize(std::size_t length)
{
    return 1 + varintSize(length) + length;
}

inline std::uint64_t doubleBits(double value)
{
    std::uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    return bits;
}

namespace put {

/// Each writes at `out`, which has room for it (at most 12 bytes for a tag and a length, plus
/// the field's content), and returns the end.
inline char* varint(char* out, std::uint64_t value)
{
    while (value >= 0x80)
    {
        *out++ = static_cast<char>((value & 0x7f) | 0x80);
        value >>= 7;
    }
    *out++ = static_cast<char>(value);
    return out;
}

/// A field's tag: one byte for fields 1..15, two for Span.flags (16).
inline char* tag(char* out, unsigned field, Type type)
{
    return varint(out, (static_cast<std::uint64_t>(field) << 3) | type);
}

/// Tag and length of a length-delimited field whose `length` bytes follow.
inline char* header(char* out, unsigned field, std::size_t length)
{
    return varint(tag(out, field, Length), length);
}

inline char* bytes(char* out, unsigned field, std::string_view value)
{
    out = header(out, field, value.size());
    if (!value.empty())
        std::memcpy(out, value.data(), value.size());
    return out + value.size();
}

inline char* fixed64(char* out, unsigned field, std::uint64_t value)
{
    out = tag(out, field, Fixed64);
    for (int i = 0; i < 8; ++i)
        *out++ = static_cast<char>((value >> (8 * i)) & 0xff); // little-endian, as protobuf's
    return out;
}

inline char* fixed32(char* out, unsigned field, std::uint32_t value)
{
    out = tag(out, field, Fixed32);
    for (int i = 0; i < 4; ++i)
        *out++ = static_cast<char>((value >> (8 * i)) & 0xff);
    return out;
}

} // namespace put

/// Appending to a string, for the framing written once per span or batch.
inline void header(std::string& out, unsigned field, std::size_t length)
{
    char head[12];
    out.append(head, static_cast<std::size_t>(put::header(head, field, length) - head));
}

inline void bytes(std::string& out, unsigned field, std::string_view value)
{
    header(out, field, value.size());
    out.append(value.data(), value.size());
}

} // namespace portico::otel::wire
