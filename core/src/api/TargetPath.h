#pragma once
// The path of a request target, as the Exchange keeps it: without the query, and an
// absolute-form target ("http://host/path") reduced to its path. Shared by the Exchange and the
// connection (which matches a route before the Exchange exists, to know whether to stream the
// body).

#include <string_view>

namespace portico {

inline std::string_view targetPath(std::string_view target)
{
    std::string_view path = target.substr(0, target.find('?'));
    if (path.compare(0, 7, "http://") == 0 || path.compare(0, 8, "https://") == 0)
    {
        const auto slash = path.find('/', path.find("//") + 2);
        path = slash == std::string_view::npos ? std::string_view("/") : path.substr(slash);
    }
    return path;
}

} // namespace portico
