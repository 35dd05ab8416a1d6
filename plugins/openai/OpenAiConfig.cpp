#include "OpenAiConfig.h"

namespace portico::openai {

OpenAiConfig OpenAiConfig::from(const PluginConfig& config)
{
    OpenAiConfig result;
    LocalBackendConfig& local = result.local;
    local.enabled = config.getBool("local.enabled", local.enabled);
    local.tokenDelayMs = static_cast<int>(config.getInt("local.token_delay_ms", local.tokenDelayMs, 0, 60000));
    local.maxOutputTokens = config.getInt("local.max_output_tokens", local.maxOutputTokens, 1, 10000000);
    local.embedMaxDimensions =
        static_cast<int>(config.getInt("local.embed.max_dimensions", local.embedMaxDimensions, 1, 65536));
    local.embedDefaultDimensions = static_cast<int>(
        config.getInt("local.embed.default_dimensions", local.embedDefaultDimensions, 1, 65536));
    if (local.embedDefaultDimensions > local.embedMaxDimensions)
        throw config.error("local.embed.default_dimensions",
                           "must not exceed local.embed.max_dimensions (" +
                               std::to_string(local.embedMaxDimensions) + ")");
    local.embedMaxInputs = static_cast<int>(config.getInt("local.embed.max_inputs", local.embedMaxInputs, 1, 100000));
    local.embedMaxInputTokens =
        static_cast<int>(config.getInt("local.embed.max_input_tokens", local.embedMaxInputTokens, 1, 10000000));
    result.maxJsonDepth = static_cast<int>(config.getInt("max_json_depth", result.maxJsonDepth, 4, 1000));
    return result;
}

} // namespace portico::openai
