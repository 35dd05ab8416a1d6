#include "Tokenizer.h"

namespace portico::openai {

namespace {

bool isSpace(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/// Length of the UTF-8 character at text[i]: its sequence length when well formed, else 1 (a
/// stray byte is a character of its own, so a token never ends inside a valid sequence).
std::size_t charLength(std::string_view text, std::size_t i)
{
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 1;
    if (lead >= 0xF0 && lead <= 0xF4)
        length = 4;
    else if (lead >= 0xE0)
        length = 3;
    else if (lead >= 0xC2 && lead <= 0xDF)
        length = 2;
    if (length == 1 || i + length > text.size())
        return 1;
    for (std::size_t k = 1; k < length; ++k)
        if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80)
            return 1;
    return length;
}

bool isWordStart(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

} // namespace

std::size_t Tokenizer::tokenLength(std::string_view text, std::size_t start)
{
    std::size_t i = start;
    while (i < text.size() && i - start < maxSpaceRun && isSpace(static_cast<unsigned char>(text[i])))
        ++i;
    if (i == text.size() || isSpace(static_cast<unsigned char>(text[i])))
        return i - start; // trailing white space, or a run longer than maxSpaceRun
    if (isWordStart(static_cast<unsigned char>(text[i])))
    {
        std::size_t characters = 0;
        while (i < text.size() && characters < maxWordPiece && isWordStart(static_cast<unsigned char>(text[i])))
        {
            i += charLength(text, i);
            ++characters;
        }
        return i - start;
    }
    return i + charLength(text, i) - start;
}

std::vector<std::string_view> Tokenizer::split(std::string_view text)
{
    std::vector<std::string_view> tokens;
    tokens.reserve(text.size() / 4 + 1);
    for (std::size_t i = 0; i < text.size();)
    {
        const std::size_t length = tokenLength(text, i);
        tokens.push_back(text.substr(i, length));
        i += length;
    }
    return tokens;
}

std::size_t Tokenizer::count(std::string_view text)
{
    std::size_t n = 0;
    for (std::size_t i = 0; i < text.size(); ++n)
        i += tokenLength(text, i);
    return n;
}

} // namespace portico::openai
