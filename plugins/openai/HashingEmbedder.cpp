#include "HashingEmbedder.h"
#include <cmath>
#include <string>

namespace portico::openai {

namespace {

bool isWordByte(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::vector<std::string> words(std::string_view text)
{
    std::vector<std::string> out;
    std::string current;
    for (char c : text)
    {
        if (isWordByte(static_cast<unsigned char>(c)))
            current += lower(c);
        else if (!current.empty())
            out.push_back(std::move(current)), current.clear();
    }
    if (!current.empty())
        out.push_back(std::move(current));
    return out;
}

} // namespace

std::uint64_t HashingEmbedder::hash(char kind, std::string_view feature)
{
    std::uint64_t h = 14695981039346656037ull; // FNV-1a 64 offset basis
    auto mix = [&h](unsigned char byte) {
        h ^= byte;
        h *= 1099511628211ull;
    };
    mix(static_cast<unsigned char>(kind));
    mix(0);
    for (char c : feature)
        mix(static_cast<unsigned char>(c));
    // splitmix64's finaliser: FNV's low bits are weak, and dims is often a power of two.
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 31;
    return h;
}

void HashingEmbedder::add(std::vector<double>& sums, char kind, std::string_view feature, double weight)
{
    const std::uint64_t h = hash(kind, feature);
    const std::size_t index = static_cast<std::size_t>(h % sums.size());
    sums[index] += (h >> 63) ? -weight : weight;
}

std::vector<float> HashingEmbedder::normalise(const std::vector<double>& sums)
{
    double squares = 0;
    for (double v : sums)
        squares += v * v;
    std::vector<float> out(sums.size());
    if (squares == 0)
    {
        // No feature at all (white space only), or every feature cancelled out: a fixed unit
        // vector keeps the "norm 1" promise.
        out[static_cast<std::size_t>(hash('e', "") % out.size())] = 1.0f;
        return out;
    }
    const double scale = 1.0 / std::sqrt(squares);
    for (std::size_t i = 0; i < sums.size(); ++i)
        out[i] = static_cast<float>(sums[i] * scale);
    return out;
}

std::vector<float> HashingEmbedder::embedText(std::string_view text, std::size_t dims)
{
    std::vector<double> sums(dims, 0.0);
    const auto list = words(text);
    std::string padded;
    for (std::size_t i = 0; i < list.size(); ++i)
    {
        add(sums, 'w', list[i], wordWeight);
        if (i + 1 < list.size())
            add(sums, 'b', list[i] + ' ' + list[i + 1], bigramWeight);
        padded = '<' + list[i] + '>';
        for (std::size_t k = 0; k + 3 <= padded.size(); ++k)
            add(sums, 'c', std::string_view(padded).substr(k, 3), trigramWeight);
    }
    return normalise(sums);
}

std::vector<float> HashingEmbedder::embedTokens(const std::vector<std::int64_t>& tokens, std::size_t dims)
{
    std::vector<double> sums(dims, 0.0);
    for (std::size_t i = 0; i < tokens.size(); ++i)
    {
        const std::string id = std::to_string(tokens[i]);
        add(sums, 't', id, wordWeight);
        if (i + 1 < tokens.size())
            add(sums, 'u', id + ' ' + std::to_string(tokens[i + 1]), bigramWeight);
    }
    return normalise(sums);
}

} // namespace portico::openai
