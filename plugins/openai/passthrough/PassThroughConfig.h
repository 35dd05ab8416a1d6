#pragma once
/// Pass-through routes: path prefixes that the openai plugin forwards, as they are, to one of
/// its upstreams (a service's own routes that are not OpenAI's: /v1/dreams, /v1/feedback, an
/// admin page), with every plugin of the chain applied as to any other route.
///
/// Keys (in the [openai] section; README.md beside this file has the full table):
///   passthrough.<id>.prefix    the path prefix, "/v1/dreams" (it and every path below it)
///   passthrough.<id>.upstream  an upstream's name: "default" (upstream.*) or <name> (upstreams.<name>.*)
///   passthrough.<id>.methods   the methods forwarded (default GET, POST, PUT, PATCH, DELETE, OPTIONS)

#include "portico/PluginConfig.h"
#include <set>
#include <string>
#include <vector>

namespace portico::openai {

struct PassThroughRoute
{
    /// The <id> of its passthrough.<id>.* block, for messages.
    std::string id;
    /// Normalised: starts with '/', no trailing '/', "" for "/" (every path).
    std::string prefix;
    /// The upstream's name as UpstreamConfig::name has it ("default" or <name>).
    std::string upstream;
    /// Upper case, each once; GET brings HEAD with it (the core's rule for GET routes).
    std::vector<std::string> methods;

    /// The route pattern the core matches: prefix + "/**".
    std::string pattern() const { return prefix + "/**"; }
};

/// Reads every passthrough.<id>.* block. Throws ConfigError naming the key for an unknown key, a
/// missing prefix or upstream, a prefix that is not a plain absolute path (a query, '%', '*',
/// '{', a dot segment or an empty segment in it), a method that is no HTTP token, or two blocks
/// with the same prefix. Whether the upstream exists is checked by checkUpstreams().
std::vector<PassThroughRoute> readPassThroughRoutes(const PluginConfig& config);

/// The upstreams the routes name (so that such an upstream, when it sets no `models`, routes
/// none by name: it is there for the pass-through).
std::set<std::string> upstreamsNamedByPassThrough(const std::vector<PassThroughRoute>& routes);

/// Throws ConfigError naming passthrough.<id>.upstream when a route names no configured
/// upstream (`known`: their names).
void checkUpstreams(const PluginConfig& config, const std::vector<PassThroughRoute>& routes,
                    const std::vector<std::string>& known);

} // namespace portico::openai
