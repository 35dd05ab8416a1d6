#pragma once
/// The plugin ABI: the descriptor every plugin library exports and the checks the host makes
/// before it calls anything else in the library.
///
/// A plugin exports exactly one symbol, `portico_plugin_descriptor`, with C linkage. The host
/// reads the descriptor's plain fields (ABI major/minor, build signature, name, version) first;
/// only when the major version and the build signature match its own does it call `create`.
/// The build signature captures what makes C++ objects incompatible across a shared-object
/// boundary: the compiler family and major version, the libstdc++ string ABI, and the version of
/// every library whose types cross it (POCO: Logger, AbstractConfiguration, Redis arrays;
/// prometheus-cpp: the Registry).

#include "portico/Version.h"
#include "Poco/Version.h"
#include <cstdint>
#include <string>

/// Minor 6.1: Exchange::set(key, std::string_view) (a new exported function, which the inline
/// set(key, const char*) calls; attribute values' buffers are recycled per event loop like
/// header lists), and writeNewTraceId / writeNewSpanId (Traceparent.h).
/// Major 6: HeaderList keeps cleared and erased entries' strings for reuse (a live count beside
/// the vector), so the core can hand a finished request's lists to the next request; its layout
/// changed, and with it Exchange's and Response's. Exchange also holds the first slots' state
/// entries and the states that fit in its own space (emplaceState/state are inline).
/// Minor 5.2: Exchange::secure() (a member in the padding after listener_: no other member
/// moved).
/// Minor 5.1: Exchange::completeOnWorker() (a member added at the end of Exchange).
/// Major 5: the admin listener (Route::listener, Exchange::listener()), which changed Route and
/// Exchange.
/// Major 4: request bodies streamed to the handler (Route::streamedBody, Exchange::bodyStream(),
/// UpstreamRequest::bodyStream), which changed Route, Exchange and UpstreamRequest.
/// Major 3: the event-driven core. Streams and deferred answers run on the event loop
/// (StreamWriter, DeferredAnswer), plugins and routes say whether they may block, attributes
/// are interned keys, per-request plugin state has typed slots, request headers are a
/// HeaderList, log filters replace channel wrapping, and the core exports only this API.
/// (Major 2 made Response::headers a HeaderList.)
#define PORTICO_ABI_MAJOR 6
#define PORTICO_ABI_MINOR 1

#define PORTICO_STRINGIFY_(x) #x
#define PORTICO_STRINGIFY(x) PORTICO_STRINGIFY_(x)

#if defined(__clang__)
#define PORTICO_COMPILER_ID "clang-" PORTICO_STRINGIFY(__clang_major__)
#elif defined(__GNUC__)
#define PORTICO_COMPILER_ID "gcc-" PORTICO_STRINGIFY(__GNUC__)
#else
#define PORTICO_COMPILER_ID "unknown"
#endif

#if defined(_GLIBCXX_USE_CXX11_ABI)
#define PORTICO_CXX11_ABI PORTICO_STRINGIFY(_GLIBCXX_USE_CXX11_ABI)
#else
#define PORTICO_CXX11_ABI "n/a"
#endif

/// The build signature compiled into both the host and every plugin.
#define PORTICO_BUILD_SIGNATURE                                                                      \
    PORTICO_COMPILER_ID ";cxx11abi=" PORTICO_CXX11_ABI ";poco=" PORTICO_STRINGIFY(POCO_VERSION)       \
        ";prometheus-cpp=" PORTICO_PROMETHEUS_CPP_VERSION

#define PORTICO_ENTRY_POINT "portico_plugin_descriptor"

namespace portico {

class Plugin;
class PluginContext;

/// Creates the plugin. Never throws: on failure it returns nullptr and puts the reason in
/// `error` (the PORTICO_PLUGIN macro does this wrapping for you).
using PluginFactory = Plugin* (*)(PluginContext& context, std::string& error);

/// What a plugin library exports. The first five fields are plain C data so that the host can
/// read them from a library built against any ABI version.
struct PluginDescriptor
{
    std::uint32_t abiMajor;
    std::uint32_t abiMinor;
    const char* buildSignature;
    const char* name;
    const char* version;
    PluginFactory create;
};

using DescriptorFunction = const PluginDescriptor* (*)();

} // namespace portico

/// Declares the plugin entry point for class `PluginClass`, which must have a constructor
/// `PluginClass(portico::PluginContext&)` that parses and validates its configuration
/// (throwing on a bad one). Use once per plugin library, at namespace scope.
#define PORTICO_PLUGIN(PluginClass, pluginName, pluginVersion)                                 \
    namespace {                                                                                \
    portico::Plugin* portico_create_plugin_(portico::PluginContext& context, std::string& error) \
    {                                                                                          \
        try                                                                                    \
        {                                                                                      \
            return new PluginClass(context);                                                   \
        }                                                                                      \
        catch (const std::exception& e)                                                        \
        {                                                                                      \
            error = portico::describeException(e);                                             \
        }                                                                                      \
        catch (...)                                                                            \
        {                                                                                      \
            error = "unknown exception";                                                       \
        }                                                                                      \
        return nullptr;                                                                        \
    }                                                                                          \
    const portico::PluginDescriptor portico_descriptor_ = {                                    \
        PORTICO_ABI_MAJOR, PORTICO_ABI_MINOR, PORTICO_BUILD_SIGNATURE, pluginName,             \
        pluginVersion, &portico_create_plugin_};                                               \
    }                                                                                          \
    extern "C" __attribute__((visibility("default"))) const portico::PluginDescriptor*         \
    portico_plugin_descriptor()                                                                \
    {                                                                                          \
        return &portico_descriptor_;                                                           \
    }
