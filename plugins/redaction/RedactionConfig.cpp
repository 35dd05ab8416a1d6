#include "RedactionConfig.h"
#include "Poco/String.h"
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace portico::redaction {

namespace {

/// The file's whole text; throws ConfigError via `fail` when it cannot be read.
template <typename Fail>
std::string readSecretFile(const std::string& path, Fail fail)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw fail("cannot read " + path + ": " + std::strerror(errno));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad())
        throw fail("cannot read " + path + ": " + std::strerror(errno));
    return text;
}

/// openai.upstream.api_key_file and every openai.upstreams.<name>.api_key_file that is set.
std::vector<std::string> upstreamKeyFileKeys(const Poco::Util::AbstractConfiguration& global)
{
    std::vector<std::string> keys;
    if (global.hasProperty("openai.upstream.api_key_file"))
        keys.push_back("openai.upstream.api_key_file");
    Poco::Util::AbstractConfiguration::Keys names;
    global.keys("openai.upstreams", names);
    for (const auto& name : names)
    {
        const std::string key = "openai.upstreams." + name + ".api_key_file";
        if (global.hasProperty(key))
            keys.push_back(key);
    }
    return keys;
}

} // namespace

std::vector<std::string> RedactionConfig::secretsIn(const std::string& text)
{
    std::vector<std::string> secrets;
    std::size_t start = 0;
    while (start <= text.size())
    {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos)
            end = text.size();
        std::string line = Poco::trim(text.substr(start, end - start));
        if (!line.empty() && line.front() != '#')
            secrets.push_back(std::move(line));
        start = end + 1;
    }
    return secrets;
}

RedactionConfig RedactionConfig::from(const PluginConfig& config)
{
    RedactionConfig result;
    result.rules.builtins = config.getList("builtins", result.rules.builtins);
    for (const auto& name : result.rules.builtins)
    {
        const auto& known = Redactor::builtinNames();
        if (std::find(known.begin(), known.end(), name) == known.end())
            throw config.error("builtins", "unknown built-in pattern '" + name + "' (known: openai_key, bearer, assignment)");
    }

    for (const auto& key : config.keysBelow("patterns"))
    {
        const std::string regex = config.getString(key, "");
        if (regex.empty())
            throw config.error(key, "empty pattern");
        result.rules.extra.push_back({key.substr(std::string("patterns.").size()), regex});
        // Compile each pattern alone so the error names its key.
        try
        {
            RedactionRules one;
            one.builtins.clear();
            one.extra.push_back(result.rules.extra.back());
            Redactor check(one);
        }
        catch (const std::invalid_argument& e)
        {
            throw config.error(key, e.what());
        }
    }

    auto addSecretsFrom = [&](const std::string& path, const std::string& key, bool ownKey) {
        const std::string text = readSecretFile(path, [&](const std::string& why) {
            return ownKey ? config.error(key, why)
                          : ConfigError(config.source() + ": [" + config.section() + "] needs to redact the value of " +
                                        key + ", but " + why);
        });
        bool added = false;
        for (auto& secret : secretsIn(text))
            if (secret.size() >= MinSecretLength)
            {
                result.rules.secrets.push_back(std::move(secret));
                added = true;
            }
        if (!added)
            result.shortSecretSources.push_back(path);
    };
    for (const auto& path : config.getList("secret_files", {}))
        addSecretsFrom(path, "secret_files", true);
    // The upstream keys the openai plugin sends: redacted without being listed twice.
    for (const auto& key : upstreamKeyFileKeys(config.global()))
    {
        const std::string path = Poco::trim(config.global().getRawString(key));
        if (!path.empty())
            addSecretsFrom(path, key, false);
    }
    return result;
}

} // namespace portico::redaction
