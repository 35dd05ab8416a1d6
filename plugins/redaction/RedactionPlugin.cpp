#include "RedactionPlugin.h"
#include "Poco/Logger.h"

namespace portico::redaction {

RedactionPlugin::RedactionPlugin(PluginContext& context)
    : logger_(context.logger()),
      config_(RedactionConfig::from(context.config())),
      filter_(std::make_shared<const RedactionFilter>(std::make_shared<const Redactor>(config_.rules)))
{
    for (const auto& source : config_.shortSecretSources)
        logger_.warning("secret file " + source + " holds no value of " +
                        std::to_string(RedactionConfig::MinSecretLength) +
                        " characters or more; nothing from it is redacted");
    // The core applies it while this chain runs: from the swap that makes the chain the running
    // one until the next swap (a reload without redaction switches it off).
    context.addLogFilter(filter_);
}

void RedactionPlugin::start()
{
    logger_.information("redacting every log line (" + std::to_string(config_.rules.builtins.size()) +
                        " built-in pattern(s), " + std::to_string(config_.rules.extra.size()) + " extra, " +
                        std::to_string(config_.rules.secrets.size()) + " secret value(s))");
}

} // namespace portico::redaction
