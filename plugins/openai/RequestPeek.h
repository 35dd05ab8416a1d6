#pragma once
/// The two fields of a POST body that decide where it goes: "model" (which upstream, if any)
/// and "stream". A body bound for an upstream is relayed as the client sent it and validated by
/// the upstream, so building a Poco::JSON tree for it only to read two fields is waste.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace Poco::JSON {
class Object;
}

namespace portico::openai {

struct RequestPeek
{
    std::string model;
    /// True only for `"stream": true` (any other value, or none, is not a stream), as the full
    /// parse decides it.
    bool stream = false;
};

/// "model" and "stream" of `body`, read by JsonObjectScanner. Nothing when the body is not
/// plainly a valid JSON object nested less than `maxDepth` deep with a string "model" without
/// escapes, or has either field twice: the caller then parses the body in full, which gives
/// the same answer or the usual 400.
std::optional<RequestPeek> peekRequest(std::string_view body, std::size_t maxDepth);

/// The same two fields of a body parsed in full (parseJsonObject): the answer peekRequest must
/// give whenever it gives one. Throws RequestError (400) when "model" is missing or no string.
RequestPeek readRequestPeek(const Poco::JSON::Object& body);

} // namespace portico::openai
