#include "UpstreamConfig.h"
#include "ConfigBlocks.h"
#include "Poco/Exception.h"
#include "Poco/String.h"
#include "Poco/URI.h"
#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace portico::openai {

bool UpstreamConfig::lists(const std::string& model) const
{
    return std::find(models.begin(), models.end(), model) != models.end();
}

namespace {

const std::set<std::string>& knownFields()
{
    static const std::set<std::string> fields{
        "url",          "api_key_file",     "models",    "connect_timeout_ms", "read_timeout_ms",
        "retries",      "retry_backoff_ms", "pool_size", "idle_timeout_ms",    "ca_file",
        "max_body_bytes", "max_event_bytes", "models_timeout_ms", "stream_usage",
        "type",         "anthropic_version", "default_max_tokens"};
    return fields;
}

bool isHexDigit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/// The path of `text` (an http(s) URL with a host and without query or fragment) as written:
/// it goes into every request line as it is, so it must hold only visible ASCII characters,
/// with '%' only in escapes. (Poco::URI::getPath() is decoded: "%0D%0A" or "%20" in it would
/// go raw into the request line.)
std::string rawPath(const PluginConfig& config, const std::string& key, const std::string& text)
{
    const std::size_t authority = text.find("://");
    const std::size_t slash = authority == std::string::npos ? std::string::npos : text.find('/', authority + 3);
    if (slash == std::string::npos)
        return "";
    const std::string path = text.substr(slash);
    for (std::size_t i = 0; i < path.size(); ++i)
    {
        const unsigned char c = static_cast<unsigned char>(path[i]);
        if (c <= 0x20 || c >= 0x7f)
            throw config.error(key, "the URL's path holds a space, a control or a non-ASCII character (at byte " +
                                        std::to_string(slash + i + 1) + "); percent-encode it (a space is %20)");
        if (c == '?' || c == '#')
            throw config.error(key, "the URL must not have a query or fragment: '" + text + "'");
        if (c == '%' && (i + 2 >= path.size() || !isHexDigit(path[i + 1]) || !isHexDigit(path[i + 2])))
            throw config.error(key, "a '%' in the URL's path must begin an escape such as %20 (at byte " +
                                        std::to_string(slash + i + 1) + ")");
    }
    return path;
}

void parseUrl(const PluginConfig& config, const std::string& key, UpstreamConfig& upstream)
{
    std::string text = upstream.url;
    while (!text.empty() && text.back() == '/')
        text.pop_back();
    Poco::URI uri;
    try
    {
        uri = Poco::URI(text);
    }
    catch (const Poco::Exception& e)
    {
        throw config.error(key, "not a URL: '" + text + "' (" + e.displayText() + ")");
    }
    const std::string scheme = Poco::toLower(uri.getScheme());
    if (scheme != "http" && scheme != "https")
        throw config.error(key, "the scheme must be http or https, got '" + text + "'");
    if (uri.getHost().empty())
        throw config.error(key, "no host in '" + text + "'");
    if (!uri.getUserInfo().empty())
        throw config.error(key, "credentials in the URL are not supported; use api_key_file");
    if (!uri.getRawQuery().empty() || !uri.getFragment().empty())
        throw config.error(key, "the URL must not have a query or fragment: '" + text + "'");
    upstream.url = text;
    upstream.basePath = rawPath(config, key, text);
    UpstreamEndpoint& endpoint = upstream.endpoint;
    endpoint.url = text;
    endpoint.tls = scheme == "https";
    endpoint.host = uri.getHost();
    endpoint.port = uri.getPort();
}

std::string readKeyFile(const PluginConfig& config, const std::string& key, const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw config.error(key, "cannot read the API key file " + path);
    std::ostringstream content;
    content << in.rdbuf();
    if (in.bad())
        throw config.error(key, "cannot read the API key file " + path);
    // The first non-empty, non-comment line is the key; surrounding space (the newline an
    // editor adds) is not part of it.
    std::istringstream lines(content.str());
    std::string line;
    while (std::getline(lines, line))
    {
        line = Poco::trim(line);
        if (line.empty() || line[0] == '#')
            continue;
        if (line.find_first_of(" \t\r\n") != std::string::npos)
            throw config.error(key, "the API key file " + path + " holds more than one word on its key line");
        return line;
    }
    throw config.error(key, "the API key file " + path + " holds no key");
}

/// Reads one block; `prefix` is "upstream" or "upstreams.<name>".
UpstreamConfig readBlock(const PluginConfig& config, const std::string& prefix, const std::string& name,
                         bool catalogUses)
{
    UpstreamConfig upstream;
    upstream.name = name;
    upstream.keyPrefix = prefix;
    const auto key = [&prefix](const char* field) { return prefix + "." + field; };

    upstream.url = config.getString(key("url"), "");
    upstream.apiKeyFile = config.getString(key("api_key_file"), "");
    const auto models = config.getList(key("models"), catalogUses ? std::vector<std::string>{} : std::vector<std::string>{"*"});
    UpstreamEndpoint& endpoint = upstream.endpoint;
    endpoint.name = name;
    const auto milliseconds = [&](const char* field, std::chrono::milliseconds fallback, long long max) {
        return std::chrono::milliseconds(config.getInt(key(field), fallback.count(), 1, max));
    };
    endpoint.connectTimeout = milliseconds("connect_timeout_ms", endpoint.connectTimeout, 600000);
    endpoint.readTimeout = milliseconds("read_timeout_ms", endpoint.readTimeout, 3600000);
    endpoint.retries = static_cast<int>(config.getInt(key("retries"), endpoint.retries, 0, 10));
    endpoint.retryBackoff =
        std::chrono::milliseconds(config.getInt(key("retry_backoff_ms"), endpoint.retryBackoff.count(), 0, 60000));
    endpoint.poolSize = static_cast<std::size_t>(
        config.getInt(key("pool_size"), static_cast<long long>(endpoint.poolSize), 0, 10000));
    endpoint.idleTimeout = milliseconds("idle_timeout_ms", endpoint.idleTimeout, 3600000);
    endpoint.caFile = config.getString(key("ca_file"), "");
    upstream.modelsTimeout = milliseconds("models_timeout_ms", upstream.modelsTimeout, 600000);
    upstream.streamUsage = config.getBool(key("stream_usage"), upstream.streamUsage);
    // The same ceiling as server.max_body_bytes (16 GiB); at least one byte.
    upstream.maxBodyBytes = static_cast<std::size_t>(
        config.getInt(key("max_body_bytes"), static_cast<long long>(upstream.maxBodyBytes), 1, 1LL << 34));
    upstream.maxEventBytes = static_cast<std::size_t>(
        config.getInt(key("max_event_bytes"), static_cast<long long>(upstream.maxEventBytes), 1, 1LL << 30));

    const std::string type = Poco::toLower(Poco::trim(config.getString(key("type"), "openai")));
    if (type == "anthropic")
        upstream.api = UpstreamApi::Anthropic;
    else if (type != "openai")
        throw config.error(key("type"), "must be openai or anthropic, got '" + type + "'");
    const bool anthropicOnly = config.has(key("anthropic_version")) || config.has(key("default_max_tokens"));
    if (anthropicOnly && !upstream.anthropic())
        throw config.error(config.has(key("anthropic_version")) ? key("anthropic_version") : key("default_max_tokens"),
                           "only meaningful with " + key("type") + " = anthropic");
    upstream.anthropicVersion = Poco::trim(config.getString(key("anthropic_version"), upstream.anthropicVersion));
    if (upstream.anthropicVersion.empty() ||
        upstream.anthropicVersion.find_first_not_of("0123456789-abcdefghijklmnopqrstuvwxyz.") != std::string::npos)
        throw config.error(key("anthropic_version"), "expected a version such as 2023-06-01, got '" +
                                                         upstream.anthropicVersion + "'");
    upstream.defaultMaxTokens = config.getInt(key("default_max_tokens"), upstream.defaultMaxTokens, 1, 1000000000);

    if (upstream.url.empty())
        throw config.error(key("url"), "required: the upstream's API root, e.g. http://127.0.0.1:9000/v1");
    parseUrl(config, key("url"), upstream);
    if (!upstream.apiKeyFile.empty())
        upstream.apiKey = readKeyFile(config, key("api_key_file"), upstream.apiKeyFile);
    if (!endpoint.caFile.empty())
    {
        if (!upstream.secure())
            throw config.error(key("ca_file"), "only meaningful for an https url");
        if (!std::ifstream(endpoint.caFile))
            throw config.error(key("ca_file"), "cannot read the CA file " + endpoint.caFile);
    }
    if (models.empty() && !catalogUses)
        throw config.error(key("models"), "must name at least one model, or *");
    for (const auto& model : models)
    {
        if (model == "*")
            upstream.servesAll = true;
        else if (!upstream.lists(model))
            upstream.models.push_back(model);
    }
    return upstream;
}

/// Every key below `prefix` must be one of knownFields() (keysBelow marks them read, so this
/// is where a typo is caught).
void rejectUnknown(const PluginConfig& config, const std::vector<std::string>& keys, const std::string& prefix)
{
    for (const auto& key : keys)
    {
        const std::string field = key.substr(prefix.size() + 1);
        if (!knownFields().count(field))
            throw config.error(key, "unknown key (known: url, api_key_file, models, connect_timeout_ms, "
                                    "read_timeout_ms, retries, retry_backoff_ms, pool_size, idle_timeout_ms, "
                                    "ca_file, max_body_bytes, max_event_bytes, models_timeout_ms, stream_usage, type, "
                                    "anthropic_version, default_max_tokens)");
    }
}

void rejectOverlaps(const PluginConfig& config, const std::vector<UpstreamConfig>& upstreams)
{
    std::map<std::string, const UpstreamConfig*> owner;
    const UpstreamConfig* wildcard = nullptr;
    for (const auto& upstream : upstreams)
    {
        if (upstream.servesAll)
        {
            if (wildcard)
                throw config.error(upstream.keyPrefix + ".models",
                                   "'*' is already claimed by " + wildcard->keyPrefix +
                                       ".models (an unset models means '*'); list this upstream's models");
            wildcard = &upstream;
        }
        for (const auto& model : upstream.models)
        {
            const auto [it, inserted] = owner.emplace(model, &upstream);
            if (!inserted)
                throw config.error(upstream.keyPrefix + ".models",
                                   "model '" + model + "' is already routed by " + it->second->keyPrefix + ".models");
        }
    }
}

} // namespace

std::vector<UpstreamConfig> readUpstreamConfigs(const PluginConfig& config, const std::set<std::string>& catalogUpstreams)
{
    std::vector<UpstreamConfig> upstreams;

    const auto unnamedKeys = config.keysBelow("upstream");
    rejectUnknown(config, unnamedKeys, "upstream");
    if (!unnamedKeys.empty())
        upstreams.push_back(readBlock(config, "upstream", "default", catalogUpstreams.count("default") > 0));

    // upstreams.<name>.<field>: collect the names in the order Poco lists them.
    std::vector<std::string> names;
    for (const auto& key : config.keysBelow("upstreams"))
    {
        const auto dot = key.find('.', 10);
        if (dot == std::string::npos)
            throw config.error(key, "expected upstreams.<name>.<key>");
        const std::string name = key.substr(10, dot - 10);
        if (!isConfigId(name))
            throw config.error(key, "upstream names use letters, digits, '_' and '-'");
        if (name == "default" && !unnamedKeys.empty())
            throw config.error(key, "'default' is the name of the upstream.* block");
        if (std::find(names.begin(), names.end(), name) == names.end())
            names.push_back(name);
        rejectUnknown(config, {key}, "upstreams." + name);
    }
    for (const auto& name : names)
        upstreams.push_back(readBlock(config, "upstreams." + name, name, catalogUpstreams.count(name) > 0));

    rejectOverlaps(config, upstreams);
    return upstreams;
}

} // namespace portico::openai
