#include "EchoModel.h"
#include "Tokenizer.h"

namespace portico::openai {

namespace {

const std::string& textToEcho(const Conversation& conversation)
{
    for (auto turn = conversation.turns.rbegin(); turn != conversation.turns.rend(); ++turn)
        if (turn->role == "user")
            return turn->text;
    static const std::string nothing;
    return conversation.turns.empty() ? nothing : conversation.turns.back().text;
}

} // namespace

std::size_t EchoModel::inputTokens(const Conversation& conversation)
{
    std::size_t tokens = Tokenizer::count(conversation.instructions);
    for (const auto& turn : conversation.turns)
        tokens += Tokenizer::count(turn.text);
    return tokens;
}

void EchoModel::answer(const Conversation& conversation, std::optional<std::int64_t> maxOutputTokens,
                       const std::vector<std::string>& stop, EchoAnswer& out)
{
    out.inputTokens = inputTokens(conversation);
    out.text = textToEcho(conversation);
    out.finish = FinishReason::Stop;

    std::size_t cut = std::string::npos;
    for (const auto& sequence : stop)
    {
        if (sequence.empty())
            continue;
        const auto at = out.text.find(sequence);
        if (at < cut)
            cut = at;
    }
    if (cut != std::string::npos)
        out.text.resize(cut);

    out.tokens = Tokenizer::split(out.text);
    if (maxOutputTokens && out.tokens.size() > static_cast<std::size_t>(*maxOutputTokens))
    {
        out.tokens.resize(static_cast<std::size_t>(*maxOutputTokens));
        std::size_t length = 0;
        for (const auto& token : out.tokens)
            length += token.size();
        // Shrinking keeps the buffer, so the views stay valid.
        out.text.resize(length);
        out.finish = FinishReason::Length;
    }
}

} // namespace portico::openai
