#include "http/RouteTable.h"
#include "portico/Errors.h"
#include <algorithm>

namespace portico {

namespace {

bool methodMatches(const std::string& routeMethod, const std::string& requestMethod)
{
    return routeMethod == requestMethod || (routeMethod == "GET" && requestMethod == "HEAD");
}

void addAllowed(std::vector<std::string>& allowed, const std::string& method)
{
    if (std::find(allowed.begin(), allowed.end(), method) == allowed.end())
        allowed.push_back(method);
    if (method == "GET")
        addAllowed(allowed, "HEAD");
}

} // namespace

std::vector<std::string> RouteTable::split(const std::string& path)
{
    std::vector<std::string> segments;
    std::size_t start = 1;
    while (start <= path.size())
    {
        auto slash = path.find('/', start);
        if (slash == std::string::npos)
            slash = path.size();
        segments.push_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    return segments;
}

bool RouteTable::segmentsMatch(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
                               std::vector<std::pair<std::string, std::string>>* params)
{
    if (pattern.size() != path.size())
        return false;
    for (std::size_t i = 0; i < pattern.size(); ++i)
    {
        const auto& p = pattern[i];
        if (p.size() > 2 && p.front() == '{' && p.back() == '}')
        {
            if (path[i].empty())
                return false;
            if (params)
                params->emplace_back(p.substr(1, p.size() - 2), path[i]);
        }
        else if (p != path[i])
            return false;
    }
    return true;
}

void RouteTable::add(Route route, const std::string& owner)
{
    if (route.pattern.empty() || route.pattern[0] != '/')
        throw ConfigError(owner + ": route pattern '" + route.pattern + "' must start with '/'");
    if (!route.handler)
        throw ConfigError(owner + ": route " + route.method + " " + route.pattern + " has no handler");
    for (std::size_t i = 0; i < routes_.size(); ++i)
        if (routes_[i].method == route.method && routes_[i].pattern == route.pattern)
            throw ConfigError(owner + ": route " + route.method + " " + route.pattern + " is already registered by " +
                              owners_[i]);
    const std::size_t index = routes_.size();
    if (route.streamedBody)
        streamsBodies_ = true;
    const std::size_t stars = route.pattern.find("**");
    if (stars != std::string::npos)
    {
        if (stars + 2 != route.pattern.size() || route.pattern[stars - 1] != '/' ||
            route.pattern.find('{') != std::string::npos)
            throw ConfigError(owner + ": route pattern '" + route.pattern +
                              "': \"**\" may only end a pattern without {parameters}, as \"/prefix/**\"");
        std::string prefix = route.pattern.substr(0, stars - 1);
        const auto at = std::find_if(prefixed_.begin(), prefixed_.end(),
                                     [&prefix](const Prefix& other) { return other.prefix.size() < prefix.size(); });
        prefixed_.insert(at, {index, std::move(prefix)});
        routes_.push_back(std::move(route));
        owners_.push_back(owner);
        return;
    }
    const bool literal = route.pattern.find('{') == std::string::npos;
    if (literal)
        literal_[route.pattern].push_back(index);
    else
        patterned_.push_back({index, split(route.pattern)});
    routes_.push_back(std::move(route));
    owners_.push_back(owner);
}

bool RouteTable::underPrefix(const std::string& prefix, const std::string& path)
{
    return path.compare(0, prefix.size(), prefix) == 0 && (path.size() == prefix.size() || path[prefix.size()] == '/');
}

RouteTable::Match RouteTable::match(const std::string& method, const std::string& path) const
{
    Match result = matchExact(method, path);
    if (result.route || prefixed_.empty())
        return result;
    for (const auto& entry : prefixed_)
    {
        if (!underPrefix(entry.prefix, path))
            continue;
        const Route& route = routes_[entry.index];
        if (methodMatches(route.method, method))
        {
            result.route = &route;
            result.allowed.clear();
            return result;
        }
    }
    // A prefix that claims the path with other methods: those are allowed too (405 lists them).
    for (const auto& entry : prefixed_)
        if (underPrefix(entry.prefix, path))
            addAllowed(result.allowed, routes_[entry.index].method);
    return result;
}

RouteTable::Match RouteTable::matchExact(const std::string& method, const std::string& path) const
{
    Match result;
    const auto literal = literal_.find(path);
    if (literal != literal_.end())
    {
        for (auto index : literal->second)
        {
            if (methodMatches(routes_[index].method, method))
            {
                result.route = &routes_[index];
                return result;
            }
            addAllowed(result.allowed, routes_[index].method);
        }
    }
    if (patterned_.empty())
        return result;
    const auto segments = split(path);
    for (const auto& entry : patterned_)
    {
        if (!segmentsMatch(entry.segments, segments, nullptr))
            continue;
        const Route& route = routes_[entry.index];
        if (methodMatches(route.method, method))
        {
            segmentsMatch(entry.segments, segments, &result.params);
            result.route = &route;
            result.allowed.clear();
            return result;
        }
        addAllowed(result.allowed, route.method);
    }
    return result;
}

} // namespace portico
