#pragma once
/// The usual Anthropic Message turned into a chat.completion without a JSON tree, for
/// chatCompletionFromMessage (AnthropicAnswer.h): the answer is walked with JsonWalk, text and
/// ids copied as they were written, a tool_use block's input written as the JSON string of its
/// text. Poco::JSON's parse and stringify were 25 µs of a short answer.
///
/// It gives nothing, and chatCompletionFromMessage falls back to its Poco::JSON path, for any
/// other shape: a key with an escape, a member given twice, a value of another kind, a block
/// that is not an object, counts that are not plain integers. Both give the same completion
/// (AnthropicTranslationTest checks them side by side).

#include <optional>
#include <string>
#include <string_view>

namespace portico::openai {

/// `created` is the completion's time (seconds since the epoch).
std::optional<std::string> scannedChatCompletion(std::string_view message, long long created);

} // namespace portico::openai
