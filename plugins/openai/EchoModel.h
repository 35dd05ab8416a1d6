#pragma once
/// portico-echo: a deterministic text model for the Responses and Chat Completions endpoints.
///
/// It answers with the text of the last user message (the last message of any role when there
/// is no user message), cut at the first stop sequence and at the output token limit. The
/// answer is delivered as tokens (see Tokenizer), which are also the stream's deltas, so that
/// usage counts and deltas always agree. Identical input gives an identical answer everywhere.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portico::openai {

/// One message of the conversation, reduced to its text.
struct Turn
{
    std::string role; ///< "user", "assistant", "system", "developer", "tool"
    std::string text;
};

struct Conversation
{
    /// Instructions (Responses) count as input but are never echoed.
    std::string instructions;
    std::vector<Turn> turns;
};

/// Why the answer ended.
enum class FinishReason
{
    Stop,     ///< the whole answer, or cut at a stop sequence
    Length    ///< cut at the output token limit
};

struct EchoAnswer
{
    /// The answer's text and its tokens (views into `text`; they concatenate to it).
    std::string text;
    std::vector<std::string_view> tokens;
    std::size_t inputTokens = 0;
    FinishReason finish = FinishReason::Stop;

    std::size_t outputTokens() const { return tokens.size(); }

    EchoAnswer() = default;
    EchoAnswer(const EchoAnswer&) = delete; // tokens point into text
    EchoAnswer& operator=(const EchoAnswer&) = delete;
    EchoAnswer(EchoAnswer&&) = delete;
};

class EchoModel
{
public:
    static constexpr const char* id = "portico-echo";

    /// Answers `conversation`. `maxOutputTokens` (when set) cuts the answer; `stop` holds up to
    /// four stop sequences: the answer ends just before the first one that occurs.
    static void answer(const Conversation& conversation, std::optional<std::int64_t> maxOutputTokens,
                       const std::vector<std::string>& stop, EchoAnswer& out);

    /// The input tokens of a conversation: the tokens of the instructions and of every message.
    static std::size_t inputTokens(const Conversation& conversation);
};

} // namespace portico::openai
