#pragma once
// The auth plugin's immutable configuration: where the keys are and which paths need none.

#include "portico/PluginConfig.h"
#include <string>
#include <vector>

namespace portico::auth {

struct AuthConfig
{
    /// The keys file: "<principal> sha256:<64 lowercase hex>" per line.
    std::string keysFile = "/etc/portico/keys";
    /// Paths that need no key, matched exactly against the request path (as sent).
    std::vector<std::string> exemptPaths;
    /// Path prefixes that need no key ("/public/*" in the config becomes "/public/").
    std::vector<std::string> exemptPrefixes;

    /// True when `path` needs no key.
    bool isExempt(const std::string& path) const;

    /// Reads keys_file and exempt (default "/healthz, /readyz"). An exempt entry must start with
    /// '/' and may end in "/*" for a prefix; anything else throws ConfigError naming the key.
    static AuthConfig from(const PluginConfig& config);
};

} // namespace portico::auth
