#include "BearerToken.h"
#include "portico/AsciiCase.h"

namespace portico::auth {

namespace {

bool blank(char c)
{
    return c == ' ' || c == '\t';
}

} // namespace

std::optional<std::string_view> bearerToken(std::string_view header)
{
    std::size_t start = 0;
    while (start < header.size() && blank(header[start]))
        ++start;
    std::size_t end = header.size();
    while (end > start && (blank(header[end - 1]) || header[end - 1] == '\r' || header[end - 1] == '\n'))
        --end;
    header = header.substr(start, end - start);

    constexpr std::string_view scheme = "bearer";
    if (header.size() <= scheme.size() || !equalsIgnoringCase(header.substr(0, scheme.size()), scheme) ||
        !blank(header[scheme.size()]))
        return std::nullopt;
    std::size_t tokenStart = scheme.size();
    while (tokenStart < header.size() && blank(header[tokenStart]))
        ++tokenStart;
    if (tokenStart == header.size())
        return std::nullopt;
    return header.substr(tokenStart);
}

} // namespace portico::auth
