#pragma once
/// A chat completions event stream turned, event by event, into Anthropic's Messages stream,
/// for a streamed /v1/messages request served by an OpenAI-compatible upstream. The request
/// asked for stream_options.include_usage (anthropic/ChatFromMessages.h), so the usage chunk
/// comes before [DONE]; the proxy has framed and inspected each chat event already (SseFramer:
/// usage, the end, an error), this only rewrites it.
///
///   the first chunk            -> message_start (id "msg_…", the chunk's model, empty content)
///   delta.content              -> content_block_start of a text block (when none is open), then
///                                 a text_delta
///   delta.tool_calls with a name -> the open block's content_block_stop, a tool_use
///                                 content_block_start (its id and name)
///   delta.tool_calls arguments -> an input_json_delta on that tool's block
///   finish_reason              -> the open block's content_block_stop (the stop reason is kept)
///   a usage chunk              -> nothing (kept for message_delta)
///   data: [DONE]               -> message_delta (stop_reason, usage: input and output tokens),
///                                 message_stop
///   data: {"error":…}          -> an `event: error` in Anthropic's shape (the proxy cuts the
///                                 stream after it)
/// Each translated event goes out as `event: <type>` + `data: <json>`, as Anthropic sends them.

#include <map>
#include <string>
#include <string_view>

namespace portico::openai {

class MessagesFromChatStream
{
public:
    /// Appends the Messages events for chat event `event` (one whole SSE event) to `out`.
    void translate(std::string_view event, std::string& out);

private:
    void start(const std::string& chatId, const std::string& model, std::string& out);
    void openBlock(const std::string& startJson, std::string& out);
    void closeBlock(std::string& out);
    void finish(std::string& out);

    bool started_ = false;
    bool blockOpen_ = false;
    /// The chat tool call index whose block is open (-1: a text block).
    int openTool_ = -1;
    std::size_t nextBlock_ = 0;
    std::string stopReason_ = "end_turn";
    long long inputTokens_ = 0;
    long long cachedTokens_ = 0;
    long long outputTokens_ = 0;
    bool finished_ = false;
};

} // namespace portico::openai
