#include "AuthConfig.h"

namespace portico::auth {

bool AuthConfig::isExempt(const std::string& path) const
{
    for (const auto& exempt : exemptPaths)
        if (path == exempt)
            return true;
    // The router matches the raw path segment by segment (no dot-segment or percent
    // normalisation), so a prefix match here cannot be steered to a route outside the prefix.
    for (const auto& prefix : exemptPrefixes)
        if (path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0)
            return true;
    return false;
}

AuthConfig AuthConfig::from(const PluginConfig& config)
{
    AuthConfig result;
    result.keysFile = config.getString("keys_file", result.keysFile);
    if (result.keysFile.empty())
        throw config.error("keys_file", "must name the keys file");
    for (const auto& entry : config.getList("exempt", {"/healthz", "/readyz"}))
    {
        if (entry.front() != '/')
            throw config.error("exempt", "'" + entry + "' is not a path (it must start with '/')");
        const auto star = entry.find('*');
        if (star == std::string::npos)
        {
            result.exemptPaths.push_back(entry);
            continue;
        }
        if (star != entry.size() - 1 || entry.size() < 3 || entry[entry.size() - 2] != '/')
            throw config.error("exempt", "'" + entry + "': '*' is only allowed as a last segment (\"/prefix/*\")");
        result.exemptPrefixes.push_back(entry.substr(0, entry.size() - 1));
    }
    return result;
}

} // namespace portico::auth
