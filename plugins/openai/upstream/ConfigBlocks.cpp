#include "ConfigBlocks.h"
#include <algorithm>

namespace portico::openai {

bool isConfigId(std::string_view id)
{
    return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

std::vector<std::string> blockIds(const PluginConfig& config, const std::string& prefix,
                                  const std::set<std::string>& fields, const std::string& idHint)
{
    std::vector<std::string> ids;
    for (const std::string& key : config.keysBelow(prefix))
    {
        const std::string rest = key.substr(prefix.size() + 1);
        const std::size_t dot = rest.find('.');
        if (dot == std::string::npos)
            throw config.error(key, "expected " + prefix + ".<id>.<key>");
        const std::string id = rest.substr(0, dot);
        const std::string field = rest.substr(dot + 1);
        if (!isConfigId(id))
            throw config.error(key, "'" + id + "' is not an id: use letters, digits, '_' and '-'" + idHint);
        if (fields.count(field) == 0)
        {
            std::string known;
            for (const std::string& name : fields)
                known += (known.empty() ? "" : ", ") + name;
            throw config.error(key, "unknown key '" + field + "' (known: " + known + ")");
        }
        if (std::find(ids.begin(), ids.end(), id) == ids.end())
            ids.push_back(id);
    }
    return ids;
}

} // namespace portico::openai
