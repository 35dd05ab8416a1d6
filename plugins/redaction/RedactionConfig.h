#pragma once
// The redaction plugin's configuration: which built-in patterns, which extra patterns, and the
// secret values (read from files) to redact.

#include "Redactor.h"
#include "portico/PluginConfig.h"
#include <string>
#include <vector>

namespace portico::redaction {

struct RedactionConfig
{
    RedactionRules rules;
    /// Secret files that held only values shorter than MinSecretLength (not redacted: a short
    /// value would blank out ordinary words; logged as a warning).
    std::vector<std::string> shortSecretSources;

    /// Values shorter than this are not treated as secrets.
    static constexpr std::size_t MinSecretLength = 8;

    /// Reads builtins, patterns.<name>, secret_files and, from the openai section,
    /// upstream.api_key_file and upstreams.<name>.api_key_file. Throws ConfigError naming the key for an unknown built-in, a
    /// pattern that does not compile or matches the empty string, or a secret file that cannot
    /// be read.
    static RedactionConfig from(const PluginConfig& config);

    /// The secret values in a file's text: each line, trimmed, that is neither empty nor a
    /// '#' comment (the openai plugin reads its key files the same way).
    static std::vector<std::string> secretsIn(const std::string& text);
};

} // namespace portico::redaction
