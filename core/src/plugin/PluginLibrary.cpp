#include "plugin/PluginLibrary.h"
#include "portico/Errors.h"
#include "Poco/File.h"
#include <dlfcn.h>
#include <map>
#include <mutex>

namespace portico {

namespace {

// Handles opened so far, by file. dlopen() on the same file returns the same handle anyway;
// keeping them here documents that we never dlclose().
std::mutex handlesMutex;
std::map<std::string, void*> handles;

} // namespace

std::string PluginLibrary::fileFor(const std::string& directory, const std::string& name)
{
    std::string file = directory;
    if (!file.empty() && file.back() != '/')
        file += '/';
    return file + name + ".so";
}

const PluginDescriptor& PluginLibrary::open(const std::string& file, const std::string& expectedName)
{
    if (!Poco::File(file).exists())
        throw ConfigError("plugin '" + expectedName + "': no library " + file +
                          " (unknown plugin name, or plugins.path is wrong)");

    void* handle = nullptr;
    {
        std::lock_guard<std::mutex> lock(handlesMutex);
        auto it = handles.find(file);
        if (it != handles.end())
            handle = it->second;
        else
        {
            // RTLD_LOCAL: plugins do not see each other's symbols; they share only the core.
            handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
            if (!handle)
            {
                const char* why = dlerror();
                throw ConfigError(file + ": cannot load plugin library: " + (why ? why : "unknown error"));
            }
            handles.emplace(file, handle);
        }
    }

    dlerror();
    auto entry = reinterpret_cast<DescriptorFunction>(dlsym(handle, PORTICO_ENTRY_POINT));
    if (!entry)
        throw ConfigError(file + ": not a Portico plugin (no " PORTICO_ENTRY_POINT " symbol)");
    const PluginDescriptor* descriptor = entry();
    if (!descriptor)
        throw ConfigError(file + ": " PORTICO_ENTRY_POINT " returned no descriptor");

    if (descriptor->abiMajor != PORTICO_ABI_MAJOR)
        throw ConfigError(file + ": plugin ABI major version " + std::to_string(descriptor->abiMajor) +
                          " does not match porticod's " + std::to_string(PORTICO_ABI_MAJOR) +
                          " (rebuild the plugin against this porticod)");
    const std::string signature = descriptor->buildSignature ? descriptor->buildSignature : "";
    if (signature != PORTICO_BUILD_SIGNATURE)
        throw ConfigError(file + ": plugin build signature '" + signature + "' does not match porticod's '" +
                          PORTICO_BUILD_SIGNATURE + "' (rebuild the plugin with the same compiler and POCO)");
    if (descriptor->abiMinor > PORTICO_ABI_MINOR)
        throw ConfigError(file + ": plugin needs ABI " + std::to_string(descriptor->abiMajor) + "." +
                          std::to_string(descriptor->abiMinor) + ", porticod provides " +
                          std::to_string(PORTICO_ABI_MAJOR) + "." + std::to_string(PORTICO_ABI_MINOR));
    const std::string name = descriptor->name ? descriptor->name : "";
    if (name != expectedName)
        throw ConfigError(file + ": library is plugin '" + name + "', expected '" + expectedName + "'");
    if (!descriptor->create)
        throw ConfigError(file + ": descriptor has no factory");
    return *descriptor;
}

} // namespace portico
