#pragma once
/// The JSON of Anthropic's Messages API as the official SDK types it (@anthropic-ai/sdk
/// resources/messages): the Message object, its content blocks (text, tool_use), usage, the
/// stream events (message_start, content_block_start, ping, content_block_delta with
/// text_delta or input_json_delta, content_block_stop, message_delta, message_stop, error)
/// and the count_tokens answer.

#include <cstddef>
#include <string>
#include <string_view>

namespace portico::openai::anthropic {

enum class StopReason
{
    EndTurn,      ///< the whole answer
    MaxTokens,    ///< cut at max_tokens
    StopSequence, ///< cut before one of stop_sequences
    ToolUse       ///< the answer is a tool call
};

/// "end_turn", "max_tokens", "stop_sequence", "tool_use".
const char* stopReasonName(StopReason reason);

/// What every event of one message shares.
struct MessageIdentity
{
    std::string id; ///< "msg_…"
    std::string model;
};

/// How the message ended: stop_reason and stop_sequence (null unless StopSequence).
struct MessageEnd
{
    StopReason reason = StopReason::EndTurn;
    std::string stopSequence;
};

/// A tool_use content block: id "toolu_…", the tool's name, its input as JSON text (an object).
struct ToolUseBlock
{
    std::string id;
    std::string name;
    std::string inputJson;
};

/// The whole Message: content is one tool_use block when `tool` is given, else one text block.
std::string messageJson(const MessageIdentity& identity, std::string_view text, const ToolUseBlock* tool,
                        const MessageEnd& end, std::size_t inputTokens, std::size_t outputTokens);

/// {"input_tokens": n}
std::string countTokensJson(std::size_t inputTokens);

/// The data of each stream event (the event name is the `type`).
namespace events {
/// message_start: the message with empty content, null stop_reason, usage with the input tokens.
std::string messageStart(const MessageIdentity& identity, std::size_t inputTokens);
/// content_block_start of an empty text block.
std::string textBlockStart(std::size_t index);
/// content_block_start of a tool_use block with an empty input.
std::string toolUseBlockStart(std::size_t index, const ToolUseBlock& tool);
/// content_block_delta with a text_delta.
std::string textDelta(std::size_t index, std::string_view text);
/// content_block_delta with an input_json_delta.
std::string inputJsonDelta(std::size_t index, std::string_view partialJson);
std::string blockStop(std::size_t index);
/// message_delta: stop_reason, stop_sequence and the usage so far.
std::string messageDelta(const MessageEnd& end, std::size_t inputTokens, std::size_t outputTokens);
std::string messageStop();
std::string ping();
/// The error event's data: Anthropic's error object.
std::string error(const std::string& type, const std::string& message);
} // namespace events

} // namespace portico::openai::anthropic
