#pragma once
// Helpers for the auth tests: a PluginContext over an INI text, a channel that records log
// lines, and a request Exchange.

#include "config/ConfigLoader.h"
#include "portico/Exchange.h"
#include "portico/PluginContext.h"
#include "Poco/Channel.h"
#include "Poco/Logger.h"
#include "Poco/Message.h"
#include <map>
#include <memory>
#include <mutex>
#include <prometheus/registry.h>
#include <string>
#include <vector>

namespace portico::auth::test {

class Context : public PluginContext
{
public:
    Context(const std::string& ini, const std::string& section, bool reloading = false)
        : reloading_(reloading), registry_(std::make_shared<prometheus::Registry>())
    {
        const LoadedConfig loaded = ConfigLoader::parseIni(ini, "test.ini");
        Poco::AutoPtr<Poco::Util::AbstractConfiguration> values(loaded.values);
        config_ = std::make_unique<PluginConfig>(values, section, loaded.file);
        logger_ = &Poco::Logger::get("portico." + section);
    }

    const PluginConfig& config() const override { return *config_; }
    void addRoute(Route route) override { routes_.push_back(std::move(route)); }
    /// The routes the plugin registered.
    const std::vector<Route>& routes() const { return routes_; }
    Poco::Logger& logger() const override { return *logger_; }
    prometheus::Registry& metrics() const override { return *registry_; }
    bool reloading() const override { return reloading_; }
    void addLogFilter(std::shared_ptr<const LogFilter>) override {}
    std::shared_ptr<UpstreamClient> upstream(const UpstreamEndpoint&) override
    {
        throw std::logic_error("the auth plugin makes no upstream calls");
    }

protected:
    std::uint32_t allocateStateSlot() override { return slots_++; }

private:
    std::uint32_t slots_ = 0;
    bool reloading_;
    std::unique_ptr<PluginConfig> config_;
    Poco::Logger* logger_ = nullptr;
    std::shared_ptr<prometheus::Registry> registry_;
    std::vector<Route> routes_;
};

/// Records the text of every message logged through it.
class CaptureChannel : public Poco::Channel
{
public:
    void log(const Poco::Message& message) override
    {
        std::lock_guard<std::mutex> lock(mutex_);
        text_ += message.getText() + "\n";
    }
    std::string text() const
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return text_;
    }

private:
    mutable std::mutex mutex_;
    std::string text_;
};

inline std::unique_ptr<Exchange> request(const std::string& method, const std::string& target,
                                         const std::vector<std::pair<std::string, std::string>>& headers = {},
                                         std::string body = "")
{
    HeaderList collection;
    for (const auto& [name, value] : headers)
        collection.add(name, value);
    return std::make_unique<Exchange>(method, target, std::move(collection), std::move(body), "127.0.0.1:40000");
}

} // namespace portico::auth::test
