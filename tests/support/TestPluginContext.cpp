#include "TestPluginContext.h"
#include "TestUpstreams.h"
#include "config/ConfigLoader.h"
#include "Poco/Logger.h"
#include <prometheus/registry.h>

namespace portico::test {

TestPluginContext::TestPluginContext(const std::string& ini, const std::string& section)
    : section_(section), registry_(std::make_shared<prometheus::Registry>())
{
    const LoadedConfig loaded = ConfigLoader::parseIni(ini, "test.ini");
    Poco::AutoPtr<Poco::Util::AbstractConfiguration> values(loaded.values);
    config_ = std::make_unique<PluginConfig>(values, section, loaded.file);
}

TestPluginContext::~TestPluginContext() = default;

Poco::Logger& TestPluginContext::logger() const
{
    return Poco::Logger::get("portico." + section_);
}

std::shared_ptr<UpstreamClient> TestPluginContext::upstream(const UpstreamEndpoint& endpoint)
{
    return testUpstreams().client(endpoint);
}

} // namespace portico::test
