#pragma once
/// The usual chat completions requests turned into Messages requests without a JSON tree, for
/// anthropicRequestBody (AnthropicRequest.h): the body is walked with JsonObjectScanner, and
/// strings, numbers and schemas are copied as they were written (a JSON string's text is valid
/// inside another JSON string, escapes and all). Only a tool call's `arguments` (JSON text inside
/// a string) is unescaped. Poco::JSON's parse and stringify were 36 µs of a 1.5 KB request; this
/// walk is a few.
///
/// It gives nothing, and anthropicRequestBody falls back to its Poco::JSON translation, for
/// anything but the plain shapes: an escaped key or role, a duplicate member, a value of an
/// unexpected kind, a field the translation refuses (n > 1, logprobs, audio, a response_format),
/// a body JsonObjectScanner gives up on. So every refusal and every error message comes from the
/// one translation, and both give the same request (AnthropicTranslationTest checks them side by
/// side).

#include "AnthropicRequest.h"
#include <optional>
#include <string>
#include <string_view>

namespace portico::openai {

std::optional<std::string> scannedAnthropicRequest(std::string_view chatBody, const AnthropicRequestSettings& settings);

} // namespace portico::openai
