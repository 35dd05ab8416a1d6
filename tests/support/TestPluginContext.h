#pragma once
// A PluginContext for constructing a plugin in a unit test: its section comes from an INI text
// read by the real ConfigLoader, routes are collected, metrics go to a private registry.

#include "portico/PluginContext.h"
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

    void setReloading(bool reloading) { reloading_ = reloading; }
    /// The routes the plugin registered, in order.
    std::vector<Route>& routes() { return routes_; }

private:
    std::unique_ptr<PluginConfig> config_;
    std::string section_;
    std::shared_ptr<prometheus::Registry> registry_;
    std::vector<Route> routes_;
    bool reloading_ = false;
};

} // namespace portico::test
