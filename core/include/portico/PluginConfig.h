#pragma once
/// A read-only view of one config section ("[name]" in INI, <name> in XML) with typed getters.
///
/// Every getter records the key it was asked for. After a plugin has been constructed the host
/// compares the keys present in its section with the keys the plugin read: any key nobody read
/// is a typo or a stale setting, and start-up (or reload) fails naming it. Read every key your
/// plugin supports in its constructor, even ones that only matter in some modes.

#include "portico/Api.h"
#include "portico/Errors.h"
#include "Poco/AutoPtr.h"
#include "Poco/Util/AbstractConfiguration.h"
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace portico {

class PORTICO_API PluginConfig
{
public:
    using Origins = std::map<std::string, std::string>;

    /// `config` is the whole flat configuration; `section` the prefix without the dot;
    /// `source` the file name used in error messages; `origins` (optional) maps full keys to
    /// the file that set them, when overrides come from several files.
    PluginConfig(Poco::AutoPtr<Poco::Util::AbstractConfiguration> config, std::string section,
                 std::string source, std::shared_ptr<const Origins> origins = nullptr);

    const std::string& section() const { return section_; }
    const std::string& source() const { return source_; }

    bool has(const std::string& key) const;
    std::string getString(const std::string& key, const std::string& fallback) const;
    /// Throws ConfigError naming the key when the value is not an integer in [min, max].
    long long getInt(const std::string& key, long long fallback, long long min, long long max) const;
    double getDouble(const std::string& key, double fallback, double min, double max) const;
    /// Accepts true/false, yes/no, on/off, 1/0.
    bool getBool(const std::string& key, bool fallback) const;
    /// A comma-separated list, each item trimmed, empty items dropped.
    std::vector<std::string> getList(const std::string& key, const std::vector<std::string>& fallback) const;
    /// Keys below `prefix.` (e.g. per-route overrides), as their full names relative to the
    /// section. Marks them all read.
    std::vector<std::string> keysBelow(const std::string& prefix) const;

    /// Keys present in the section that no getter has asked for. "enabled" is the host's.
    std::vector<std::string> unreadKeys() const;

    /// A ConfigError whose message names the source file, the section and the key.
    ConfigError error(const std::string& key, const std::string& why) const;

    /// The whole configuration, for settings shared by several plugins (e.g. [redis]).
    const Poco::Util::AbstractConfiguration& global() const { return *config_; }

private:
    std::string fullKey(const std::string& key) const;

    Poco::AutoPtr<Poco::Util::AbstractConfiguration> config_;
    std::string section_;
    std::string source_;
    std::shared_ptr<const Origins> origins_;
    mutable std::set<std::string> read_;
};

} // namespace portico
