#pragma once
/// The few facts the GenAI conventions want from request and answer bodies, found by scanning
/// the JSON text rather than parsing it: the scan runs on the event loop for every sampled
/// request, and a parse of a long conversation would cost more than the rest of the span.
/// Only names, numbers and enum-like values are taken: never message or completion text.

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace portico::otel {

/// The raw text of `key`'s string value in the top-level object of `json` (escapes kept);
/// nothing when absent, not a string, or `json` is not an object.
std::optional<std::string> topLevelString(std::string_view json, std::string_view key);
/// The value of the first of `keys` found in the top-level object, when it is a non-negative
/// integer. One pass over `json`, however many keys.
std::optional<long long> topLevelInteger(std::string_view json, std::initializer_list<std::string_view> keys);
/// The first `"model":"…"` anywhere in `text` (a stream's chunk, a Responses answer whose
/// model sits in a nested object).
std::optional<std::string> firstModel(std::string_view text);
/// Appends to `reasons` (one per line, each ending in '\n') the string value of each
/// `"<key>":"…"` pair in `text` not there yet (at most 8 in all; null ones skipped).
/// `quotedKey`: "\"finish_reason\"" (chat, Responses) or "\"stop_reason\"" (Anthropic's
/// Messages).
void collectFinishReasons(std::string_view text, std::string& reasons,
                          std::string_view quotedKey = "\"finish_reason\"");

} // namespace portico::otel
