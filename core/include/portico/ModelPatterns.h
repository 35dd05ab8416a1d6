#pragma once
/// Model names and globs, as a virtual key's `models` lists them ("gpt-4o*", "claude-?",
/// "portico-echo"): what auth checks a request's model against, and what the openai plugin's
/// GET /v1/models filters by (attr::AllowedModels). One definition, so that both agree on what
/// a pattern admits. Header-only (Poco::Glob), outside the plugin ABI.

#include "Poco/Glob.h"
#include <string>
#include <string_view>

namespace portico {

/// True when `model` is `pattern`, or matches it as a glob (*, ?, [...], \ escapes).
inline bool modelPatternMatches(const std::string& pattern, const std::string& model)
{
    // A name without glob characters is compared as it is (the common case, no Glob built).
    if (pattern.find_first_of("*?[\\") == std::string::npos)
        return pattern == model;
    return Poco::Glob(pattern).match(model);
}

/// True when `model` matches one of `patterns`, given one per line (attr::AllowedModels).
inline bool anyModelPatternMatches(std::string_view patterns, const std::string& model)
{
    while (!patterns.empty())
    {
        const std::size_t end = patterns.find('\n');
        if (modelPatternMatches(std::string(patterns.substr(0, end)), model))
            return true;
        if (end == std::string_view::npos)
            break;
        patterns.remove_prefix(end + 1);
    }
    return false;
}

} // namespace portico
