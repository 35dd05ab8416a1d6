#include "HeaderTokens.h"
#include "portico/AsciiCase.h"
#include <cstring>

namespace portico::cors {

namespace {

bool isTchar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

std::string_view trim(std::string_view text)
{
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos)
        return {};
    const auto last = text.find_last_not_of(" \t");
    return text.substr(first, last - first + 1);
}

/// True when the comma-separated `list` holds `name` (any case) or "*".
bool listCovers(std::string_view list, std::string_view name)
{
    while (!list.empty())
    {
        const auto comma = list.find(',');
        const std::string_view item = trim(list.substr(0, comma));
        if (item == "*" || equalsIgnoringCase(item, name))
            return true;
        if (comma == std::string_view::npos)
            break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

} // namespace

bool isToken(std::string_view text)
{
    if (text.empty())
        return false;
    for (char c : text)
        if (!isTchar(c))
            return false;
    return true;
}

void appendVary(HeaderList& headers, std::string_view name)
{
    HeaderList::Iterator first = headers.end();
    for (auto it = headers.begin(); it != headers.end(); ++it)
    {
        if (!HeaderList::sameName(it->first, "Vary"))
            continue;
        // Another hook (or a second Vary line) may already name it: a cache reads all of them.
        if (listCovers(it->second, name))
            return;
        if (first == headers.end())
            first = it;
    }
    if (first == headers.end())
    {
        headers.add("Vary", std::string(name));
        return;
    }
    std::string& value = first->second;
    const std::string_view existing = trim(value);
    value = existing.empty() ? std::string(name) : std::string(existing) + ", " + std::string(name);
}

std::optional<std::string> reflectedHeaders(std::string_view requested)
{
    std::string out;
    while (true)
    {
        const auto comma = requested.find(',');
        const std::string_view item = trim(requested.substr(0, comma));
        if (!isToken(item))
            return std::nullopt;
        if (!out.empty())
            out += ", ";
        for (char c : item)
            out += asciiLower(c);
        if (comma == std::string_view::npos)
            break;
        requested.remove_prefix(comma + 1);
    }
    return out;
}

std::string joinList(const std::vector<std::string>& items)
{
    std::string out;
    for (const auto& item : items)
        out += (out.empty() ? "" : ", ") + item;
    return out;
}

} // namespace portico::cors
