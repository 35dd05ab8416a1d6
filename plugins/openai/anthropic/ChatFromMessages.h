#pragma once
/// A /v1/messages request turned into the chat completions request an OpenAI-compatible
/// upstream (or a catalog deployment on one) serves; its answer comes back through
/// upstream/MessagesFromChat.h. The body has been validated by MessagesRequest::parse first, so
/// every field here has its documented type.
///
///   system (string or text blocks)  -> a first "system" message (blocks joined by newlines)
///   user content string / blocks    -> a "user" message: text as text parts, an image as an
///                                      image_url part (base64 as a data: URL, or its url)
///   user tool_result blocks         -> one "tool" message each (tool_call_id = tool_use_id,
///                                      content its text), before the user's other content
///   assistant text / tool_use       -> an "assistant" message: the text as content, each
///                                      tool_use as a tool_calls entry (input as arguments)
///   max_tokens, temperature, top_p  -> the same; stop_sequences -> stop;
///   metadata.user_id -> user; stream -> stream with stream_options.include_usage (the
///   usage comes back in Anthropic's message_delta)
///   tools (custom)                  -> function tools (input_schema as parameters)
///   tool_choice auto / any / tool / none -> "auto" / "required" / that function / "none";
///   disable_parallel_tool_use       -> parallel_tool_calls: false
///   top_k, cache_control            -> dropped: chat has no counterpart
/// Tool call ids go through unchanged both ways, so a tool_result names the id the upstream gave.

#include "Poco/JSON/Object.h"
#include <string>

namespace portico::openai::anthropic {

/// The chat completions body for validated Messages request `body`.
std::string chatRequestFromMessages(const Poco::JSON::Object& body);

} // namespace portico::openai::anthropic
