#pragma once
/// The Idempotency-Key header and what is derived from a request to find its store entry.
///
/// The header's value is 1 to 255 printable ASCII characters (0x20-0x7E), sent either bare
/// (`Idempotency-Key: 8e03978e-40d5-43e8-bc93-6894a57f9324`) or as a structured-field string
/// as the IETF draft writes it (`Idempotency-Key: "8e03978e-..."`, with `\"` and `\\` as the
/// only escapes). Both forms name the same key: `"abc"` and `abc` are one key.

#include <optional>
#include <string>

namespace portico::idempotency {

/// The outcome of parsing one Idempotency-Key header value.
struct ParsedKey
{
    /// The key (unquoted, unescaped) when the value is valid.
    std::optional<std::string> key;
    /// Why the value is not valid (a sentence fragment for the 400 answer), when it is not.
    std::string problem;
};

/// The longest key accepted, in characters.
inline constexpr std::size_t MaxKeyLength = 255;

/// Parses a header value; surrounding spaces and tabs are ignored.
ParsedKey parseIdempotencyKey(const std::string& headerValue);

/// The store identity of a request: principal, route ("POST /v1/embeddings") and key, joined
/// with length prefixes so that no choice of the three can collide with another
/// ("7:alice|22:POST /v1/embeddings|3:abc").
std::string identityKey(const std::string& principal, const std::string& route, const std::string& key);

/// The request's fingerprint: SHA-256 of the body, 64 lowercase hex.
std::string bodyFingerprint(const std::string& body);

} // namespace portico::idempotency
