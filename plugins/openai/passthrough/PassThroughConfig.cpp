#include "PassThroughConfig.h"
#include "upstream/ConfigBlocks.h"
#include <algorithm>
#include <cctype>

namespace portico::openai {

namespace {

const std::set<std::string>& knownFields()
{
    static const std::set<std::string> fields{"prefix", "upstream", "methods"};
    return fields;
}

/// An RFC 9110 token (a method name).
bool isToken(const std::string& text)
{
    static const std::string extra = "!#$%&'*+-.^_`|~";
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || extra.find(c) != std::string::npos;
    });
}

/// The prefix without its trailing '/', or why it is refused. A prefix is matched against the
/// path as the client sent it (percent-encoding kept), so it must be a plain path: a '%' or a
/// dot segment in it would never match what it seems to say.
std::string normalisedPrefix(const PluginConfig& config, const std::string& key, std::string prefix)
{
    if (prefix.empty() || prefix[0] != '/')
        throw config.error(key, "must be an absolute path, such as /v1/dreams");
    static const std::string refused = "?#%*{}\\";
    for (char c : prefix)
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f ||
            refused.find(c) != std::string::npos)
            throw config.error(key, "'" + prefix +
                                        "' is not a plain path (no space, control or non-ASCII byte, '?', '#', "
                                        "'%', '*', '{', '}' or '\\')");
    while (prefix.size() > 1 && prefix.back() == '/')
        prefix.pop_back();
    if (prefix == "/")
        return "";
    // Segments: none empty ("//"), none "." or "..".
    std::size_t start = 1;
    while (start <= prefix.size())
    {
        std::size_t slash = prefix.find('/', start);
        if (slash == std::string::npos)
            slash = prefix.size();
        const std::string segment = prefix.substr(start, slash - start);
        if (segment.empty() || segment == "." || segment == "..")
            throw config.error(key, "'" + prefix + "' has an empty, '.' or '..' segment");
        start = slash + 1;
    }
    return prefix;
}

} // namespace

std::vector<PassThroughRoute> readPassThroughRoutes(const PluginConfig& config)
{
    const std::vector<std::string> ids = blockIds(config, "passthrough", knownFields());
    std::vector<PassThroughRoute> routes;
    for (const std::string& id : ids)
    {
        const std::string block = "passthrough." + id + ".";
        PassThroughRoute route;
        route.id = id;
        if (!config.has(block + "prefix"))
            throw config.error(block + "prefix", "is required (the path prefix to forward, such as /v1/dreams)");
        route.prefix = normalisedPrefix(config, block + "prefix", config.getString(block + "prefix", ""));
        route.upstream = config.getString(block + "upstream", "");
        if (route.upstream.empty())
            throw config.error(block + "upstream", "is required (an upstream's name: default for upstream.*, "
                                                   "<name> for upstreams.<name>.*)");
        const std::vector<std::string> methods =
            config.getList(block + "methods", {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"});
        if (methods.empty())
            throw config.error(block + "methods", "lists no method");
        for (std::string method : methods)
        {
            std::transform(method.begin(), method.end(), method.begin(),
                           [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
            if (!isToken(method))
                throw config.error(block + "methods", "'" + method + "' is not a method name");
            if (method == "HEAD")
                continue; // it comes with GET; alone it would need a GET route the upstream may not have
            if (method == "CONNECT")
                throw config.error(block + "methods", "CONNECT cannot be passed through");
            if (std::find(route.methods.begin(), route.methods.end(), method) == route.methods.end())
                route.methods.push_back(method);
        }
        if (route.methods.empty())
            throw config.error(block + "methods", "HEAD comes with GET: list GET");
        for (const auto& other : routes)
            if (other.prefix == route.prefix)
                throw config.error(block + "prefix", "'" + (route.prefix.empty() ? "/" : route.prefix) +
                                                         "' is already passed through by passthrough." + other.id);
        routes.push_back(std::move(route));
    }
    return routes;
}

std::set<std::string> upstreamsNamedByPassThrough(const std::vector<PassThroughRoute>& routes)
{
    std::set<std::string> names;
    for (const auto& route : routes)
        names.insert(route.upstream);
    return names;
}

void checkUpstreams(const PluginConfig& config, const std::vector<PassThroughRoute>& routes,
                    const std::vector<std::string>& known)
{
    for (const auto& route : routes)
    {
        if (std::find(known.begin(), known.end(), route.upstream) != known.end())
            continue;
        std::string names;
        for (const auto& name : known)
            names += (names.empty() ? "" : ", ") + name;
        throw config.error("passthrough." + route.id + ".upstream",
                           "unknown upstream '" + route.upstream + "' (configured: " +
                               (names.empty() ? "none; add upstream.url or upstreams.<name>.url" : names) + ")");
    }
}

} // namespace portico::openai
