#pragma once
// The routes of one chain: literal paths by hash lookup, `{param}` patterns by segment match,
// then "/**" prefixes (the longest first).

#include "portico/Route.h"
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace portico {

class RouteTable
{
public:
    struct Match
    {
        const Route* route = nullptr;
        std::vector<std::pair<std::string, std::string>> params;
        /// When no route matched: the methods the path does support (non-empty means 405).
        std::vector<std::string> allowed;
    };

    /// Adds a route; `owner` names who registered it, for the duplicate error. Throws
    /// ConfigError when the same method and pattern are already taken, or the pattern is bad.
    void add(Route route, const std::string& owner);
    Match match(const std::string& method, const std::string& path) const;
    const std::vector<Route>& routes() const { return routes_; }
    /// A route takes its body as a stream (Route::streamedBody): the connection must match a
    /// request with a body before reading it.
    bool streamsBodies() const { return streamsBodies_; }

private:
    struct Entry
    {
        std::size_t index;
        std::vector<std::string> segments;
    };
    /// Literal and `{param}` routes only.
    Match matchExact(const std::string& method, const std::string& path) const;
    /// `path` is `prefix` or below it ("/v1/dreams/x", not "/v1/dreamsx").
    static bool underPrefix(const std::string& prefix, const std::string& path);
    static std::vector<std::string> split(const std::string& path);
    static bool segmentsMatch(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
                              std::vector<std::pair<std::string, std::string>>* params);

    std::vector<Route> routes_;
    std::vector<std::string> owners_;
    bool streamsBodies_ = false;
    std::unordered_map<std::string, std::vector<std::size_t>> literal_; // path -> route indices
    std::vector<Entry> patterned_;
    struct Prefix
    {
        std::size_t index;
        /// The pattern without "/**" ("/v1/dreams"; "" for "/**").
        std::string prefix;
    };
    /// Longest prefix first, so that the most specific claim wins.
    std::vector<Prefix> prefixed_;
};

} // namespace portico
