#pragma once
/// An Anthropic Messages answer read whole, turned into what a chat completions client expects
/// from an upstream of type anthropic:
///   a message   -> a chat.completion: its text blocks joined as the message content, its
///                  tool_use blocks as tool_calls (input serialised as the arguments),
///                  stop_reason end_turn / stop_sequence -> "stop", max_tokens -> "length",
///                  tool_use -> "tool_calls", refusal -> "content_filter"; usage as
///                  prompt_tokens (input + cache reads + cache writes), completion_tokens,
///                  total_tokens and prompt_tokens_details.cached_tokens
///   an error    -> OpenAI's error object ({"error":{"message","type","param","code"}}), its
///                  Anthropic type as the code
/// Anything else (not JSON, another shape) is left as it is: the client sees what came.

#include <optional>
#include <string>
#include <string_view>

namespace portico::openai {

/// The chat.completion for Messages answer `body` (a 2xx), or nothing when it is not one. The
/// usual answers are translated by a walk without a JSON tree (AnthropicAnswerScan.h), the rest
/// by chatCompletionFromMessageByPoco; both give the same completion.
std::optional<std::string> chatCompletionFromMessage(std::string_view body);

/// The translation on a Poco::JSON tree, `created` the completion's time.
std::optional<std::string> chatCompletionFromMessageByPoco(std::string_view body, long long created);

/// OpenAI's error object for an Anthropic error answer `body`, or nothing when it is not one.
std::optional<std::string> openAiErrorFromAnthropic(std::string_view body);

/// Anthropic's stop_reason as a chat finish_reason.
std::string finishReasonOf(std::string_view stopReason);

} // namespace portico::openai
