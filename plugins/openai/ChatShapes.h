#pragma once
/// The JSON of the Chat Completions API as the official SDKs type it (openai-node
/// resources/chat/completions/completions.d.ts): chat.completion objects and the
/// chat.completion.chunk objects of a stream.

#include "EchoModel.h"
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace portico::openai {

/// What every object of one completion shares.
struct ChatIdentity
{
    std::string id; ///< "chatcmpl-…"
    std::int64_t created = 0;
    std::string model;
};

struct ChatUsage
{
    std::size_t promptTokens = 0;
    std::size_t completionTokens = 0;
};

/// "stop" or "length".
const char* finishReasonName(FinishReason reason);

/// A whole chat.completion with `n` identical choices carrying `text`.
std::string chatCompletionJson(const ChatIdentity& identity, std::size_t n, const std::string& text,
                               FinishReason finish, const ChatUsage& usage);

/// Builds the chunks of a stream. When the request asked for usage (include_usage), every
/// chunk carries "usage": null and usageChunk() gives the last one, with empty choices.
class ChatChunks
{
public:
    ChatChunks(const ChatIdentity& identity, bool includeUsage) : identity_(identity), includeUsage_(includeUsage) {}

    /// The first chunk of choice `index`: delta {role:"assistant", content:""}.
    std::string roleChunk(std::size_t index) const;
    /// A content delta of choice `index`. Every token of a stream is one, so it is the prebuilt
    /// text around the content (built on first use per choice) with the content put between.
    std::string contentChunk(std::size_t index, std::string_view content) const;
    /// The last chunk of choice `index`: empty delta and its finish_reason.
    std::string finishChunk(std::size_t index, FinishReason finish) const;
    /// {"choices":[], "usage":{...}}
    std::string usageChunk(const ChatUsage& usage) const;
    /// The data of the `error` event: OpenAI's error object.
    static std::string errorData(const std::string& message);

private:
    class Writer;
    /// What comes before and after the escaped content in a content chunk of one choice.
    struct Frame
    {
        std::string before;
        std::string after;
    };

    const ChatIdentity& identity_;
    bool includeUsage_;
    mutable std::vector<Frame> contentFrames_; ///< by choice index
};

} // namespace portico::openai
