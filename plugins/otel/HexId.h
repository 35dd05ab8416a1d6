#pragma once
/// Trace and span ids between their two forms: lowercase hex (W3C traceparent, OTLP/JSON, the
/// Exchange attributes) and raw bytes (OTLP protobuf).

#include <cstdint>
#include <string>
#include <string_view>

namespace portico::otel {

/// `hex` as bytes; empty when it is not an even-length run of hex digits.
std::string hexToBytes(std::string_view hex);
/// Writes the bytes of `hex` (lowercase hex digits, an even number of them) at `out`, which
/// has room for hex.size() / 2 of them; returns the end.
char* writeHexBytes(char* out, std::string_view hex);
/// True when `text` is `length` lowercase hex digits, not all zero.
bool isHexId(std::string_view text, std::size_t length);
/// The last 8 bytes of a 32-hex trace id, big-endian, as the trace-id ratio sampler reads them.
std::uint64_t lowerEightBytes(std::string_view traceId);

} // namespace portico::otel
