#include "config/ServerSettings.h"
#include "portico/PluginConfig.h"
#include "portico/RedisPool.h"
#include "Poco/FileChannel.h"
#include "Poco/Logger.h"
#include <set>
#include <tuple>
#include <unistd.h>

namespace portico {

namespace {

// "host:port" or "[v6]:port" from `key`.
std::pair<std::string, unsigned short> parseListen(const PluginConfig& section, const std::string& key,
                                                   const std::string& fallback)
{
    const std::string listen = section.getString(key, fallback);
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos || colon == 0)
        throw section.error(key, "expected host:port, got '" + listen + "'");
    std::string host = listen.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    const std::string portText = listen.substr(colon + 1);
    int port = -1;
    try
    {
        std::size_t used = 0;
        port = std::stoi(portText, &used);
        if (used != portText.size())
            port = -1;
    }
    catch (...)
    {
        port = -1;
    }
    if (port < 0 || port > 65535)
        throw section.error(key, "invalid port '" + portText + "'");
    return {host, static_cast<unsigned short>(port)};
}

bool readable(const std::string& file)
{
    return !file.empty() && access(file.c_str(), R_OK) == 0;
}

void rejectUnread(const PluginConfig& section)
{
    const auto unread = section.unreadKeys();
    if (!unread.empty())
        throw section.error(unread.front(), "unknown key");
}

// [log]: the access log's destination; FileChannel checks the rotation and archive values.
AccessLogSettings readAccessLog(const LoadedConfig& config, const Poco::AutoPtr<Poco::Util::AbstractConfiguration>& values)
{
    PluginConfig log(values, "log", config.file, config.origins);
    AccessLogSettings access;
    const std::string target = log.getString("access", "stderr");
    if (target == "stderr")
        access.target = AccessLogSettings::Target::Stderr;
    else if (target == "file")
        access.target = AccessLogSettings::Target::File;
    else if (target == "off")
        access.target = AccessLogSettings::Target::Off;
    else
        throw log.error("access", "expected stderr, file or off, got '" + target + "'");
    access.file = log.getString("access_file", "");
    if (access.target == AccessLogSettings::Target::File && access.file.empty())
        throw log.error("access_file", "required when access = file");
    access.rotation = log.getString("access_rotation", access.rotation);
    access.archive = log.getString("access_archive", access.archive);
    access.purgeCount = static_cast<int>(log.getInt("access_purge_count", access.purgeCount, 0, 100000));
    access.compress = log.getBool("access_compress", access.compress);
    access.flush = log.getBool("access_flush", access.flush);
    Poco::AutoPtr<Poco::FileChannel> probe(new Poco::FileChannel);
    auto check = [&](const std::string& key, const std::string& property, const std::string& value) {
        try
        {
            probe->setProperty(property, value);
        }
        catch (const Poco::Exception& e)
        {
            throw log.error(key, "invalid value '" + value + "' (" + e.displayText() + ")");
        }
    };
    check("access_rotation", Poco::FileChannel::PROP_ROTATION, access.rotation);
    check("access_archive", Poco::FileChannel::PROP_ARCHIVE, access.archive);
    access.source = config.file;
    if (config.origins && config.origins->count("log.access_file"))
        access.source = config.origins->at("log.access_file");
    rejectUnread(log);
    return access;
}

} // namespace

ServerSettings ServerSettings::from(const LoadedConfig& config, const std::string& defaultPluginPath)
{
    Poco::AutoPtr<Poco::Util::AbstractConfiguration> values(config.values);
    ServerSettings settings;

    PluginConfig server(values, "server", config.file, config.origins);
    std::tie(settings.host, settings.port) = parseListen(server, "listen", "127.0.0.1:8000");
    settings.eventLoops = static_cast<int>(server.getInt("event_loops", settings.eventLoops, 0, 256));
    settings.threads = static_cast<int>(server.getInt("threads", settings.threads, 1, 4096));
    settings.queue = static_cast<int>(server.getInt("queue", settings.queue, 1, 1 << 20));
    settings.maxConnections =
        static_cast<int>(server.getInt("max_connections", settings.maxConnections, 1, 1 << 22));
    settings.maxBodyBytes = server.getInt("max_body_bytes", settings.maxBodyBytes, 0, 1LL << 34);
    settings.drainSeconds = static_cast<int>(server.getInt("drain_seconds", settings.drainSeconds, 0, 3600));
    settings.idleTimeoutSeconds =
        static_cast<int>(server.getInt("idle_timeout_seconds", settings.idleTimeoutSeconds, 1, 3600));
    settings.headerTimeoutSeconds =
        static_cast<int>(server.getInt("header_timeout_seconds", settings.headerTimeoutSeconds, 1, 3600));
    settings.bodyTimeoutSeconds =
        static_cast<int>(server.getInt("body_timeout_seconds", settings.bodyTimeoutSeconds, 1, 3600));
    settings.sendTimeoutSeconds =
        static_cast<int>(server.getInt("send_timeout_seconds", settings.sendTimeoutSeconds, 1, 3600));
    settings.keepAliveRequests =
        static_cast<int>(server.getInt("keep_alive_requests", settings.keepAliveRequests, 0, 1 << 30));
    settings.threadStackKiB =
        static_cast<int>(server.getInt("thread_stack_kib", settings.threadStackKiB, 0, 1 << 20));
    if (settings.threadStackKiB != 0 && settings.threadStackKiB < 64)
        throw server.error("thread_stack_kib", "must be 0 (system default) or at least 64");
    settings.logLevel = server.getString("log_level", settings.logLevel);
    try
    {
        Poco::Logger::parseLevel(settings.logLevel);
    }
    catch (...)
    {
        throw server.error("log_level", "unknown level '" + settings.logLevel +
                                            "' (use fatal, critical, error, warning, notice, information, debug, trace)");
    }
    settings.openapi = server.getBool("openapi", settings.openapi);
    settings.tlsCertificate = server.getString("tls.certificate", "");
    settings.tlsPrivateKey = server.getString("tls.private_key", "");
    settings.tlsCiphers = server.getString("tls.ciphers", "");
    if (settings.tlsCertificate.empty() != settings.tlsPrivateKey.empty())
        throw server.error(settings.tlsCertificate.empty() ? "tls.certificate" : "tls.private_key",
                           "tls.certificate and tls.private_key go together");
    if (settings.tls() && !readable(settings.tlsCertificate))
        throw server.error("tls.certificate", "cannot read " + settings.tlsCertificate);
    if (settings.tls() && !readable(settings.tlsPrivateKey))
        throw server.error("tls.private_key", "cannot read " + settings.tlsPrivateKey);
    if (server.has("plain_listen"))
    {
        if (!settings.tls())
            throw server.error("plain_listen", "only with TLS (server.listen is already plain HTTP)");
        std::tie(settings.plainHost, settings.plainPort) = parseListen(server, "plain_listen", "");
    }
    rejectUnread(server);

    settings.accessLog = readAccessLog(config, values);

    // [redis] is read by the plugins that use it (portico/RedisPool.h); checking it here too
    // makes a typo an error even while no plugin uses Redis, naming the file that set it.
    Poco::Util::AbstractConfiguration::Keys redisKeys;
    values->keys("redis", redisKeys);
    if (!redisKeys.empty())
        RedisSettings::from(PluginConfig(values, "redis", config.file, config.origins));

    // [admin] listen opens the admin listener; the section's other keys are read (and checked)
    // by the auth plugin, which serves the admin API.
    PluginConfig admin(values, "admin", config.file, config.origins);
    if (admin.has("listen"))
    {
        std::tie(settings.adminHost, settings.adminPort) = parseListen(admin, "listen", "");
        if (settings.adminPort == 0)
            throw admin.error("listen", "needs a port (the admin API cannot listen on a random one)");
        if (settings.adminHost == settings.host && settings.adminPort == settings.port)
            throw admin.error("listen", "is the same address as server.listen");
    }

    PluginConfig plugins(values, "plugins", config.file, config.origins);
    settings.pluginPath = plugins.getString("path", defaultPluginPath);
    settings.order = plugins.getList("order", {});
    rejectUnread(plugins);
    std::set<std::string> seen;
    for (const auto& name : settings.order)
    {
        if (!seen.insert(name).second)
            throw plugins.error("order", "plugin '" + name + "' is listed twice");
        if (name.find('/') != std::string::npos || name.find("..") != std::string::npos)
            throw plugins.error("order", "'" + name + "' is not a plugin name");
    }
    return settings;
}

} // namespace portico
