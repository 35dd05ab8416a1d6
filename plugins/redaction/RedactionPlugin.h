#pragma once
// redaction: every log line (core, plugins, the access log) passes a log filter that replaces
// secrets with [REDACTED], for as long as this plugin's chain is the running one. Its position
// in plugins.order does not matter: it works on log lines, not on requests.

#include "RedactionConfig.h"
#include "RedactionFilter.h"
#include "portico/Plugin.h"
#include "portico/PluginContext.h"
#include <memory>

namespace portico::redaction {

class RedactionPlugin : public Plugin
{
public:
    /// Parses and compiles the configuration (throws ConfigError on a bad one) and adds the
    /// filter to the chain's log filters.
    explicit RedactionPlugin(PluginContext& context);

    void start() override;
    /// No request hooks at all: nothing of it runs on a request's path.
    Blocking blocking() const override { return Blocking::Never; }

    const Redactor& redactor() const { return filter_->redactor(); }

private:
    Poco::Logger& logger_;
    const RedactionConfig config_;
    const std::shared_ptr<const RedactionFilter> filter_;
};

} // namespace portico::redaction
