#include "app/PorticoApp.h"
#include "app/KeyTool.h"
#include "app/ResourceLimits.h"
#include "app/SignalWaiter.h"
#include "app/Watchdog.h"
#include "http/AccessLog.h"
#include "http/ChainBuilder.h"
#include "http/HttpServer.h"
#include "http/ServerMetrics.h"
#include "openapi/OpenApiDiff.h"
#include "openapi/OpenApiDocument.h"
#include "portico/Abi.h"
#include "portico/Errors.h"
#include "portico/Version.h"
#include "Poco/Logger.h"
#include "Poco/Path.h"
#include "Poco/Util/HelpFormatter.h"
#include "Poco/Util/Option.h"
#include "Poco/Util/OptionSet.h"
#include <prometheus/registry.h>
#include <systemd/sd-daemon.h>
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <unistd.h>

namespace portico {

namespace {

/// Exit code for configuration problems (sysexits.h EX_CONFIG).
constexpr int ExitConfig = 78;

/// Plugins live in ../lib/portico/plugins relative to porticod, wherever it was installed.
std::string defaultPluginPath()
{
    char exe[4096];
    const ssize_t length = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (length <= 0)
        return PORTICO_DEFAULT_PLUGIN_DIR;
    exe[length] = '\0';
    Poco::Path path(exe);
    path.makeParent().makeParent();
    return path.toString() + "lib/portico/plugins";
}

} // namespace

PorticoApp::PorticoApp() : metrics_(std::make_shared<prometheus::Registry>())
{
    setUnixOptions(true);
}

PorticoApp::~PorticoApp() = default;

void PorticoApp::setRunningChain(std::shared_ptr<Chain> chain)
{
    if (chain)
        logPipeline_.setFilters(chain->logFilters());
    std::shared_ptr<const Chain> previous = state_.chain();
    state_.setChain(std::move(chain));
    // Requests in flight may still hold the old chain. It is kept here, so that whichever of
    // them ends last does not run its plugins' stop() (a purge thread's join, a SQLite or Redis
    // close) on an event loop: this thread destroys it once nothing else holds it.
    if (previous)
        retiredChains_.push_back(std::move(previous));
}

void PorticoApp::destroyUnusedChains()
{
    // use_count() == 1: only this list holds it, and nothing can take a new reference from a
    // chain that is no longer the server's.
    retiredChains_.erase(std::remove_if(retiredChains_.begin(), retiredChains_.end(),
                                        [](const std::shared_ptr<const Chain>& chain) { return chain.use_count() == 1; }),
                         retiredChains_.end());
}

void PorticoApp::defineOptions(Poco::Util::OptionSet& options)
{
    ServerApplication::defineOptions(options);
    options.addOption(Poco::Util::Option("config", "c", "config file (.ini or .xml)")
                          .required(false)
                          .repeatable(false)
                          .argument("FILE"));
    options.addOption(Poco::Util::Option("check-config", "", "load and validate everything, print the chain, exit"));
    options.addOption(Poco::Util::Option("version", "", "print the version and exit"));
    options.addOption(Poco::Util::Option("new-key", "", "make a random API key for principal NAME, print it once with its keys-file line, exit")
                          .required(false)
                          .repeatable(false)
                          .argument("NAME")
                          .binding("portico.keytool.new_key"));
    options.addOption(Poco::Util::Option("hash-key", "", "read an API key on stdin, print its keys-file line (for principal NAME), exit")
                          .required(false)
                          .repeatable(false)
                          .argument("NAME", false)
                          .binding("portico.keytool.hash_key"));
    options.addOption(Poco::Util::Option("openapi", "", "load the config, print the OpenAPI 3.1 document of its chain, exit"));
    options.addOption(Poco::Util::Option("openapi-diff", "", "BASE CANDIDATE: list the breaking changes from one OpenAPI document to the other; exit 1 if any"));
    options.addOption(Poco::Util::Option("help", "h", "print this help and exit"));
}

void PorticoApp::handleOption(const std::string& name, const std::string& value)
{
    ServerApplication::handleOption(name, value);
    if (name == "config")
        configFile_ = value;
    else if (name == "check-config")
        checkOnly_ = true;
    else if (name == "openapi")
        printOpenApi_ = true;
    else if (name == "openapi-diff")
        openApiDiff_ = true;
    else if (name == "version")
        showVersion_ = true;
    else if (name == "help")
        showHelp_ = true;
    if (showVersion_ || showHelp_)
        stopOptionsProcessing();
}

void PorticoApp::configureLogging(const std::string& level)
{
    // The pipeline's channel is installed once, before the first chain is built; reloads swap
    // its filters (run()) and change the level only.
    if (!accessLog_)
    {
        logPipeline_.install();
        accessLog_ = std::make_unique<AccessLog>(*metrics_, logPipeline_);
    }
    Poco::Logger::setLevel("", Poco::Logger::parseLevel(level));
}

std::shared_ptr<Chain> PorticoApp::buildChain(bool reloading, ServerSettings& settings)
{
    const LoadedConfig config = ConfigLoader::load(configFile_);
    configFiles_.clear();
    for (const auto& file : config.files)
        configFiles_ += (configFiles_.empty() ? "" : " + ") + file;
    settings = ServerSettings::from(config, defaultPluginPath());
    // A server logs what its plugins say while they load ("loaded 100000 key(s) ... in 85 ms")
    // at the configured level; --check-config and --openapi stay at "warning" (their output is
    // the point).
    if (!reloading && !checkOnly_ && !printOpenApi_)
        configureLogging(settings.logLevel);
    ChainServices services;
    services.metrics = metrics_.get();
    services.upstreams = &upstreams_;
    services.server = &state_;
    services.reloading = reloading;
    return ChainBuilder::build(config, settings, services);
}

int PorticoApp::main(const std::vector<std::string>& args)
{
    if (showHelp_)
    {
        Poco::Util::HelpFormatter help(options());
        help.setCommand(commandName());
        help.setUsage("[--config=FILE] [--check-config | --openapi] [--version] | --new-key=NAME | --hash-key[=NAME] < KEY"
                      " | --openapi-diff BASE CANDIDATE");
        help.setHeader("Portico: an OpenAI-compatible API gateway.");
        help.format(std::cout);
        return EXIT_OK;
    }
    if (showVersion_)
    {
        std::cout << "porticod " << PORTICO_VERSION << " (plugin ABI " << PORTICO_ABI_MAJOR << "."
                  << PORTICO_ABI_MINOR << ", " << PORTICO_BUILD_SIGNATURE << ")" << std::endl;
        return EXIT_OK;
    }
    if (openApiDiff_)
    {
        if (args.size() != 2)
        {
            std::cerr << "porticod: --openapi-diff takes two files: BASE CANDIDATE" << std::endl;
            return EXIT_USAGE;
        }
        return OpenApiDiff::run(args[0], args[1], std::cout, std::cerr);
    }
    if (!args.empty())
    {
        std::cerr << "porticod: unexpected argument '" << args.front() << "' (see --help)" << std::endl;
        return EXIT_USAGE;
    }
    if (config().hasProperty("portico.keytool.new_key"))
        return KeyTool::newKey(config().getRawString("portico.keytool.new_key"), std::cout, std::cerr);
    if (config().hasProperty("portico.keytool.hash_key"))
        return KeyTool::hashKey(config().getRawString("portico.keytool.hash_key"), std::cin, std::cout, std::cerr);
    if (configFile_.empty())
        configFile_ = PORTICO_DEFAULT_CONFIG;

    ServerSettings settings;
    std::shared_ptr<Chain> chain;
    try
    {
        // Logging comes from the config, which buildChain() reads: "warning" until then.
        configureLogging("warning");
        chain = buildChain(false, settings);
        if (checkOnly_)
            AccessLog::check(settings.accessLog);
        else
            accessLog_->configure(settings.accessLog);
        configureLogging(settings.logLevel);
    }
    catch (const std::exception& e)
    {
        std::cerr << "porticod: " << describeException(e) << std::endl;
        return ExitConfig;
    }
    if (printOpenApi_)
    {
        try
        {
            std::cout << OpenApiDocument::build(*chain) << std::flush;
        }
        catch (const std::exception& e)
        {
            std::cerr << "porticod: cannot build the OpenAPI document: " << e.what() << std::endl;
            return EXIT_SOFTWARE;
        }
        return EXIT_OK;
    }
    if (checkOnly_)
    {
        std::cout << configFiles_ << ": OK\n"
                  << "listen " << settings.host << ":" << settings.port << ", event_loops "
                  << (settings.eventLoops == 0 ? std::string("auto") : std::to_string(settings.eventLoops))
                  << ", threads " << settings.threads << ", queue " << settings.queue << ", max_connections "
                  << settings.maxConnections << ", max_body_bytes " << settings.maxBodyBytes << "\n"
                  << chain->describe();
        return EXIT_OK;
    }
    setRunningChain(std::move(chain));
    state_.setMaxBodyBytes(settings.maxBodyBytes);
    running_ = settings;
    return serve(settings);
}

int PorticoApp::serve(const ServerSettings& settings)
{
    Poco::Logger& logger = Poco::Logger::get("portico.core");
    const DescriptorLimit descriptors = raiseDescriptorLimit();
    ServerSettings effective = settings;
    // Each connection is a descriptor; keep some for upstreams, Redis, files and the listeners.
    if (descriptors.soft > 0 && effective.maxConnections > descriptors.soft - 256)
    {
        effective.maxConnections = static_cast<int>(std::max(64LL, descriptors.soft - 256));
        logger.warning("server.max_connections lowered from " + std::to_string(settings.maxConnections) + " to " +
                       std::to_string(effective.maxConnections) + ": the descriptor limit (RLIMIT_NOFILE) is " +
                       std::to_string(descriptors.soft) + " (systemd: LimitNOFILE)");
    }
    std::unique_ptr<HttpServer> server;
    try
    {
        server = std::make_unique<HttpServer>(effective, state_, accessLog_.get(), &upstreams_);
        server->start();
    }
    catch (const std::exception& e)
    {
        std::cerr << "porticod: cannot listen on " << settings.host << ":" << settings.port << ": "
                  << describeException(e) << std::endl;
        return EXIT_UNAVAILABLE;
    }
    logger.notice("porticod " PORTICO_VERSION " serving " + server->describe() + " (" +
                  std::to_string(server->eventLoops()) + " event loops, workers up to " +
                  std::to_string(settings.threads) + ", max_connections " + std::to_string(effective.maxConnections) +
                  ", descriptors " + std::to_string(descriptors.soft) + ")\n" + state_.chain()->describe());
    if (effective.adminPort != 0 && state_.chain()->adminRoutes().routes().empty())
        logger.warning("[admin] listen is set, but no plugin of the chain serves the admin API there (is auth "
                       "in plugins.order and enabled?): it answers 404 to everything");
    sd_notify(0, "READY=1");
    Watchdog watchdog;
    auto serverMetrics = std::make_unique<ServerMetrics>(*metrics_, [raw = server.get(), this] {
        ServerSnapshot now;
        now.connections = static_cast<std::uint64_t>(std::max(0, raw->currentConnections()));
        now.streams = static_cast<std::uint64_t>(std::max(0, state_.streams()));
        now.refusedConnections = raw->refusedConnections();
        const ServerCounters& counters = raw->counters();
        now.headTimeouts = counters.headTimeouts.load();
        now.bodyTimeouts = counters.bodyTimeouts.load();
        now.sendTimeouts = counters.sendTimeouts.load();
        now.streamsCut = counters.streamsOverBuffer.load();
        now.responseFieldsDropped = counters.responseFieldsDropped.load();
        now.workers = raw->workers().threads();
        now.workersBusy = raw->workers().busy();
        now.workerQueue = raw->workers().queued();
        now.workerQueueRefused = raw->workers().refused();
        now.logLinesDropped = logPipeline_.droppedLines();
        return now;
    });

    for (;;)
    {
        const SignalWaiter::Event event = SignalWaiter::wait(std::chrono::seconds(1));
        if (event == SignalWaiter::Event::Stop)
            break;
        if (event == SignalWaiter::Event::Reload)
            reload();
        destroyUnusedChains();
    }

    sd_notify(0, "STOPPING=1");
    logger.notice("stopping: closing the listeners, then draining requests in flight (up to " +
                  std::to_string(running_.drainSeconds) + "s)");
    const int left = server->drainAndStop(running_.drainSeconds);
    if (left > 0)
        logger.warning(std::to_string(left) + " request(s) still in flight after drain_seconds; cut");
    serverMetrics.reset(); // before the server it reads from
    if (server->workersStuck())
    {
        // A handler that cannot be interrupted still runs plugin code: freeing the server or the
        // chain under it would be a use-after-free. The process ends here instead.
        logger.notice("stopped (without waiting for the stuck workers)");
        accessLog_.reset(); // writes what is queued
        logPipeline_.flush();
        std::_Exit(EXIT_OK);
    }
    server.reset();
    state_.setChain(nullptr);
    retiredChains_.clear();
    logger.notice("stopped");
    accessLog_.reset();
    return EXIT_OK;
}

namespace {

/// The [server] keys that changed between `running` and `loaded` but apply only at start (the
/// listeners, the threads, the connections' limits and deadlines, TLS), comma-separated.
std::string restartOnlyChanges(const ServerSettings& running, const ServerSettings& loaded)
{
    std::string changed;
    const auto note = [&changed](bool differs, const char* key) {
        if (differs)
            changed += (changed.empty() ? "server." : ", server.") + std::string(key);
    };
    note(loaded.host != running.host || loaded.port != running.port, "listen");
    note(loaded.plainHost != running.plainHost || loaded.plainPort != running.plainPort, "plain_listen");
    note(loaded.eventLoops != running.eventLoops, "event_loops");
    note(loaded.threads != running.threads, "threads");
    note(loaded.queue != running.queue, "queue");
    note(loaded.maxConnections != running.maxConnections, "max_connections");
    note(loaded.headerTimeoutSeconds != running.headerTimeoutSeconds, "header_timeout_seconds");
    note(loaded.bodyTimeoutSeconds != running.bodyTimeoutSeconds, "body_timeout_seconds");
    note(loaded.sendTimeoutSeconds != running.sendTimeoutSeconds, "send_timeout_seconds");
    note(loaded.idleTimeoutSeconds != running.idleTimeoutSeconds, "idle_timeout_seconds");
    note(loaded.keepAliveRequests != running.keepAliveRequests, "keep_alive_requests");
    note(loaded.threadStackKiB != running.threadStackKiB, "thread_stack_kib");
    note(loaded.tlsCertificate != running.tlsCertificate || loaded.tlsPrivateKey != running.tlsPrivateKey ||
             loaded.tlsCiphers != running.tlsCiphers,
         "tls.*");
    return changed;
}

} // namespace

void PorticoApp::reload()
{
    Poco::Logger& logger = Poco::Logger::get("portico.core");
    sd_notify(0, "RELOADING=1");
    try
    {
        ServerSettings settings;
        auto chain = buildChain(true, settings);
        accessLog_->configure(settings.accessLog); // may refuse the reload (unwritable file)
        const std::string restartOnly = restartOnlyChanges(running_, settings);
        if (!restartOnly.empty())
            logger.warning("reload: " + restartOnly + " changed; these take effect on restart only");
        configureLogging(settings.logLevel);
        state_.setMaxBodyBytes(settings.maxBodyBytes);
        running_.drainSeconds = settings.drainSeconds;
        setRunningChain(std::move(chain));
        logger.notice("reloaded " + configFiles_ + "\n" + state_.chain()->describe());
    }
    catch (const std::exception& e)
    {
        logger.error("reload refused, keeping the running chain: " + describeException(e));
    }
    sd_notify(0, "READY=1");
}

} // namespace portico
