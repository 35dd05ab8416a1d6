#include "JsonWalk.h"

namespace portico::openai::jsonwalk {

namespace {

int hexDigit(char c)
{
    const int value = JsonObjectScanner::hexValue(c);
    if (value < 0)
        throw NotPlain{};
    return value;
}

} // namespace

bool Walk::isObject(Raw text) const
{
    JsonObjectScanner scanner(text, maxDepth_);
    JsonMember member;
    while (scanner.next(member))
    {
    }
    return scanner.ok();
}

Raw inner(Raw value)
{
    if (!isString(value))
        throw NotPlain{};
    return value.substr(1, value.size() - 2);
}

Raw plain(Raw value)
{
    Raw text;
    if (!JsonObjectScanner::plainString(value, text))
        throw NotPlain{};
    return text;
}

void take(Raw& slot, Raw value)
{
    if (!slot.empty())
        throw NotPlain{};
    slot = value;
}

long long integer(Raw value)
{
    long long number = 0;
    if (!JsonObjectScanner::integer(value, number))
        throw NotPlain{};
    return number;
}

std::string unescaped(Raw value)
{
    const Raw text = inner(value);
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i)
    {
        if (text[i] != '\\')
        {
            out += text[i];
            continue;
        }
        if (++i >= text.size())
            throw NotPlain{};
        switch (text[i])
        {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u':
        {
            if (i + 4 >= text.size())
                throw NotPlain{};
            unsigned code = 0;
            for (int k = 1; k <= 4; ++k)
                code = code * 16 + static_cast<unsigned>(hexDigit(text[i + static_cast<std::size_t>(k)]));
            i += 4;
            if (code >= 0xD800 && code <= 0xDFFF)
                throw NotPlain{};
            if (code < 0x80)
                out += static_cast<char>(code);
            else if (code < 0x800)
            {
                out += static_cast<char>(0xC0 | (code >> 6));
                out += static_cast<char>(0x80 | (code & 0x3F));
            }
            else
            {
                out += static_cast<char>(0xE0 | (code >> 12));
                out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
                out += static_cast<char>(0x80 | (code & 0x3F));
            }
            break;
        }
        default: throw NotPlain{};
        }
    }
    return out;
}

} // namespace portico::openai::jsonwalk
