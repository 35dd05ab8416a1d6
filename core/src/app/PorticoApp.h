#pragma once
// porticod: command line, config, plugin chain, server, signals.

#include "config/ConfigLoader.h"
#include "config/ServerSettings.h"
#include "http/ServerState.h"
#include "log/LogPipeline.h"
#include "upstream/UpstreamService.h"
#include "Poco/Util/ServerApplication.h"
#include <memory>
#include <vector>

namespace prometheus {
class Registry;
}

namespace portico {

class AccessLog;

class PorticoApp : public Poco::Util::ServerApplication
{
public:
    PorticoApp();
    ~PorticoApp() override;

protected:
    void defineOptions(Poco::Util::OptionSet& options) override;
    void handleOption(const std::string& name, const std::string& value) override;
    int main(const std::vector<std::string>& args) override;

private:
    /// Loads and validates the config file and builds a chain from it. Throws ConfigError.
    std::shared_ptr<Chain> buildChain(bool reloading, ServerSettings& settings);
    void configureLogging(const std::string& level);
    void reload();
    int serve(const ServerSettings& settings);
    /// Makes `chain` the running one: requests get it from now on, its log filters apply.
    void setRunningChain(std::shared_ptr<Chain> chain);
    /// Destroys the retired chains no request holds any more (on the main thread).
    void destroyUnusedChains();

    std::string configFile_;
    /// The files the last load read ("main.ini + conf.d/50-prod.ini").
    std::string configFiles_;
    bool checkOnly_ = false;
    /// --openapi: print the chain's OpenAPI document instead of serving.
    bool printOpenApi_ = false;
    /// --openapi-diff BASE CANDIDATE (the two files come as arguments).
    bool openApiDiff_ = false;
    bool showVersion_ = false;
    bool showHelp_ = false;
    ServerSettings running_;
    /// Upstream connection pools: declared before state_ so that they outlive every chain.
    UpstreamService upstreams_;
    ServerState state_;
    /// Chains replaced by a reload, until no request holds them (destroyUnusedChains()).
    std::vector<std::shared_ptr<const Chain>> retiredChains_;
    std::shared_ptr<prometheus::Registry> metrics_;
    /// Every log line goes through it (the running chain's filters, e.g. redaction).
    LogPipeline logPipeline_;
    std::unique_ptr<AccessLog> accessLog_;
};

} // namespace portico
