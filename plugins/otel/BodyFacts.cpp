#include "BodyFacts.h"
#include "Lines.h"
#include <algorithm>
#include <cstring>
#include <string.h>

namespace portico::otel {

namespace {

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/// The index just past the string that opens at `start` (a '"'), or npos when it is unclosed.
/// memchr finds each candidate quote (ids and contents are long runs without one); a quote
/// after an odd number of backslashes is escaped.
std::size_t stringEnd(std::string_view json, std::size_t start)
{
    for (std::size_t i = start + 1; i < json.size();)
    {
        const void* found = std::memchr(json.data() + i, '"', json.size() - i);
        if (!found)
            return std::string_view::npos;
        const std::size_t quote = static_cast<std::size_t>(static_cast<const char*>(found) - json.data());
        std::size_t backslashes = 0;
        while (quote - backslashes > start + 1 && json[quote - backslashes - 1] == '\\')
            ++backslashes;
        if (backslashes % 2 == 0)
            return quote + 1;
        i = quote + 1;
    }
    return std::string_view::npos;
}

std::size_t skipSpace(std::string_view json, std::size_t i)
{
    while (i < json.size() && isSpace(json[i]))
        ++i;
    return i;
}

/// The index of the value of the first of `keys` in the top-level object, or npos.
std::size_t topLevelValue(std::string_view json, std::initializer_list<std::string_view> keys)
{
    int depth = 0;
    for (std::size_t i = 0; i < json.size();)
    {
        const char c = json[i];
        if (c == '"')
        {
            const std::size_t end = stringEnd(json, i);
            if (end == std::string_view::npos)
                return end;
            if (depth == 1)
            {
                const std::size_t colon = skipSpace(json, end);
                if (colon < json.size() && json[colon] == ':')
                    for (std::string_view key : keys)
                        if (json.substr(i + 1, end - i - 2) == key)
                            return skipSpace(json, colon + 1);
            }
            i = end;
            continue;
        }
        if (c == '{' || c == '[')
            ++depth;
        else if (c == '}' || c == ']')
            --depth;
        ++i;
    }
    return std::string_view::npos;
}

/// The string value that opens at `at`, raw.
std::optional<std::string> stringAt(std::string_view json, std::size_t at)
{
    if (at >= json.size() || json[at] != '"')
        return std::nullopt;
    const std::size_t end = stringEnd(json, at);
    if (end == std::string_view::npos)
        return std::nullopt;
    return std::string(json.substr(at + 1, end - at - 2));
}

/// The first `needle` in `text` at or after `from`, or npos. glibc's memmem: string_view::find
/// stops at every occurrence of the needle's first character, and a quoted key's is the '"'
/// that JSON is full of.
std::size_t find(std::string_view text, std::string_view needle, std::size_t from)
{
    if (from > text.size())
        return std::string_view::npos;
    const void* at = ::memmem(text.data() + from, text.size() - from, needle.data(), needle.size());
    return at ? static_cast<std::size_t>(static_cast<const char*>(at) - text.data()) : std::string_view::npos;
}

/// The string value after each `"<key>"` followed by ':' in `text`, from `from` on.
std::optional<std::string> valueAfter(std::string_view text, std::string_view quotedKey, std::size_t& from)
{
    for (;;)
    {
        const std::size_t at = find(text, quotedKey, from);
        if (at == std::string_view::npos)
        {
            from = text.size();
            return std::nullopt;
        }
        from = at + quotedKey.size();
        std::size_t i = skipSpace(text, from);
        if (i >= text.size() || text[i] != ':')
            continue;
        i = skipSpace(text, i + 1);
        if (auto value = stringAt(text, i))
        {
            from = i + value->size() + 2;
            return value;
        }
    }
}

} // namespace

std::optional<std::string> topLevelString(std::string_view json, std::string_view key)
{
    const std::size_t at = topLevelValue(json, {key});
    if (at == std::string_view::npos)
        return std::nullopt;
    return stringAt(json, at);
}

std::optional<long long> topLevelInteger(std::string_view json, std::initializer_list<std::string_view> keys)
{
    std::size_t at = topLevelValue(json, keys);
    if (at == std::string_view::npos || at >= json.size() || json[at] < '0' || json[at] > '9')
        return std::nullopt;
    long long value = 0;
    for (; at < json.size() && json[at] >= '0' && json[at] <= '9'; ++at)
    {
        if (value > 100000000000000LL)
            return std::nullopt;
        value = value * 10 + (json[at] - '0');
    }
    if (at < json.size() && (json[at] == '.' || json[at] == 'e' || json[at] == 'E'))
        return std::nullopt;
    return value;
}

std::optional<std::string> firstModel(std::string_view text)
{
    std::size_t from = 0;
    return valueAfter(text, "\"model\"", from);
}

namespace {

/// True when `line` is one of the lines of `lines`.
bool hasLine(std::string_view lines, std::string_view line)
{
    bool found = false;
    forEachLine(lines, [&](std::string_view each) { found = found || each == line; });
    return found;
}

} // namespace

void collectFinishReasons(std::string_view text, std::string& reasons, std::string_view quotedKey)
{
    std::size_t from = 0;
    while (std::count(reasons.begin(), reasons.end(), '\n') < 8)
    {
        auto reason = valueAfter(text, quotedKey, from);
        if (!reason)
            return;
        // A reason with a line break in it could not be told apart: such a value is no reason.
        if (!reason->empty() && reason->find('\n') == std::string::npos && !hasLine(reasons, *reason))
            reasons.append(*reason).append(1, '\n');
    }
}

} // namespace portico::otel
