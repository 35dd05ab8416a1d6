#pragma once
/// A chat completions answer turned into what a client of Anthropic's Messages API expects,
/// for a /v1/messages request served by an OpenAI-compatible upstream (the request went there
/// translated: anthropic/ChatFromMessages.h). The inverse of AnthropicAnswer.h / AnthropicStream.h.
///
///   a chat.completion -> a Message: the content as one text block (when not empty), each tool
///                        call as a tool_use block (its arguments parsed as the input; arguments
///                        that are not a JSON object become {}); finish_reason stop -> end_turn,
///                        length -> max_tokens, tool_calls / function_call -> tool_use,
///                        content_filter -> refusal; usage: input_tokens = prompt_tokens less
///                        the cached ones (cache_read_input_tokens), output_tokens =
///                        completion_tokens. Chat does not say which stop sequence ended an
///                        answer: stop_sequence is always null.
///   an OpenAI error   -> Anthropic's error object, its type from the HTTP status.
/// The message id is "msg_" and the chat id's part after its last '-' ("chatcmpl-abc" -> "msg_abc").
/// The model is the one the chat answer names (for a catalog name, its deployment's, as for chat).

#include <optional>
#include <string>
#include <string_view>

namespace portico::openai {

/// The Message for chat.completion `body`, or nothing when it is not one.
std::optional<std::string> messageFromChatCompletion(std::string_view body);

/// Anthropic's error object for an OpenAI error answer `body` with HTTP `status`; nothing when
/// `body` is no OpenAI error.
std::optional<std::string> anthropicErrorFromOpenAi(std::string_view body, int status);

/// finish_reason as a stop_reason.
const char* stopReasonOf(std::string_view finishReason);

/// "msg_" and what follows the last '-' of chat id `chatId` (all of it when there is none); an
/// id that is a message id already ("msg_…") as it is.
std::string messageIdOf(std::string_view chatId);

} // namespace portico::openai
