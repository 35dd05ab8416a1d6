#pragma once
// A PluginContext for constructing a plugin in a unit test: its section comes from an INI text
// read by the real ConfigLoader, routes and log filters are collected, metrics go to a private
// registry, state slots are numbered from 0.

#include "portico/PluginContext.h"
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace portico::test {

class TestPluginContext : public PluginContext
{
public:
    /// `ini` is a whole INI file's text ("[security]\nframe_options = SAMEORIGIN\n");
    /// `section` is the plugin's section name. Throws ConfigError for a bad INI text.
    TestPluginContext(const std::string& ini, const std::string& section);
    ~TestPluginContext() override;

    const PluginConfig& config() const override { return *config_; }
    void addRoute(Route route) override { routes_.push_back(std::move(route)); }
    Poco::Logger& logger() const override;
    prometheus::Registry& metrics() const override { return *registry_; }
    bool reloading() const override { return reloading_; }
    void addLogFilter(std::shared_ptr<const LogFilter> filter) override { logFilters_.push_back(std::move(filter)); }
    /// From the tests' process-wide UpstreamService (testUpstreams()).
    std::shared_ptr<UpstreamClient> upstream(const UpstreamEndpoint& endpoint) override;

    void setReloading(bool reloading) { reloading_ = reloading; }
    /// The routes the plugin registered, in order.
    std::vector<Route>& routes() { return routes_; }
    /// The log filters the plugin added, in order (hand them to a LogPipeline to run them).
    const std::vector<std::shared_ptr<const LogFilter>>& logFilters() const { return logFilters_; }
    /// How many state slots the plugin asked for.
    std::uint32_t stateSlots() const { return nextStateSlot_; }

protected:
    std::uint32_t allocateStateSlot() override { return nextStateSlot_++; }

private:
    std::unique_ptr<PluginConfig> config_;
    std::string section_;
    std::shared_ptr<prometheus::Registry> registry_;
    std::vector<Route> routes_;
    std::vector<std::shared_ptr<const LogFilter>> logFilters_;
    std::uint32_t nextStateSlot_ = 0;
    bool reloading_ = false;
};

} // namespace portico::test
