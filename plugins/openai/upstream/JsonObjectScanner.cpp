#include "JsonObjectScanner.h"

namespace portico::openai {

namespace {

constexpr std::size_t longestNumber = 15;

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

} // namespace

int JsonObjectScanner::hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

JsonObjectScanner::JsonObjectScanner(std::string_view text, std::size_t maxDepth) : text_(text), maxDepth_(maxDepth)
{
}

bool JsonObjectScanner::fail()
{
    state_ = State::Failed;
    return false;
}

void JsonObjectScanner::skipSpace()
{
    while (at_ < text_.size() && isSpace(text_[at_]))
        ++at_;
}

bool JsonObjectScanner::next(JsonMember& member)
{
    if (state_ == State::Done || state_ == State::Failed)
        return false;
    skipSpace();
    if (state_ == State::Start)
    {
        if (maxDepth_ < 2 || at_ >= text_.size() || text_[at_] != '{')
            return fail();
        ++at_;
        skipSpace();
        state_ = State::Members;
        if (at_ < text_.size() && text_[at_] == '}')
        {
            ++at_;
            skipSpace();
            state_ = at_ == text_.size() ? State::Done : State::Failed;
            return false;
        }
    }
    else
    {
        // After a member: a comma and the next one, or the end of the object.
        if (at_ < text_.size() && text_[at_] == '}')
        {
            ++at_;
            skipSpace();
            state_ = at_ == text_.size() ? State::Done : State::Failed;
            return false;
        }
        if (at_ >= text_.size() || text_[at_] != ',')
            return fail();
        ++at_;
        skipSpace();
    }
    const std::size_t keyStart = at_ + 1;
    bool escaped = false;
    if (!string(escaped))
        return fail();
    member.key = text_.substr(keyStart, at_ - 1 - keyStart);
    member.keyEscaped = escaped;
    skipSpace();
    if (at_ >= text_.size() || text_[at_] != ':')
        return fail();
    ++at_;
    skipSpace();
    const std::size_t valueStart = at_;
    if (!value(2))
        return fail();
    member.value = text_.substr(valueStart, at_ - valueStart);
    return true;
}

bool JsonObjectScanner::nextElement(std::string_view& element)
{
    if (state_ == State::Done || state_ == State::Failed)
        return false;
    skipSpace();
    const auto closed = [this] {
        ++at_;
        skipSpace();
        state_ = at_ == text_.size() ? State::Done : State::Failed;
        return false;
    };
    if (state_ == State::Start)
    {
        if (maxDepth_ < 2 || at_ >= text_.size() || text_[at_] != '[')
            return fail();
        ++at_;
        skipSpace();
        state_ = State::Members;
        if (at_ < text_.size() && text_[at_] == ']')
            return closed();
    }
    else
    {
        if (at_ < text_.size() && text_[at_] == ']')
            return closed();
        if (at_ >= text_.size() || text_[at_] != ',')
            return fail();
        ++at_;
        skipSpace();
    }
    const std::size_t start = at_;
    if (!value(2))
        return fail();
    element = text_.substr(start, at_ - start);
    return true;
}

bool JsonObjectScanner::value(std::size_t depth)
{
    if (at_ >= text_.size())
        return false;
    const char c = text_[at_];
    if (c == '"')
    {
        bool escaped = false;
        return string(escaped);
    }
    if (c == '{' || c == '[')
    {
        if (depth + 1 >= maxDepth_)
            return false; // near the full parser's limit: let it decide
        const char close = c == '{' ? '}' : ']';
        ++at_;
        skipSpace();
        if (at_ < text_.size() && text_[at_] == close)
        {
            ++at_;
            return true;
        }
        for (;;)
        {
            if (c == '{')
            {
                bool escaped = false;
                if (!string(escaped))
                    return false;
                skipSpace();
                if (at_ >= text_.size() || text_[at_] != ':')
                    return false;
                ++at_;
                skipSpace();
            }
            if (!value(depth + 1))
                return false;
            skipSpace();
            if (at_ >= text_.size())
                return false;
            if (text_[at_] == close)
            {
                ++at_;
                return true;
            }
            if (text_[at_] != ',')
                return false;
            ++at_;
            skipSpace();
        }
    }
    if (c == 't')
        return literal("true");
    if (c == 'f')
        return literal("false");
    if (c == 'n')
        return literal("null");
    return number();
}

bool JsonObjectScanner::literal(std::string_view word)
{
    if (text_.compare(at_, word.size(), word) != 0)
        return false;
    at_ += word.size();
    return true;
}

bool JsonObjectScanner::number()
{
    const std::size_t start = at_;
    if (at_ < text_.size() && text_[at_] == '-')
        ++at_;
    if (at_ >= text_.size() || !isDigit(text_[at_]))
        return false;
    if (text_[at_] == '0')
        ++at_;
    else
        while (at_ < text_.size() && isDigit(text_[at_]))
            ++at_;
    if (at_ < text_.size() && text_[at_] == '.')
    {
        ++at_;
        if (at_ >= text_.size() || !isDigit(text_[at_]))
            return false;
        while (at_ < text_.size() && isDigit(text_[at_]))
            ++at_;
    }
    if (at_ < text_.size() && (text_[at_] == 'e' || text_[at_] == 'E'))
    {
        ++at_;
        if (at_ < text_.size() && (text_[at_] == '+' || text_[at_] == '-'))
            ++at_;
        const std::size_t digits = at_;
        if (at_ >= text_.size() || !isDigit(text_[at_]))
            return false;
        while (at_ < text_.size() && isDigit(text_[at_]))
            ++at_;
        if (at_ - digits > 2)
            return false; // 1e400: out of a double's range, the full parser's call
    }
    return at_ - start <= longestNumber;
}

bool JsonObjectScanner::string(bool& escaped)
{
    if (at_ >= text_.size() || text_[at_] != '"')
        return false;
    ++at_;
    while (at_ < text_.size())
    {
        const auto c = static_cast<unsigned char>(text_[at_]);
        if (c == '"')
        {
            ++at_;
            return true;
        }
        if (c < 0x20)
            return false;
        if (c == '\\')
        {
            escaped = true;
            if (++at_ >= text_.size())
                return false;
            const char e = text_[at_];
            if (e == 'u')
            {
                if (at_ + 4 >= text_.size())
                    return false;
                int code = 0;
                for (int i = 1; i <= 4; ++i)
                {
                    const int digit = hexValue(text_[at_ + i]);
                    if (digit < 0)
                        return false;
                    code = code * 16 + digit;
                }
                if (code == 0 || (code >= 0xD800 && code <= 0xDFFF))
                    return false; // NUL and surrogate pairs: the full parser's call
                at_ += 5;
                continue;
            }
            if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't')
                return false;
            ++at_;
            continue;
        }
        if (c >= 0x80)
        {
            if (!utf8Sequence())
                return false;
            continue;
        }
        ++at_;
    }
    return false;
}

bool JsonObjectScanner::utf8Sequence()
{
    const auto byte = [this](std::size_t i) { return static_cast<unsigned char>(text_[i]); };
    const unsigned char lead = byte(at_);
    std::size_t length = 0;
    unsigned int code = 0;
    if (lead >= 0xC2 && lead <= 0xDF)
        length = 2, code = lead & 0x1F;
    else if (lead >= 0xE0 && lead <= 0xEF)
        length = 3, code = lead & 0x0F;
    else if (lead >= 0xF0 && lead <= 0xF4)
        length = 4, code = lead & 0x07;
    else
        return false;
    if (at_ + length > text_.size())
        return false;
    for (std::size_t i = 1; i < length; ++i)
    {
        if ((byte(at_ + i) & 0xC0) != 0x80)
            return false;
        code = (code << 6) | (byte(at_ + i) & 0x3F);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are malformed.
    if ((length == 3 && (code < 0x800 || (code >= 0xD800 && code <= 0xDFFF))) ||
        (length == 4 && (code < 0x10000 || code > 0x10FFFF)))
        return false;
    at_ += length;
    return true;
}

bool JsonObjectScanner::plainString(std::string_view value, std::string_view& text)
{
    if (value.size() < 2 || value.front() != '"' || value.back() != '"' ||
        value.find('\\') != std::string_view::npos)
        return false;
    text = value.substr(1, value.size() - 2);
    return true;
}

bool JsonObjectScanner::integer(std::string_view value, long long& number)
{
    std::size_t i = 0;
    const bool negative = !value.empty() && value[0] == '-';
    if (negative)
        ++i;
    if (i >= value.size() || value.size() > longestNumber)
        return false;
    long long result = 0;
    for (; i < value.size(); ++i)
    {
        if (!isDigit(value[i]))
            return false;
        result = result * 10 + (value[i] - '0');
    }
    number = negative ? -result : result;
    return true;
}

} // namespace portico::openai
