#pragma once
/// Lenient reads of a Poco::JSON tree, for the translations between OpenAI's and Anthropic's
/// shapes (AnthropicAnswer, AnthropicStream, MessagesFromChat, MessagesFromChatStream,
/// anthropic/ChatFromMessages): an upstream's answer or a validated request, where a field of
/// another kind than expected reads as empty rather than failing the translation. The strict
/// counterpart without a tree is JsonWalk.h.

#include "Poco/Dynamic/Var.h"
#include "Poco/JSON/Object.h"
#include <string>
#include <string_view>

namespace portico::openai::jsontree {

/// `text` parsed, when it is one JSON object; null otherwise (not JSON, another kind).
Poco::JSON::Object::Ptr parseObject(std::string_view text);
/// The string member `key` of `object`; empty when absent or not a string.
std::string stringOf(const Poco::JSON::Object& object, const std::string& key);
/// The numeric member `key` of `object` as an integer; 0 when `object` is null, or the member
/// is absent or not a number.
long long numberOf(const Poco::JSON::Object* object, const std::string& key);
/// `value` written as JSON text.
std::string toJson(const Poco::Dynamic::Var& value);

} // namespace portico::openai::jsontree
