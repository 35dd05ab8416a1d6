#include "RedactionPlugin.h"
#include "LogRedaction.h"
#include "Poco/Logger.h"

namespace portico::redaction {

RedactionPlugin::RedactionPlugin(PluginContext& context)
    : logger_(context.logger()),
      config_(RedactionConfig::from(context.config())),
      redactor_(std::make_shared<const Redactor>(config_.rules)),
      id_(LogRedaction::newId())
{
    for (const auto& source : config_.shortSecretSources)
        logger_.warning("secret file " + source + " holds no value of " +
                        std::to_string(RedactionConfig::MinSecretLength) +
                        " characters or more; nothing from it is redacted");
}

RedactionPlugin::~RedactionPlugin()
{
    if (installed_)
        LogRedaction::uninstall(id_);
}

void RedactionPlugin::start()
{
    LogRedaction::install(id_, redactor_);
    installed_ = true;
    logger_.information("redacting every log line (" + std::to_string(config_.rules.builtins.size()) +
                        " built-in pattern(s), " + std::to_string(config_.rules.extra.size()) + " extra, " +
                        std::to_string(config_.rules.secrets.size()) + " secret value(s))");
}

void RedactionPlugin::stop()
{
    LogRedaction::uninstall(id_);
    installed_ = false;
}

} // namespace portico::redaction
