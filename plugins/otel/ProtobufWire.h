#pragma once
/// The few pieces of the protobuf wire format the OTLP writers need: appending to a string
/// (the batch's framing, written once per batch or span), and, in wire::put, writing at a
/// pointer into room made beforehand (the span encoder, field after field).

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
    // Into a buffer, then one append: a push_back per byte checks the capacity each time.
    char bytes[10];
    std::size_t size = 0;
    while (value >= 0x80)
    {
        bytes[size++] = static_cast<char>((value & 0x7f) | 0x80);
        value >>= 7;
    }
    bytes[size++] = static_cast<char>(value);
    out.append(bytes, size);
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
    char bytes[8];
    for (int i = 0; i < 8; ++i)
        bytes[i] = static_cast<char>((value >> (8 * i)) & 0xff); // little-endian, as protobuf's
    out.append(bytes, 8);
}

inline void fixed32(std::string& out, unsigned field, std::uint32_t value)
{
    tag(out, field, Fixed32);
    char bytes[4];
    for (int i = 0; i < 4; ++i)
        bytes[i] = static_cast<char>((value >> (8 * i)) & 0xff);
    out.append(bytes, 4);
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

inline char* tag(char* out, unsigned field, Type type)
{
    return varint(out, (static_cast<std::uint64_t>(field) << 3) | type);
}

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

} // namespace portico::otel::wire
