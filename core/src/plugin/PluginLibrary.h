#pragma once
// Opens a plugin library and checks its ABI descriptor before anything else in it is called.

#include "portico/Abi.h"
#include <string>

namespace portico {

class PluginLibrary
{
public:
    /// The library file for plugin `name` under `directory`: "<directory>/<name>.so".
    static std::string fileFor(const std::string& directory, const std::string& name);

    /// Opens `file` (RTLD_NOW, so a missing symbol is reported here, not at the first call),
    /// finds the entry point, checks ABI major, build signature and the plugin's name. Throws
    /// ConfigError naming the file and the reason (with both values on a mismatch). Libraries
    /// stay loaded for the life of the process: a plugin's code may still run on an old chain.
    static const PluginDescriptor& open(const std::string& file, const std::string& expectedName);
};

} // namespace portico
