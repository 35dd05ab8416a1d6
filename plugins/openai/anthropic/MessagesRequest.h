#pragma once
/// A validated POST /v1/messages (or /v1/messages/count_tokens) request for the local text
/// model, checked as strictly as Anthropic checks it: an unknown field or a wrong type is a 400
/// that names the field by its path ("messages.0.content.1.source.data: Field required").
///
/// Read and honoured: model, max_tokens (required for messages, 1 … local.max_output_tokens),
/// system (a string or text blocks: never echoed, counted as input), messages (role user or
/// assistant; content a string or blocks: text, image (accepted and counted, not seen),
/// tool_use, tool_result), stop_sequences, stream, tools (custom tools: name, description,
/// input_schema), tool_choice (auto, any, tool, none). Checked for type and range, otherwise
/// without effect on a deterministic model: temperature, top_p, top_k, metadata.user_id.

#include "EchoModel.h"
#include "OpenAiConfig.h"
#include "Poco/JSON/Object.h"
#include <optional>
#include <string>
#include <vector>

namespace portico::openai::anthropic {

/// A custom tool of the request.
struct ToolSpec
{
    std::string name;
    Poco::JSON::Object::Ptr inputSchema;
};

enum class ToolChoice
{
    Auto, ///< the model decides (portico-echo answers with text)
    Any,  ///< a tool must be used (portico-echo uses the first)
    Tool, ///< the tool named in toolName must be used
    None  ///< no tool may be used
};

struct MessagesRequest
{
    /// What the body is for: a message (max_tokens required) or a token count.
    enum class Kind
    {
        Create,
        CountTokens
    };

    std::string model;
    /// `system` as the instructions (counted, never echoed); one turn per message, its text the
    /// text of its text blocks and tool results, one per line.
    Conversation conversation;
    /// Input tokens beyond the conversation's text: images, tool definitions, tool_use inputs.
    std::size_t extraInputTokens = 0;
    std::optional<std::int64_t> maxTokens;
    std::vector<std::string> stopSequences;
    bool stream = false;
    std::vector<ToolSpec> tools;
    ToolChoice toolChoice = ToolChoice::Auto;
    std::string toolName; ///< for ToolChoice::Tool

    /// The request's input tokens (the local tokenizer; an image counts ImageTokens).
    std::size_t inputTokens() const;

    /// What one image block counts as input: it is accepted but not looked at.
    static constexpr std::size_t ImageTokens = 85;

    /// Throws AnthropicError (400, naming the field) for anything invalid.
    static MessagesRequest parse(const Poco::JSON::Object& body, const LocalBackendConfig& limits, Kind kind);
};

} // namespace portico::openai::anthropic
