#pragma once
// The core's own settings: [server] and [plugins], validated once per load.

#include "config/ConfigLoader.h"
#include <string>
#include <vector>

namespace portico {

/// [log]: where the access log goes (see http/AccessLog.h). The server's own log level is
/// server.log_level.
struct AccessLogSettings
{
    enum class Target
    {
        Stderr,
        File,
        Off
    };
    Target target = Target::Stderr;
    /// log.access_file, when target is File.
    std::string file;
    /// Poco::FileChannel's rotation, archive, purgeCount (0: keep all), compress and flush.
    std::string rotation = "100 M";
    std::string archive = "number";
    int purgeCount = 10;
    bool compress = false;
    bool flush = true;
    /// The config file that set log.access_file, for error messages.
    std::string source;
};

struct ServerSettings
{
    std::string host = "127.0.0.1";
    unsigned short port = 8000;
    /// Event-loop threads, which own every socket (0: one per core).
    int eventLoops = 0;
    /// Worker threads at most, for plugins and handlers that may block (Redis, SQLite); started
    /// on demand, stopped after a minute idle. No socket waits on one.
    int threads = 32;
    /// Requests waiting for a worker at most; beyond it they are answered 503 (and counted).
    int queue = 4096;
    /// Open client connections at most; beyond it new ones get a 503 and are closed (counted).
    int maxConnections = 16384;
    long long maxBodyBytes = 1048576;
    int drainSeconds = 30;
    /// The keep-alive gap: how long a connection may wait for its next request, seconds.
    int idleTimeoutSeconds = 60;
    /// The longest pause between two reads of a request body, seconds (then 408).
    int bodyTimeoutSeconds = 30;
    /// How long an answer may wait for a client that takes none of its bytes, seconds.
    int sendTimeoutSeconds = 60;
    int keepAliveRequests = 1000;
    /// A request head must arrive completely within this many seconds (slowloris guard).
    int headerTimeoutSeconds = 10;
    /// Worker thread stack size in KiB (0: the system default).
    int threadStackKiB = 256;
    std::string logLevel = "information";
    /// server.openapi: serve GET /openapi.json (the document of the running chain).
    bool openapi = true;

    /// TLS: with a certificate and key, `listen` serves HTTPS (TLS 1.2 minimum).
    std::string tlsCertificate;
    std::string tlsPrivateKey;
    std::string tlsCiphers;
    bool tls() const { return !tlsCertificate.empty(); }
    /// An optional plain-HTTP listener beside the HTTPS one (port 0: none).
    std::string plainHost;
    unsigned short plainPort = 0;
    /// [admin] listen: the admin API's own plain-HTTP listener (port 0: none). The other
    /// [admin] keys belong to the plugin that serves the admin API (auth).
    std::string adminHost;
    unsigned short adminPort = 0;

    AccessLogSettings accessLog;

    std::string pluginPath;
    std::vector<std::string> order;

    /// Reads and validates [server], [plugins] and [log]; an unknown key or a bad value throws
    /// ConfigError naming the file and key.
    static ServerSettings from(const LoadedConfig& config, const std::string& defaultPluginPath);
};

} // namespace portico
