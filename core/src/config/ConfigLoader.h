#pragma once
// Reads an INI or XML config file (the extension picks the reader) into one flat map of dotted
// keys ("server.listen", "openai.upstream.url"), so that everything after this step is
// format-blind: the same settings in either format give exactly the same map.

#include "Poco/AutoPtr.h"
#include "Poco/Util/MapConfiguration.h"
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace portico {

struct LoadedConfig
{
    Poco::AutoPtr<Poco::Util::MapConfiguration> values;
    /// The main file, for error messages.
    std::string file;
    /// Every file read, main file first, then the conf.d overrides in the order applied.
    std::vector<std::string> files;
    /// key -> the file that set its value (the last one wins), so errors name the right file.
    std::shared_ptr<std::map<std::string, std::string>> origins = std::make_shared<std::map<std::string, std::string>>();
};

class ConfigLoader
{
public:
    /// Reads `file`, then every *.ini and *.xml file of the directory conf.d beside it, in name
    /// order, each overriding the keys it sets (per-environment overrides). Throws ConfigError
    /// naming the file (and line or element) on any problem.
    static LoadedConfig load(const std::string& file);
    /// Reads one file, without conf.d.
    static LoadedConfig loadFile(const std::string& file);
    static LoadedConfig parseIni(const std::string& text, const std::string& file);
    static LoadedConfig parseXml(const std::string& text, const std::string& file);
};

} // namespace portico
