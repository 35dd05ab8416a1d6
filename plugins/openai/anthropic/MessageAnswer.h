#pragma once
/// What portico-echo answers to a /v1/messages request.
///
/// Text, as for chat: the last user message's text (its text blocks and tool results), cut
/// before the first of stop_sequences that occurs (stop_reason "stop_sequence" and that
/// sequence) and at max_tokens ("max_tokens"), else "end_turn". When tool_choice demands a tool
/// (any: the first tool; tool: the named one) the answer is one tool_use block instead
/// (stop_reason "tool_use") whose input fills the tool's input_schema: each required property
/// gets the echoed text (string), 0 (integer, number), false (boolean), [] (array), {} (object)
/// or its enum's first value; a tool call is never cut. With tool_choice auto or none the
/// answer is text, as for chat, which does not call tools either.
///
/// `pieces` are the stream's deltas: the text's tokens, or the tool input's JSON cut at the
/// tokenizer's token boundaries (each an input_json_delta); their number is the output tokens.

#include "EchoModel.h"
#include "MessageShapes.h"
#include "MessagesRequest.h"
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace portico::openai::anthropic {

struct MessageAnswer
{
    EchoAnswer echo; ///< the text answer (unused for a tool call)
    std::optional<ToolUseBlock> tool;
    MessageEnd end;
    std::size_t inputTokens = 0;
    /// Views into echo.text or tool->inputJson: this object cannot move.
    std::vector<std::string_view> pieces;

    std::size_t outputTokens() const { return pieces.size(); }

    /// The answer to `request` (make_unique: the pieces point into it).
    static std::unique_ptr<MessageAnswer> of(const MessagesRequest& request);
};

} // namespace portico::openai::anthropic
