#pragma once
/// Portico's deterministic tokenizer, used for the local models' usage figures, for
/// max_output_tokens, and to cut portico-echo's answers into stream deltas.
///
/// It is not OpenAI's BPE; it is a simple word-piece scheme that gives similar counts for
/// English text and is identical on every machine:
///   - a token is an optional run of leading white space (at most 16 bytes) followed by either
///     a word piece (letters, digits, '_' and any non-ASCII character; at most 8 characters) or
///     one other character (punctuation, symbols);
///   - white space at the very end of the text is a token of its own;
///   - the tokens of a text, concatenated, give the text back byte for byte, and a token never
///     splits a UTF-8 sequence.
/// So "Hello, world!" is 4 tokens: "Hello", ",", " world", "!".

#include <cstddef>
#include <string_view>
#include <vector>

namespace portico::openai {

class Tokenizer
{
public:
    /// The longest word piece, in characters (code points).
    static constexpr std::size_t maxWordPiece = 8;
    /// The longest run of leading white space kept in one token, in bytes.
    static constexpr std::size_t maxSpaceRun = 16;

    /// The tokens of `text`, as views into it.
    static std::vector<std::string_view> split(std::string_view text);
    /// How many tokens `text` has (split(text).size(), without building the vector).
    static std::size_t count(std::string_view text);

private:
    /// The length of the token that starts at `text[start]`.
    static std::size_t tokenLength(std::string_view text, std::size_t start);
};

} // namespace portico::openai
