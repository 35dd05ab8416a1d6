// OtelConfig: the defaults, config keys, the standard OTEL_* variables used when the config does
// not set a key (and never when it does), and every refusal naming the key (and the variable).

#include "OtelConfig.h"
#include "TestAsserts.h"
#include "TestPluginContext.h"
#include <cppunit/extensions/HelperMacros.h>
#include <map>

using portico::otel::Environment;
using portico::otel::OtelConfig;
using portico::otel::Sampler;
using portico::test::messageOf;
using portico::test::TestPluginContext;

namespace {

Environment fakeEnv(std::map<std::string, std::string> values)
{
    return [values](const std::string& name) -> std::optional<std::string> {
        auto it = values.find(name);
        if (it == values.end() || it->second.empty())
            return std::nullopt;
        return it->second;
    };
}

OtelConfig configOf(const std::string& section, const std::map<std::string, std::string>& env = {})
{
    TestPluginContext context("[otel]\n" + section, "otel");
    return OtelConfig::from(context.config(), fakeEnv(env));
}

std::string refusal(const std::string& section, const std::map<std::string, std::string>& env = {})
{
    return messageOf([&] { configOf(section, env); });
}

std::string resourceValue(const OtelConfig& config, const std::string& key)
{
    for (const auto& [name, value] : config.resource.attributes)
        if (name == key)
            return value;
    return "<absent>";
}

} // namespace

class OtelConfigTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(OtelConfigTest);
    CPPUNIT_TEST(testDefaults);
    CPPUNIT_TEST(testConfiguredValues);
    CPPUNIT_TEST(testEnvironmentWhenTheConfigIsSilent);
    CPPUNIT_TEST(testConfigWinsOverEnvironment);
    CPPUNIT_TEST(testSignalVariablesWinOverGeneralOnes);
    CPPUNIT_TEST(testBadValuesNameKeyAndVariable);
    CPPUNIT_TEST(testEveryKeyIsReadAndATypoIsNot);
    CPPUNIT_TEST_SUITE_END();

public:
    void testDefaults()
    {
        const OtelConfig config = configOf("");
        CPPUNIT_ASSERT_EQUAL(std::string("http://localhost:4318/v1/traces"), config.url);
        CPPUNIT_ASSERT(config.protocol == OtelConfig::Protocol::Protobuf);
        CPPUNIT_ASSERT(config.headers.empty());
        CPPUNIT_ASSERT(!config.gzip);
        CPPUNIT_ASSERT_EQUAL(10000L, static_cast<long>(config.exportTimeout.count()));
        CPPUNIT_ASSERT_EQUAL(std::size_t(2048), config.maxQueueSize);
        CPPUNIT_ASSERT_EQUAL(5000L, static_cast<long>(config.scheduleDelay.count()));
        CPPUNIT_ASSERT_EQUAL(std::size_t(512), config.maxExportBatchSize);
        CPPUNIT_ASSERT(config.sampler.parentBased());
        CPPUNIT_ASSERT(config.sampler.root() == Sampler::Root::AlwaysOn);
        CPPUNIT_ASSERT_EQUAL(std::string("portico"), resourceValue(config, "service.name"));
        CPPUNIT_ASSERT_EQUAL(std::string("service.name"), config.resource.attributes.front().first);
        CPPUNIT_ASSERT_EQUAL(std::string("cpp"), resourceValue(config, "telemetry.sdk.language"));
        CPPUNIT_ASSERT(config.excluded("/healthz") && config.excluded("/readyz") && config.excluded("/metrics"));
        CPPUNIT_ASSERT(!config.excluded("/v1/chat/completions"));
    }

    void testConfiguredValues()
    {
        const OtelConfig config = configOf("endpoint = http://collector:4318/\n"
                                           "protocol = http/json\n"
                                           "headers = Authorization=Bearer%20abc, x-team = llm\n"
                                           "compression = gzip\n"
                                           "export_timeout_ms = 2500\n"
                                           "max_queue_size = 100\n"
                                           "schedule_delay_ms = 200\n"
                                           "max_export_batch_size = 50\n"
                                           "sampler = parentbased_traceidratio\n"
                                           "sampler_arg = 0.25\n"
                                           "service_name = gateway\n"
                                           "resource_attributes = deployment.environment=prod,service.name=ignored\n"
                                           "exclude_paths = /healthz\n");
        CPPUNIT_ASSERT(config.excluded("/healthz") && !config.excluded("/metrics"));
        CPPUNIT_ASSERT(configOf("exclude_paths =\n").excludePaths.empty());
        CPPUNIT_ASSERT_EQUAL(std::string("http://collector:4318/v1/traces"), config.url);
        CPPUNIT_ASSERT(config.protocol == OtelConfig::Protocol::Json);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), config.headers.size());
        CPPUNIT_ASSERT_EQUAL(std::string("Authorization"), config.headers[0].first);
        CPPUNIT_ASSERT_EQUAL(std::string("Bearer abc"), config.headers[0].second);
        CPPUNIT_ASSERT_EQUAL(std::string("x-team"), config.headers[1].first);
        CPPUNIT_ASSERT_EQUAL(std::string("llm"), config.headers[1].second);
        CPPUNIT_ASSERT(config.gzip);
        CPPUNIT_ASSERT_EQUAL(2500L, static_cast<long>(config.exportTimeout.count()));
        CPPUNIT_ASSERT_EQUAL(std::size_t(100), config.maxQueueSize);
        CPPUNIT_ASSERT_EQUAL(200L, static_cast<long>(config.scheduleDelay.count()));
        CPPUNIT_ASSERT_EQUAL(std::size_t(50), config.maxExportBatchSize);
        CPPUNIT_ASSERT(config.sampler.parentBased());
        CPPUNIT_ASSERT(config.sampler.root() == Sampler::Root::TraceIdRatio);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.25, config.sampler.ratio(), 1e-12);
        // service_name wins over service.name in resource_attributes, as OTEL_SERVICE_NAME does.
        CPPUNIT_ASSERT_EQUAL(std::string("gateway"), resourceValue(config, "service.name"));
        CPPUNIT_ASSERT_EQUAL(std::string("prod"), resourceValue(config, "deployment.environment"));

        // traces_endpoint is used as given, with no path appended.
        CPPUNIT_ASSERT_EQUAL(std::string("https://otlp.example.com/custom/traces"),
                             configOf("traces_endpoint = https://otlp.example.com/custom/traces\n").url);
    }

    void testEnvironmentWhenTheConfigIsSilent()
    {
        const OtelConfig config = configOf("", {{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://env-collector:4318"},
                                                {"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"},
                                                {"OTEL_EXPORTER_OTLP_HEADERS", "api-key=s3cr%3Dt"},
                                                {"OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"},
                                                {"OTEL_SERVICE_NAME", "from-env"},
                                                {"OTEL_RESOURCE_ATTRIBUTES", "team=ml"},
                                                {"OTEL_BSP_MAX_QUEUE_SIZE", "64"},
                                                {"OTEL_BSP_SCHEDULE_DELAY", "100"},
                                                {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "32"},
                                                {"OTEL_BSP_EXPORT_TIMEOUT", "1500"},
                                                {"OTEL_TRACES_SAMPLER", "traceidratio"},
                                                {"OTEL_TRACES_SAMPLER_ARG", "0.5"}});
        CPPUNIT_ASSERT_EQUAL(std::string("http://env-collector:4318/v1/traces"), config.url);
        CPPUNIT_ASSERT(config.protocol == OtelConfig::Protocol::Json);
        CPPUNIT_ASSERT_EQUAL(std::string("s3cr=t"), config.headers.at(0).second);
        CPPUNIT_ASSERT(config.gzip);
        CPPUNIT_ASSERT_EQUAL(std::string("from-env"), resourceValue(config, "service.name"));
        CPPUNIT_ASSERT_EQUAL(std::string("ml"), resourceValue(config, "team"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(64), config.maxQueueSize);
        CPPUNIT_ASSERT_EQUAL(100L, static_cast<long>(config.scheduleDelay.count()));
        CPPUNIT_ASSERT_EQUAL(std::size_t(32), config.maxExportBatchSize);
        CPPUNIT_ASSERT_EQUAL(1500L, static_cast<long>(config.exportTimeout.count()));
        CPPUNIT_ASSERT(!config.sampler.parentBased());
        CPPUNIT_ASSERT(config.sampler.root() == Sampler::Root::TraceIdRatio);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.5, config.sampler.ratio(), 1e-12);
        // service.name from OTEL_RESOURCE_ATTRIBUTES when OTEL_SERVICE_NAME is not set.
        CPPUNIT_ASSERT_EQUAL(std::string("billing"),
                             resourceValue(configOf("", {{"OTEL_RESOURCE_ATTRIBUTES", "service.name=billing"}}), "service.name"));
    }

    void testConfigWinsOverEnvironment()
    {
        const OtelConfig config = configOf("endpoint = http://config:4318\nprotocol = http/protobuf\nmax_queue_size = 10\n"
                                           "max_export_batch_size = 5\nsampler = always_off\n",
                                           {{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://env:4318"},
                                            {"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"},
                                            {"OTEL_BSP_MAX_QUEUE_SIZE", "bad"},
                                            {"OTEL_TRACES_SAMPLER", "nonsense"}});
        CPPUNIT_ASSERT_EQUAL(std::string("http://config:4318/v1/traces"), config.url);
        CPPUNIT_ASSERT(config.protocol == OtelConfig::Protocol::Protobuf);
        CPPUNIT_ASSERT_EQUAL(std::size_t(10), config.maxQueueSize);
        CPPUNIT_ASSERT(config.sampler.root() == Sampler::Root::AlwaysOff);
    }

    void testSignalVariablesWinOverGeneralOnes()
    {
        const OtelConfig config = configOf("", {{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://general:4318"},
                                                {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://traces:9999/otlp"},
                                                {"OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"},
                                                {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"}});
        CPPUNIT_ASSERT_EQUAL(std::string("http://traces:9999/otlp"), config.url);
        CPPUNIT_ASSERT(config.protocol == OtelConfig::Protocol::Json);
    }

    void testBadValuesNameKeyAndVariable()
    {
        PORTICO_ASSERT_CONTAINS(refusal("protocol = grpc\n"), "protocol");
        PORTICO_ASSERT_CONTAINS(refusal("protocol = grpc\n"), "grpc");
        PORTICO_ASSERT_CONTAINS(refusal("compression = brotli\n"), "compression");
        PORTICO_ASSERT_CONTAINS(refusal("endpoint = ftp://x\n"), "endpoint");
        PORTICO_ASSERT_CONTAINS(refusal("sampler = sometimes\n"), "sampler");
        PORTICO_ASSERT_CONTAINS(refusal("sampler_arg = 1.5\n"), "sampler_arg");
        PORTICO_ASSERT_CONTAINS(refusal("max_queue_size = 0\n"), "max_queue_size");
        PORTICO_ASSERT_CONTAINS(refusal("max_queue_size = 10\nmax_export_batch_size = 11\n"), "max_export_batch_size");
        PORTICO_ASSERT_CONTAINS(refusal("headers = novalue\n"), "headers");
        PORTICO_ASSERT_CONTAINS(refusal("exclude_paths = healthz\n"), "exclude_paths");
        PORTICO_ASSERT_CONTAINS(refusal("headers = bad name=1\n"), "headers");
        const std::string fromEnv = refusal("", {{"OTEL_BSP_SCHEDULE_DELAY", "soon"}});
        PORTICO_ASSERT_CONTAINS(fromEnv, "schedule_delay_ms");
        PORTICO_ASSERT_CONTAINS(fromEnv, "OTEL_BSP_SCHEDULE_DELAY");
        PORTICO_ASSERT_CONTAINS(refusal("", {{"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"}}), "OTEL_EXPORTER_OTLP_PROTOCOL");
        PORTICO_ASSERT_CONTAINS(refusal("", {{"OTEL_TRACES_SAMPLER_ARG", "x"}}), "OTEL_TRACES_SAMPLER_ARG");
    }

    void testEveryKeyIsReadAndATypoIsNot()
    {
        TestPluginContext context("[otel]\n"
                                  "endpoint = http://a:4318\ntraces_endpoint = http://a:4318/v1/traces\nprotocol = http/json\n"
                                  "headers = a=b\ncompression = none\nexport_timeout_ms = 100\nmax_queue_size = 10\n"
                                  "schedule_delay_ms = 10\nmax_export_batch_size = 10\nsampler = always_on\n"
                                  "sampler_arg = 1\nservice_name = x\nresource_attributes = a=b\nexclude_paths = /x\n"
                                  "sample_ratio = 0.5\n",
                                  "otel");
        OtelConfig::from(context.config(), fakeEnv({}));
        CPPUNIT_ASSERT(context.config().unreadKeys() == std::vector<std::string>{"sample_ratio"});
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(OtelConfigTest);
