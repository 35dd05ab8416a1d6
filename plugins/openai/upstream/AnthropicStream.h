#pragma once
/// An Anthropic Messages event stream, as an upstream of type anthropic sends it, turned into the
/// chat completions stream a client of /v1/chat/completions expects, as bytes arrive. It writes
/// the stream OpenAI writes with stream_options.include_usage (every chunk with "usage":null,
/// then a usage chunk with empty choices, then `data: [DONE]`); the proxy then hides the usage
/// chunk from a client that did not ask for it (StreamUsage.h), as it does for OpenAI upstreams.
///
///   message_start                        -> the first chunk (role "assistant", content "")
///   content_block_start tool_use         -> a tool_calls delta with its id, name, index
///   content_block_delta text_delta       -> a content delta
///   content_block_delta input_json_delta -> a tool_calls arguments delta
///   message_delta                        -> the finish_reason chunk (stop_reason mapped)
///   message_stop                         -> the usage chunk, then [DONE]
///   error                                -> a chat `data: {"error":…}` event (the proxy relays
///                                           it and cuts the stream)
///   ping, content_block_stop, thinking   -> nothing
/// Usage: input tokens (with cache reads and writes) from message_start, output tokens from the
/// last message_delta.

#include "SseFramer.h"
#include <string>
#include <string_view>
#include <vector>

namespace portico::openai {

class AnthropicStream
{
public:
    explicit AnthropicStream(std::size_t maxEventBytes) : framer_(maxEventBytes) {}

    /// Takes upstream bytes; appends the chat stream's bytes for every whole event to `out`.
    /// Throws AnswerTooLarge for an event over the cap (as SseFramer does).
    void feed(std::string_view bytes, std::string& out);
    /// message_stop (or an error event) came: the chat stream is complete.
    bool ended() const { return ended_; }

private:
    void translate(std::string_view name, const std::string& data, std::string& out);
    /// One chat.completion.chunk with `choice` (a JSON object, or empty for "choices":[]).
    void chunk(const std::string& choiceJson, const std::string& usageJson, std::string& out) const;
    void delta(const std::string& deltaJson, std::string& out) const;

    SseFramer framer_;
    std::string id_ = "msg";
    std::string model_;
    long long created_ = 0;
    long long inputTokens_ = 0;
    long long cachedTokens_ = 0;
    long long outputTokens_ = 0;
    /// The tool_calls index of each tool_use block so far (-1: a text block), by block index.
    std::vector<int> toolIndexOfBlock_;
    int toolCalls_ = 0;
    bool ended_ = false;
};

} // namespace portico::openai
