#pragma once
/// portico-embed: a feature-hashing text embedder.
///
/// A text's features are its words (lower-cased runs of letters, digits, '_' and non-ASCII
/// characters), its word bigrams and the character trigrams of each word padded as "<word>".
/// Each feature is hashed (FNV-1a 64 with a final avalanche mix) to a dimension and a sign
/// (signed hashing keeps collisions from piling up in one direction) and added with its
/// kind's weight; the vector is then scaled to unit length. Token-array inputs hash their
/// token ids and id bigrams the same way.
///
/// Pure integer hashing and a fixed summation order make the vectors identical on every
/// machine. Texts that share words share features, so their cosine similarity is clearly
/// higher than that of unrelated texts. The `dims` argument picks the vector length directly
/// (features are hashed modulo it), so any size up to the configured maximum is honoured.

#include <cstdint>
#include <string_view>
#include <vector>

namespace portico::openai {

class HashingEmbedder
{
public:
    static constexpr const char* id = "portico-embed";

    static constexpr double wordWeight = 1.0;
    static constexpr double bigramWeight = 0.7;
    static constexpr double trigramWeight = 0.3;

    /// The unit-length embedding of `text` with `dims` dimensions (dims >= 1).
    static std::vector<float> embedText(std::string_view text, std::size_t dims);
    /// The unit-length embedding of a token-id sequence.
    static std::vector<float> embedTokens(const std::vector<std::int64_t>& tokens, std::size_t dims);

    /// 64-bit feature hash: FNV-1a over `kind` then `feature`, with a final mix.
    static std::uint64_t hash(char kind, std::string_view feature);

private:
    static void add(std::vector<double>& sums, char kind, std::string_view feature, double weight);
    static std::vector<float> normalise(const std::vector<double>& sums);
};

} // namespace portico::openai
