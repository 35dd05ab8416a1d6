// Fuzzes the config readers. Input that starts with '<' (after white space) goes to
// ConfigLoader::parseXml, anything else to parseIni, so the example configs are good seeds.
// Contract: the only exception is portico::ConfigError, its message names the file; and what
// is accepted is a flat map of valid dotted keys, each with the file it came from.

#include "FuzzCheck.h"
#include "config/ConfigLoader.h"
#include "portico/Errors.h"
#include <cstdint>
#include <string>

using portico::fuzz::check;

namespace {

const std::string fileName = "fuzz.conf";

// The loader's promise for keys: ASCII letters, digits, '_', '-', '.', '/'; no dot at either end.
bool validKey(const std::string& key)
{
    if (key.empty() || key.front() == '.' || key.back() == '.')
        return false;
    for (char c : key)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '.' || c == '/'))
            return false;
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string text(reinterpret_cast<const char*>(data), size);
    const auto first = text.find_first_not_of(" \t\r\n");
    const bool xml = first != std::string::npos && text[first] == '<';
    try
    {
        const portico::LoadedConfig config = xml ? portico::ConfigLoader::parseXml(text, fileName)
                                                 : portico::ConfigLoader::parseIni(text, fileName);
        check(config.file == fileName, "the loaded config names its file");
        for (const auto& [key, origin] : *config.origins)
        {
            check(validKey(key), "every accepted key is a dotted key");
            check(origin == fileName, "every key names the file it came from");
            check(config.values->hasProperty(key), "every recorded key has a value");
            static_cast<void>(config.values->getRawString(key));
        }
    }
    catch (const portico::ConfigError& e)
    {
        check(std::string(e.what()).rfind(fileName, 0) == 0, "a ConfigError starts with the file's name");
    }
    return 0;
}
