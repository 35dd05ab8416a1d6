#include "portico/PluginConfig.h"
#include "Poco/NumberParser.h"
#include "Poco/String.h"
#include "Poco/StringTokenizer.h"
#include <algorithm>

namespace portico {

PluginConfig::PluginConfig(Poco::AutoPtr<Poco::Util::AbstractConfiguration> config, std::string section,
                           std::string source, std::shared_ptr<const Origins> origins)
    : config_(std::move(config)), section_(std::move(section)), source_(std::move(source)), origins_(std::move(origins))
{
}

std::string PluginConfig::fullKey(const std::string& key) const
{
    return section_ + "." + key;
}

ConfigError PluginConfig::error(const std::string& key, const std::string& why) const
{
    std::string file = source_;
    if (origins_)
    {
        const auto origin = origins_->find(fullKey(key));
        if (origin != origins_->end())
            file = origin->second;
    }
    return ConfigError(file + ": [" + section_ + "] " + key + ": " + why);
}

bool PluginConfig::has(const std::string& key) const
{
    read_.insert(key);
    return config_->hasProperty(fullKey(key));
}

std::string PluginConfig::getString(const std::string& key, const std::string& fallback) const
{
    read_.insert(key);
    return Poco::trim(config_->getRawString(fullKey(key), fallback));
}

long long PluginConfig::getInt(const std::string& key, long long fallback, long long min, long long max) const
{
    read_.insert(key);
    if (!config_->hasProperty(fullKey(key)))
        return fallback;
    const std::string text = Poco::trim(config_->getRawString(fullKey(key)));
    Poco::Int64 value = 0;
    if (!Poco::NumberParser::tryParse64(text, value))
        throw error(key, "expected an integer, got '" + text + "'");
    if (value < min || value > max)
        throw error(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                             ", got " + text);
    return value;
}

double PluginConfig::getDouble(const std::string& key, double fallback, double min, double max) const
{
    read_.insert(key);
    if (!config_->hasProperty(fullKey(key)))
        return fallback;
    const std::string text = Poco::trim(config_->getRawString(fullKey(key)));
    double value = 0;
    if (!Poco::NumberParser::tryParseFloat(text, value))
        throw error(key, "expected a number, got '" + text + "'");
    if (value < min || value > max)
        throw error(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                             ", got " + text);
    return value;
}

bool PluginConfig::getBool(const std::string& key, bool fallback) const
{
    read_.insert(key);
    if (!config_->hasProperty(fullKey(key)))
        return fallback;
    const std::string text = Poco::toLower(Poco::trim(config_->getRawString(fullKey(key))));
    if (text == "true" || text == "yes" || text == "on" || text == "1")
        return true;
    if (text == "false" || text == "no" || text == "off" || text == "0")
        return false;
    throw error(key, "expected true or false, got '" + text + "'");
}

std::vector<std::string> PluginConfig::getList(const std::string& key,
                                               const std::vector<std::string>& fallback) const
{
    read_.insert(key);
    if (!config_->hasProperty(fullKey(key)))
        return fallback;
    std::vector<std::string> items;
    Poco::StringTokenizer tokens(config_->getRawString(fullKey(key)), ",",
                                 Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
    for (const auto& token : tokens)
        items.push_back(token);
    return items;
}

namespace {

void collectKeys(const Poco::Util::AbstractConfiguration& config, const std::string& prefix,
                 const std::string& relative, std::vector<std::string>& out)
{
    Poco::Util::AbstractConfiguration::Keys keys;
    config.keys(prefix, keys);
    for (const auto& key : keys)
    {
        const std::string full = prefix + "." + key;
        const std::string rel = relative.empty() ? key : relative + "." + key;
        if (config.hasOption(full))
            out.push_back(rel);
        collectKeys(config, full, rel, out);
    }
}

} // namespace

std::vector<std::string> PluginConfig::keysBelow(const std::string& prefix) const
{
    std::vector<std::string> found;
    collectKeys(*config_, fullKey(prefix), prefix, found);
    for (const auto& key : found)
        read_.insert(key);
    return found;
}

std::vector<std::string> PluginConfig::unreadKeys() const
{
    std::vector<std::string> all;
    collectKeys(*config_, section_, "", all);
    std::vector<std::string> unread;
    for (const auto& key : all)
        if (key != "enabled" && read_.count(key) == 0)
            unread.push_back(key);
    return unread;
}

} // namespace portico
