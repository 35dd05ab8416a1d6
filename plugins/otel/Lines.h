#pragma once
/// Finish reasons travel as lines in one string (attr::ResponseFinishReasons, and what the
/// body scan collects): a vector of strings would be an allocation per request.

#include <string_view>

namespace portico::otel {

/// Calls `each` with every line of `lines` (lines end in '\n'; the last may not).
template <typename Each>
void forEachLine(std::string_view lines, Each each)
{
    while (!lines.empty())
    {
        const std::size_t end = lines.find('\n');
        each(lines.substr(0, end));
        lines.remove_prefix(end == std::string_view::npos ? lines.size() : end + 1);
    }
}

} // namespace portico::otel
