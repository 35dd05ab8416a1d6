#pragma once
/// Reading a JSON text without a tree, for the translations that must be cheap (the Anthropic
/// request and answer scans): JsonObjectScanner walks objects and arrays and validates as it
/// goes, and values are handed out as the raw text they were written as. Anything the walk does
/// not take (a key with an escape, a member given twice, a value of another kind) throws
/// NotPlain: the caller falls back to its Poco::JSON path, which decides.

#include "JsonObjectScanner.h"
#include <string>
#include <string_view>

namespace portico::openai::jsonwalk {

using Raw = std::string_view;

/// Not a shape the walk takes: the caller's Poco::JSON path decides.
struct NotPlain
{
};

class Walk
{
public:
    explicit Walk(std::size_t maxDepth) : maxDepth_(maxDepth) {}

    /// Calls f(key, value) for each member of object `text`.
    template <typename F>
    void members(Raw text, F&& f) const
    {
        JsonObjectScanner scanner(text, maxDepth_);
        JsonMember member;
        while (scanner.next(member))
        {
            if (member.keyEscaped)
                throw NotPlain{};
            f(member.key, member.value);
        }
        if (!scanner.ok())
            throw NotPlain{};
    }

    /// Calls f(element) for each element of array `text`.
    template <typename F>
    void elements(Raw text, F&& f) const
    {
        JsonObjectScanner scanner(text, maxDepth_);
        Raw element;
        while (scanner.nextElement(element))
            f(element);
        if (!scanner.ok())
            throw NotPlain{};
    }

    /// True when `text` is exactly one valid JSON object.
    bool isObject(Raw text) const;

private:
    std::size_t maxDepth_;
};

inline bool isString(Raw value)
{
    return !value.empty() && value.front() == '"';
}

inline bool isArray(Raw value)
{
    return !value.empty() && value.front() == '[';
}

inline bool isObjectText(Raw value)
{
    return !value.empty() && value.front() == '{';
}

inline bool isNumber(Raw value)
{
    return !value.empty() && (value.front() == '-' || (value.front() >= '0' && value.front() <= '9'));
}

/// Absent (never set) or null.
inline bool absent(Raw value)
{
    return value.empty() || value == "null";
}

/// A string value's text between its quotes, escapes as written (valid inside any JSON string).
Raw inner(Raw value);
/// A string value without escapes, to compare (a role, a type).
Raw plain(Raw value);
/// Sets `slot` once: a member given twice is for the full parser to judge.
void take(Raw& slot, Raw value);
/// An integer literal (at most 15 characters).
long long integer(Raw value);
/// A JSON string value's text, unescaped (JsonObjectScanner has already refused surrogate
/// escapes and \u0000).
std::string unescaped(Raw value);

} // namespace portico::openai::jsonwalk
