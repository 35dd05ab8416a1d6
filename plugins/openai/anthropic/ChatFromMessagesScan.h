#pragma once
/// chatRequestFromMessages (ChatFromMessages.h) without a JSON tree, for the usual requests: the
/// Messages body is walked once with JsonObjectScanner (upstream/JsonWalk.h), checked as
/// MessagesRequest::parse checks it, and the chat request written as it goes, strings and
/// schemas copied as they were written. Poco's parse, the validation on its tree and the
/// translation from it cost about 40 µs for a 1.6 KB request; this walk a few.
///
/// It gives nothing, and the handler parses, validates and translates with Poco::JSON, for
/// anything but the plain valid shapes: an escaped key, role or type, a member given twice, a
/// null, a value of another kind, cache_control or citations, a field or value the validation
/// would refuse. So every 400 comes from MessagesRequest::parse, and a body it gives a request for
/// is one the validation accepts, translated to the same chat request
/// (ChatFromMessagesScanTest and the fuzz_messages_scan harness check both side by side).
/// max_tokens has no upper bound here (an upstream's limits are its own). A tool's input_schema
/// and a tool_use's input are copied as written, so a member given twice inside them reaches the
/// upstream twice (Poco's path keeps the last); the JSON text is the client's either way.

#include <optional>
#include <string>
#include <string_view>

namespace portico::openai::anthropic {

/// The chat completions request for Messages request `body` (a /v1/messages create), or
/// nothing when it is not one of the plain valid shapes. `maxDepth`: max_json_depth.
std::optional<std::string> scannedChatRequest(std::string_view body, std::size_t maxDepth);

} // namespace portico::openai::anthropic
