#pragma once
/// Walks the top-level members of a JSON object without building a tree: the proxy path needs
/// only a few fields (a request's "model" and "stream", an answer's usage counts) of a body it
/// relays unchanged, and Poco::JSON's parse (a Dynamic::Var and a map node per value) was a
/// large share of a proxied request's cost.
///
/// The scanner is strict and conservative: it validates the whole text as RFC 8259 JSON and
/// gives up (ok() false) on anything a full parser might judge differently: comments, trailing
/// content, control characters or malformed UTF-8 in strings, \u0000 or surrogate escapes,
/// number literals longer than 15 characters or with a 3-digit exponent, nesting at or beyond
/// the depth limit. A caller that gets ok() == false falls back to Poco::JSON, which then
/// accepts or rejects the body with its usual error; so the scanner changes speed, never an
/// answer.

#include <cstddef>
#include <string_view>

namespace portico::openai {

/// One top-level member. `key` is the raw text between the quotes; `keyEscaped` is true when it
/// holds a backslash escape (so it cannot be compared byte for byte). `value` is the value's raw
/// text (a string keeps its quotes).
struct JsonMember
{
    std::string_view key;
    bool keyEscaped = false;
    std::string_view value;
};

class JsonObjectScanner
{
public:
    /// `maxDepth`: the nesting limit of the full parser the caller would fall back to; the
    /// scanner gives up one level before it.
    JsonObjectScanner(std::string_view text, std::size_t maxDepth);

    /// The next top-level member, in text order. False at the end of the object or on an error;
    /// then ok() tells which.
    bool next(JsonMember& member);
    /// After next() returned false: true when the text was exactly one valid JSON object.
    bool ok() const { return state_ == State::Done; }

    /// The same walk over a JSON array instead (a scanner is used for one or the other): the
    /// next element's raw text, in order; false at the end of the array (ok() true) or on an
    /// error (ok() false).
    bool nextElement(std::string_view& element);

    /// The text of a JSON string value without its quotes, when it holds no escapes.
    static bool plainString(std::string_view value, std::string_view& text);
    /// The value of hexadecimal digit `c`, or -1 when it is none.
    static int hexValue(char c);
    /// A JSON integer literal ("-12", at most 15 characters) as a number.
    static bool integer(std::string_view value, long long& number);

private:
    enum class State
    {
        Start,
        Members,
        Done,
        Failed
    };

    bool fail();
    void skipSpace();
    bool value(std::size_t depth);
    bool string(bool& escaped);
    bool number();
    bool literal(std::string_view word);
    bool utf8Sequence();

    std::string_view text_;
    std::size_t maxDepth_;
    std::size_t at_ = 0;
    State state_ = State::Start;
};

} // namespace portico::openai
