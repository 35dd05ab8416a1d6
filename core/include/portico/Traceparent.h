#pragma once
/// W3C Trace Context `traceparent` (https://www.w3.org/TR/trace-context/): parsing an incoming
/// header and formatting an outgoing one.

#include "portico/Api.h"
#include <optional>
#include <string>

namespace portico {

struct PORTICO_API Traceparent
{
    std::string traceId;  ///< 32 lowercase hex, not all zero
    std::string parentId; ///< 16 lowercase hex, not all zero
    bool sampled = false;

    /// Parses "00-<32 hex>-<16 hex>-<2 hex>". Returns nothing for anything malformed, an
    /// all-zero id, or version ff. Higher versions are accepted by their first four fields, as
    /// the spec asks.
    static std::optional<Traceparent> parse(const std::string& header);

    /// "00-<traceId>-<parentId>-01|00".
    std::string format() const;
};

/// 32 lowercase hex from a per-thread generator seeded from the OS; never all zero.
PORTICO_API std::string newTraceId();
/// 16 lowercase hex, never all zero.
PORTICO_API std::string newSpanId();

/// The same ids written at `out` (32 and 16 bytes, no terminator): for a caller that builds a
/// header or an attribute in its own array, without a string per id. (ABI 6.1)
PORTICO_API void writeNewTraceId(char* out);
PORTICO_API void writeNewSpanId(char* out);

} // namespace portico
