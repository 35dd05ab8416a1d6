#pragma once
// redaction: from start() to stop(), every line any logger writes (core, plugins, the access
// log) goes through a RedactingChannel that replaces secrets with [REDACTED]. Its position in
// plugins.order does not matter: it works on the log channels, not on requests.

#include "RedactionConfig.h"
#include "portico/Plugin.h"
#include "portico/PluginContext.h"
#include <cstdint>
#include <memory>

namespace portico::redaction {

class RedactionPlugin : public Plugin
{
public:
    /// Parses and compiles the configuration (throws ConfigError on a bad one).
    explicit RedactionPlugin(PluginContext& context);
    /// Unwraps the loggers if stop() was never called (a chain that failed to start).
    ~RedactionPlugin() override;

    void start() override;
    void stop() override;

    const Redactor& redactor() const { return *redactor_; }

private:
    Poco::Logger& logger_;
    const RedactionConfig config_;
    const std::shared_ptr<const Redactor> redactor_;
    const std::uint64_t id_;
    bool installed_ = false;
};

} // namespace portico::redaction
