#pragma once
/// Turns the conversation of a Responses request (`input`) or of a Chat Completions request
/// (`messages`) into the text turns portico-echo reads, validating it on the way. Only text is
/// accepted: an image, audio or file part, or a non-message item (a tool call, a reasoning
/// item) is a 400 naming its exact place ("input[1].content[0].type").

#include "EchoModel.h"
#include "Poco/Dynamic/Var.h"
#include "Poco/JSON/Array.h"

namespace portico::openai {

/// Responses `input`: a non-empty string (one user message) or a non-empty array of message
/// items ({role, content} with content a string or input_text / output_text parts).
std::vector<Turn> parseResponsesInput(const Poco::Dynamic::Var& input);

/// Chat `messages`: a non-empty array of {role, content, ...} with content a string, an array
/// of text parts, or null (an assistant message with tool calls).
std::vector<Turn> parseChatMessages(const Poco::JSON::Array::Ptr& messages);

} // namespace portico::openai
