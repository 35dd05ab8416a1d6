#pragma once
/// The few pieces of the protobuf wire format the OTLP writers need, appending to a string.

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

inline void varint(std::string& out, std::uint64_t value)
{
    while (value >= 0x80)
    {
        out.push_back(static_cast<char>((value & 0x7f) | 0x80));
        value >>= 7;
    }
    out.push_back(static_cast<char>(value));
}

/// A field's tag: one byte for fields 1..15, two for Span.flags (16).
inline void tag(std::string& out, unsigned field, Type type)
{
    varint(out, (static_cast<std::uint64_t>(field) << 3) | type);
}

/// The size of a length-delimited field of `length` bytes, tag included (fields 1..15 only,
/// which every length-delimited field here is).
inline std::size_t delimitedSize(std::size_t length)
{
    return 1 + varintSize(length) + length;
}

/// Tag and length of a length-delimited field whose `length` bytes follow.
inline void header(std::string& out, unsigned field, std::size_t length)
{
    tag(out, field, Length);
    varint(out, length);
}

inline void bytes(std::string& out, unsigned field, std::string_view value)
{
    header(out, field, value.size());
    out.append(value.data(), value.size());
}

inline void fixed64(std::string& out, unsigned field, std::uint64_t value)
{
    tag(out, field, Fixed64);
    for (int i = 0; i < 8; ++i)
        out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

inline void fixed32(std::string& out, unsigned field, std::uint32_t value)
{
    tag(out, field, Fixed32);
    for (int i = 0; i < 4; ++i)
        out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

inline std::uint64_t doubleBits(double value)
{
    std::uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    return bits;
}

} // namespace portico::otel::wire
