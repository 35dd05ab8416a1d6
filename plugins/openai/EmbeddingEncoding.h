#pragma once
/// The two wire encodings of an embedding (encoding_format):
///   - "float": a JSON array of numbers, each the shortest text that reads back as the same
///     float32 (so float and base64 give bit-identical vectors after decoding);
///   - "base64": the little-endian float32 bytes in standard base64 (RFC 4648, padded, no line
///     breaks), which the official SDKs request by default and decode to Float32Array.

#include <string>
#include <vector>

namespace portico::openai {

/// "[0.12,-0.5,...]"
std::string embeddingAsJsonArray(const std::vector<float>& vector);
/// Standard base64 of the little-endian float32 bytes, quotes not included.
std::string embeddingAsBase64(const std::vector<float>& vector);
/// The inverse of embeddingAsBase64 (used by tests and by nobody on the hot path).
std::vector<float> embeddingFromBase64(const std::string& text);

} // namespace portico::openai
