#pragma once
// Reads an INI or XML config file (the extension picks the reader) into one flat map of dotted
// keys ("server.listen", "openai.upstream.url"), so that everything after this step is
// format-blind: the same settings in either format give exactly the same map.

#include "Poco/AutoPtr.h"
#include "Poco/Util/MapConfiguration.h"
#include <string>

namespace portico {

struct LoadedConfig
{
    Poco::AutoPtr<Poco::Util::MapConfiguration> values;
    /// The file it came from, for error messages.
    std::string file;
};

class ConfigLoader
{
public:
    /// Throws ConfigError naming the file (and line or element) on any problem.
    static LoadedConfig load(const std::string& file);
    static LoadedConfig parseIni(const std::string& text, const std::string& file);
    static LoadedConfig parseXml(const std::string& text, const std::string& file);
};

} // namespace portico
