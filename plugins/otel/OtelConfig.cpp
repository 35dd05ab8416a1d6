#include "OtelConfig.h"
#include "portico/Version.h"
#include "Poco/NumberParser.h"
#include "Poco/String.h"
#include "Poco/URI.h"
#include <cstdlib>

namespace portico::otel {

namespace {

/// One setting: the config key, else the first of its variables that is set.
struct Setting
{
    std::string value;
    std::string from; ///< "" when from the config (or the default), else the variable's name
};

class Reader
{
public:
    Reader(const PluginConfig& config, const Environment& env) : config_(config), env_(env) {}

    /// The config key's value, else the first variable set, else `fallback`.
    Setting text(const std::string& key, std::initializer_list<const char*> variables, const std::string& fallback) const
    {
        if (config_.has(key))
            return {Poco::trim(config_.getString(key, fallback)), ""};
        for (const char* variable : variables)
            if (auto value = env_(variable))
                return {Poco::trim(*value), variable};
        return {fallback, ""};
    }

    long long integer(const std::string& key, std::initializer_list<const char*> variables, long long fallback,
                      long long min, long long max) const
    {
        if (config_.has(key))
            return config_.getInt(key, fallback, min, max);
        const Setting setting = text(key, variables, "");
        if (setting.from.empty())
            return fallback;
        Poco::Int64 value = 0;
        if (!Poco::NumberParser::tryParse64(setting.value, value) || value < min || value > max)
            throw fail(key, setting, "is not an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
        return value;
    }

    ConfigError fail(const std::string& key, const Setting& setting, const std::string& why) const
    {
        if (setting.from.empty())
            return config_.error(key, "'" + setting.value + "' " + why);
        return config_.error(key, "(not set; from " + setting.from + ") '" + setting.value + "' " + why);
    }

    const PluginConfig& config() const { return config_; }

private:
    const PluginConfig& config_;
    const Environment& env_;
};

/// OTEL_EXPORTER_OTLP_HEADERS / OTEL_RESOURCE_ATTRIBUTES: "k1=v1,k2=v2", values
/// percent-encoded (the W3C Baggage format both follow).
std::vector<std::pair<std::string, std::string>> keyValueList(const Reader& reader, const std::string& key,
                                                              const Setting& setting)
{
    std::vector<std::pair<std::string, std::string>> result;
    std::size_t start = 0;
    const std::string& text = setting.value;
    while (start <= text.size())
    {
        std::size_t end = text.find(',', start);
        if (end == std::string::npos)
            end = text.size();
        const std::string item = Poco::trim(text.substr(start, end - start));
        start = end + 1;
        if (item.empty())
            continue;
        const std::size_t equals = item.find('=');
        if (equals == std::string::npos || equals == 0)
            throw reader.fail(key, setting, "is not a list of key=value pairs (at '" + item + "')");
        std::string value;
        try
        {
            Poco::URI::decode(Poco::trim(item.substr(equals + 1)), value);
        }
        catch (const Poco::Exception&)
        {
            throw reader.fail(key, setting, "has a badly percent-encoded value (at '" + item + "')");
        }
        const std::string name = Poco::trim(item.substr(0, equals));
        if (name.find_first_of(" \t\r\n") != std::string::npos || value.find_first_of("\r\n") != std::string::npos)
            throw reader.fail(key, setting, "has a name with spaces or a value with a line break (at '" + item + "')");
        result.emplace_back(name, value);
    }
    return result;
}

std::string tracesUrl(const Reader& reader)
{
    Setting setting = reader.text("traces_endpoint", {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"}, "");
    // Read even when traces_endpoint wins, so that setting both is not taken for a typo.
    const Setting general = reader.text("endpoint", {"OTEL_EXPORTER_OTLP_ENDPOINT"}, "http://localhost:4318");
    std::string key = "traces_endpoint";
    if (setting.value.empty())
    {
        // The signal-less endpoint gets the signal's path appended; the traces one is used as is.
        key = "endpoint";
        setting = general;
        std::string base = setting.value;
        while (!base.empty() && base.back() == '/')
            base.pop_back();
        setting.value = base + "/v1/traces";
    }
    Poco::URI uri;
    try
    {
        uri = Poco::URI(setting.value);
    }
    catch (const Poco::Exception& e)
    {
        throw reader.fail(key, setting, "is not a URL: " + e.message());
    }
    if ((uri.getScheme() != "http" && uri.getScheme() != "https") || uri.getHost().empty())
        throw reader.fail(key, setting, "is not an http:// or https:// URL with a host");
    return setting.value;
}

} // namespace

Environment processEnvironment()
{
    return [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        if (!value || !*value)
            return std::nullopt;
        return std::string(value);
    };
}

OtelConfig OtelConfig::from(const PluginConfig& config, const Environment& env)
{
    const Reader reader(config, env);
    OtelConfig result;
    result.url = tracesUrl(reader);

    const Setting protocol =
        reader.text("protocol", {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"}, "http/protobuf");
    if (protocol.value == "http/protobuf")
        result.protocol = Protocol::Protobuf;
    else if (protocol.value == "http/json")
        result.protocol = Protocol::Json;
    else
        throw reader.fail("protocol", protocol, "is not http/protobuf or http/json (grpc is not supported)");

    const Setting headers = reader.text("headers", {"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS"}, "");
    result.headers = keyValueList(reader, "headers", headers);

    const Setting compression =
        reader.text("compression", {"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION"}, "none");
    if (compression.value == "gzip")
        result.gzip = true;
    else if (compression.value != "none")
        throw reader.fail("compression", compression, "is not none or gzip");

    result.exportTimeout = std::chrono::milliseconds(
        reader.integer("export_timeout_ms",
                       {"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_BSP_EXPORT_TIMEOUT"},
                       10000, 1, 600000));
    result.maxQueueSize =
        static_cast<std::size_t>(reader.integer("max_queue_size", {"OTEL_BSP_MAX_QUEUE_SIZE"}, 2048, 1, 1000000));
    result.scheduleDelay = std::chrono::milliseconds(
        reader.integer("schedule_delay_ms", {"OTEL_BSP_SCHEDULE_DELAY"}, 5000, 1, 3600000));
    result.maxExportBatchSize = static_cast<std::size_t>(
        reader.integer("max_export_batch_size", {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE"}, 512, 1, 1000000));
    if (result.maxExportBatchSize > result.maxQueueSize)
        throw config.error("max_export_batch_size", std::to_string(result.maxExportBatchSize) +
                                                        " is more than max_queue_size (" +
                                                        std::to_string(result.maxQueueSize) + ")");

    const Setting samplerName = reader.text("sampler", {"OTEL_TRACES_SAMPLER"}, "parentbased_always_on");
    const Setting samplerArg = reader.text("sampler_arg", {"OTEL_TRACES_SAMPLER_ARG"}, "1.0");
    double ratio = 1.0;
    if (!Poco::NumberParser::tryParseFloat(samplerArg.value, ratio) || !(ratio >= 0.0 && ratio <= 1.0))
        throw reader.fail("sampler_arg", samplerArg, "is not a ratio in [0, 1]");
    auto sampler = Sampler::fromName(samplerName.value, ratio);
    if (!sampler)
        throw reader.fail("sampler", samplerName,
                          "is not always_on, always_off, traceidratio, parentbased_always_on, "
                          "parentbased_always_off or parentbased_traceidratio");
    result.sampler = *sampler;

    result.excludePaths = config.getList("exclude_paths", result.excludePaths);
    for (const std::string& path : result.excludePaths)
        if (path.empty() || path[0] != '/')
            throw config.error("exclude_paths", "'" + path + "' is not a path (it must start with '/')");

    const Setting resource = reader.text("resource_attributes", {"OTEL_RESOURCE_ATTRIBUTES"}, "");
    auto attributes = keyValueList(reader, "resource_attributes", resource);
    std::string serviceName = "portico";
    for (const auto& [name, value] : attributes)
        if (name == "service.name")
            serviceName = value;
    const Setting service = reader.text("service_name", {"OTEL_SERVICE_NAME"}, "");
    if (!service.value.empty())
        serviceName = service.value;
    auto& resourceAttributes = result.resource.attributes;
    resourceAttributes.emplace_back("service.name", serviceName);
    for (auto& [name, value] : attributes)
        if (name != "service.name")
            resourceAttributes.emplace_back(name, value);
    resourceAttributes.emplace_back("telemetry.sdk.name", "portico");
    resourceAttributes.emplace_back("telemetry.sdk.language", "cpp");
    resourceAttributes.emplace_back("telemetry.sdk.version", PORTICO_VERSION);
    result.resource.scopeVersion = PORTICO_VERSION;
    return result;
}

} // namespace portico::otel
