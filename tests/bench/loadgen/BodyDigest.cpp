#include "BodyDigest.h"
#include <cstdio>
#include <cstring>

namespace portico::loadgen {

namespace {

constexpr std::uint64_t fnvPrime = 1099511628211ULL;

bool isBlank(char c) { return c == ' ' || c == '\t'; }

bool isNumberChar(char c)
{
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

struct Key
{
    std::string_view name;
    bool string; ///< true: a string value becomes "*"; false: a number value becomes 0
};

// By first letter: the only keys whose values differ between two runs of the same request.
constexpr Key keys[] = {{"id", true},        {"item_id", true},    {"response_id", true},
                        {"created", false},  {"created_at", false}, {"completed_at", false}};

// The key that starts right after the quote at `quote` (followed by its closing quote), or null.
const Key* keyAt(std::string_view line, std::size_t quote)
{
    const std::size_t start = quote + 1;
    if (start >= line.size())
        return nullptr;
    const char first = line[start];
    if (first != 'i' && first != 'r' && first != 'c')
        return nullptr;
    for (const Key& key : keys)
        if (key.name[0] == first && line.size() > start + key.name.size() &&
            line.compare(start, key.name.size(), key.name) == 0 && line[start + key.name.size()] == '"')
            return &key;
    return nullptr;
}

} // namespace

void BodyDigest::normaliseInto(std::string_view line, std::string& out)
{
    std::size_t copied = 0; // line[copied, ...) is not in `out` yet
    std::size_t at = 0;
    while ((at = line.find('"', at)) != std::string_view::npos)
    {
        const Key* key = at > 0 && line[at - 1] == '\\' ? nullptr : keyAt(line, at);
        if (!key)
        {
            ++at;
            continue;
        }
        // "key" then optional blanks, ':', optional blanks, the value.
        std::size_t value = at + key->name.size() + 2;
        while (value < line.size() && isBlank(line[value]))
            ++value;
        if (value >= line.size() || line[value] != ':')
        {
            at = value;
            continue;
        }
        ++value;
        while (value < line.size() && isBlank(line[value]))
            ++value;
        if (key->string && value < line.size() && line[value] == '"')
        {
            std::size_t end = value + 1;
            while (end < line.size() && line[end] != '"')
                end += line[end] == '\\' ? 2 : 1;
            if (end >= line.size())
                break; // unterminated: left as it is
            out.append(line, copied, value + 1 - copied).append("*");
            copied = end; // the closing quote is copied with the rest
            at = end + 1;
        }
        else if (!key->string && value < line.size() && isNumberChar(line[value]))
        {
            std::size_t end = value;
            while (end < line.size() && isNumberChar(line[end]))
                ++end;
            out.append(line, copied, value - copied).append("0");
            copied = at = end;
        }
        else
            at = value; // another type (null, an object): left as it is
    }
    out.append(line, copied, std::string_view::npos);
}

std::string BodyDigest::normaliseLine(std::string_view line)
{
    std::string out;
    normaliseInto(line, out);
    return out;
}

std::string BodyDigest::hex(std::uint64_t value)
{
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
    return text;
}

void BodyDigest::feed(std::string_view bytes)
{
    bytes_ += bytes.size();
    while (!bytes.empty())
    {
        const std::size_t newline = bytes.find('\n');
        if (newline == std::string_view::npos)
        {
            partial_.append(bytes);
            return;
        }
        if (partial_.empty())
            line(bytes.substr(0, newline), true);
        else
        {
            partial_.append(bytes.substr(0, newline));
            line(partial_, true);
            partial_.clear();
        }
        bytes.remove_prefix(newline + 1);
    }
}

void BodyDigest::finish()
{
    // A last line without '\n' is hashed without one, so "a" and "a\n" differ.
    if (!partial_.empty())
        line(partial_, false);
    partial_.clear();
}

void BodyDigest::line(std::string_view text, bool newline)
{
    scratch_.clear();
    normaliseInto(text, scratch_);
    if (newline)
        scratch_ += '\n';
    std::uint64_t hash = hash_;
    for (const char c : scratch_)
        hash = (hash ^ static_cast<unsigned char>(c)) * fnvPrime;
    hash_ = hash;
    if (keepText_)
        text_ += scratch_;
}

} // namespace portico::loadgen
