// readUpstreamConfigs: defaults, named upstreams, the key file, and every config error naming
// its key (and file); the core client's endpoint built from each block; plus the request
// target rules.

#include "TempDir.h"
#include "UpstreamConfig.h"
#include "UpstreamRequest.h"
#include "portico/Attributes.h"
#include "Poco/Util/MapConfiguration.h"
#include <cppunit/extensions/HelperMacros.h>

using portico::ConfigError;
using portico::PluginConfig;
using namespace portico::openai;

namespace {

PluginConfig section(const std::map<std::string, std::string>& keys)
{
    Poco::AutoPtr<Poco::Util::MapConfiguration> map = new Poco::Util::MapConfiguration;
    for (const auto& [key, value] : keys)
        map->setString("openai." + key, value);
    return PluginConfig(map, "openai", "/etc/portico/portico.ini");
}

/// The message of the ConfigError that reading `keys` throws ("" when none).
std::string errorOf(const std::map<std::string, std::string>& keys)
{
    try
    {
        readUpstreamConfigs(section(keys));
    }
    catch (const ConfigError& e)
    {
        return e.what();
    }
    return "";
}

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

} // namespace

class UpstreamConfigTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(UpstreamConfigTest);
    CPPUNIT_TEST(testNoUpstream);
    CPPUNIT_TEST(testDefaults);
    CPPUNIT_TEST(testEveryKey);
    CPPUNIT_TEST(testNamedUpstreams);
    CPPUNIT_TEST(testKeyFile);
    CPPUNIT_TEST(testKeyFileErrorsNameTheFile);
    CPPUNIT_TEST(testUnknownKeys);
    CPPUNIT_TEST(testBadUrls);
    CPPUNIT_TEST(testUrlPathStaysEncoded);
    CPPUNIT_TEST(testModelsTimeout);
    CPPUNIT_TEST(testOverlaps);
    CPPUNIT_TEST(testRangeErrors);
    CPPUNIT_TEST(testAnswerCapKeys);
    CPPUNIT_TEST(testTarget);
    CPPUNIT_TEST(testForwardedRequest);
    CPPUNIT_TEST(testAnthropicType);
    CPPUNIT_TEST_SUITE_END();

public:
    void testNoUpstream()
    {
        const auto config = section({{"embed.dimensions", "64"}});
        CPPUNIT_ASSERT(readUpstreamConfigs(config).empty());
    }

    void testDefaults()
    {
        const auto config = section({{"upstream.url", "http://127.0.0.1:9000/v1/"}});
        const auto upstreams = readUpstreamConfigs(config);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), upstreams.size());
        const auto& u = upstreams[0];
        CPPUNIT_ASSERT_EQUAL(std::string("default"), u.name);
        CPPUNIT_ASSERT_EQUAL(std::string("http://127.0.0.1:9000/v1"), u.url);
        CPPUNIT_ASSERT_EQUAL(std::string("/v1"), u.basePath);
        CPPUNIT_ASSERT(!u.secure());
        CPPUNIT_ASSERT(u.servesAll); // models unset means every model
        CPPUNIT_ASSERT(u.models.empty());
        CPPUNIT_ASSERT(u.apiKey.empty());
        // The core client's endpoint.
        const portico::UpstreamEndpoint& e = u.endpoint;
        CPPUNIT_ASSERT_EQUAL(std::string("default"), e.name);
        CPPUNIT_ASSERT_EQUAL(std::string("http://127.0.0.1:9000/v1"), e.url);
        CPPUNIT_ASSERT(!e.tls);
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"), e.host);
        CPPUNIT_ASSERT_EQUAL(static_cast<unsigned short>(9000), e.port);
        CPPUNIT_ASSERT(e.caFile.empty());
        CPPUNIT_ASSERT_EQUAL(5000LL, static_cast<long long>(e.connectTimeout.count()));
        CPPUNIT_ASSERT_EQUAL(600000LL, static_cast<long long>(e.readTimeout.count()));
        CPPUNIT_ASSERT_EQUAL(2, e.retries);
        CPPUNIT_ASSERT_EQUAL(100LL, static_cast<long long>(e.retryBackoff.count()));
        CPPUNIT_ASSERT_EQUAL(std::size_t(64), e.poolSize);
        CPPUNIT_ASSERT_EQUAL(4000LL, static_cast<long long>(e.idleTimeout.count()));
        CPPUNIT_ASSERT_EQUAL(std::size_t(64) * 1024 * 1024, u.maxBodyBytes);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1024) * 1024, u.maxEventBytes);
        CPPUNIT_ASSERT(config.unreadKeys().empty());
    }

    void testEveryKey()
    {
        portico::test::TempDir dir;
        const auto ca = dir.write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
        const auto config = section({{"upstream.url", "https://api.example.com/v1"},
                                     {"upstream.models", "gpt-4o, gpt-4o-mini,gpt-4o"},
                                     {"upstream.connect_timeout_ms", "250"},
                                     {"upstream.read_timeout_ms", "30000"},
                                     {"upstream.retries", "0"},
                                     {"upstream.retry_backoff_ms", "10"},
                                     {"upstream.pool_size", "4"},
                                     {"upstream.idle_timeout_ms", "90000"},
                                     {"upstream.max_body_bytes", "1048576"},
                                     {"upstream.max_event_bytes", "65536"},
                                     {"upstream.ca_file", ca}});
        const auto u = readUpstreamConfigs(config).at(0);
        CPPUNIT_ASSERT(u.secure());
        const portico::UpstreamEndpoint& e = u.endpoint;
        CPPUNIT_ASSERT(e.tls);
        CPPUNIT_ASSERT_EQUAL(std::string("api.example.com"), e.host);
        CPPUNIT_ASSERT_EQUAL(static_cast<unsigned short>(443), e.port);
        CPPUNIT_ASSERT(!u.servesAll);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), u.models.size()); // the duplicate is dropped
        CPPUNIT_ASSERT(u.lists("gpt-4o-mini"));
        CPPUNIT_ASSERT_EQUAL(250LL, static_cast<long long>(e.connectTimeout.count()));
        CPPUNIT_ASSERT_EQUAL(30000LL, static_cast<long long>(e.readTimeout.count()));
        CPPUNIT_ASSERT_EQUAL(0, e.retries);
        CPPUNIT_ASSERT_EQUAL(10LL, static_cast<long long>(e.retryBackoff.count()));
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), e.poolSize);
        CPPUNIT_ASSERT_EQUAL(90000LL, static_cast<long long>(e.idleTimeout.count()));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1048576), u.maxBodyBytes);
        CPPUNIT_ASSERT_EQUAL(std::size_t(65536), u.maxEventBytes);
        CPPUNIT_ASSERT_EQUAL(ca, e.caFile);
        CPPUNIT_ASSERT(config.unreadKeys().empty());
    }

    void testNamedUpstreams()
    {
        const auto config = section({{"upstream.url", "http://127.0.0.1:9000/v1"},
                                     {"upstream.models", "gpt-4o"},
                                     {"upstreams.local-vllm.url", "http://10.0.0.5:8000/v1"},
                                     {"upstreams.local-vllm.models", "*"},
                                     {"upstreams.ollama.url", "http://10.0.0.6:11434/v1"},
                                     {"upstreams.ollama.models", "llama3"},
                                     {"upstreams.ollama.retries", "5"}});
        const auto upstreams = readUpstreamConfigs(config);
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), upstreams.size());
        CPPUNIT_ASSERT_EQUAL(std::string("default"), upstreams[0].name);
        std::map<std::string, UpstreamConfig> byName;
        for (const auto& u : upstreams)
            byName[u.name] = u;
        CPPUNIT_ASSERT(byName.at("local-vllm").servesAll);
        CPPUNIT_ASSERT_EQUAL(std::string("upstreams.ollama"), byName.at("ollama").keyPrefix);
        CPPUNIT_ASSERT_EQUAL(5, byName.at("ollama").endpoint.retries);
        CPPUNIT_ASSERT_EQUAL(2, byName.at("local-vllm").endpoint.retries);
        CPPUNIT_ASSERT_EQUAL(std::string("local-vllm"), byName.at("local-vllm").endpoint.name);
        CPPUNIT_ASSERT_EQUAL(std::string("10.0.0.5"), byName.at("local-vllm").endpoint.host);
        // Different upstreams, different pools.
        CPPUNIT_ASSERT(byName.at("ollama").endpoint.identity() != byName.at("local-vllm").endpoint.identity());
        CPPUNIT_ASSERT(config.unreadKeys().empty());
    }

    void testKeyFile()
    {
        portico::test::TempDir dir;
        const auto file = dir.write("upstream.key", "# the staging key\n\n  sk-test-123  \n");
        const auto u = readUpstreamConfigs(section({{"upstream.url", "http://h/v1"}, {"upstream.api_key_file", file}}))
                           .at(0);
        CPPUNIT_ASSERT_EQUAL(std::string("sk-test-123"), u.apiKey);
        CPPUNIT_ASSERT_EQUAL(file, u.apiKeyFile);
    }

    void testKeyFileErrorsNameTheFile()
    {
        portico::test::TempDir dir;
        const std::string missing = dir.file("nope.key");
        std::string error = errorOf({{"upstream.url", "http://h/v1"}, {"upstream.api_key_file", missing}});
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, missing));
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "upstream.api_key_file"));
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "/etc/portico/portico.ini"));

        const auto empty = dir.write("empty.key", "\n# nothing\n");
        error = errorOf({{"upstream.url", "http://h/v1"}, {"upstream.api_key_file", empty}});
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, empty) && contains(error, "no key"));

        const auto two = dir.write("two.key", "sk-a sk-b\n");
        error = errorOf({{"upstreams.x.url", "http://h/v1"}, {"upstreams.x.api_key_file", two}});
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "upstreams.x.api_key_file"));
        // The message names the file, never the key material.
        CPPUNIT_ASSERT_MESSAGE(error, !contains(error, "sk-a"));
    }

    void testUnknownKeys()
    {
        std::string error = errorOf({{"upstream.url", "http://h/v1"}, {"upstream.api_key", "sk-x"}});
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "upstream.api_key:") && contains(error, "unknown key"));
        error = errorOf({{"upstreams.a.url", "http://h/v1"}, {"upstreams.a.timeout", "3"}});
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "upstreams.a.timeout"));
        error = errorOf({{"upstreams.bad name.url", "http://h/v1"}});
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "upstream names"));
        error = errorOf({{"upstream.models", "gpt-4o"}});
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "upstream.url") && contains(error, "required"));
    }

    void testBadUrls()
    {
        for (const char* url : {"ftp://h/v1", "127.0.0.1:9000", "http:///v1", "http://h/v1?x=1", "http://u:p@h/v1"})
        {
            const std::string error = errorOf({{"upstream.url", url}});
            CPPUNIT_ASSERT_MESSAGE(std::string(url) + " -> " + error, contains(error, "upstream.url"));
        }
        const std::string error = errorOf({{"upstream.url", "http://h/v1"}, {"upstream.ca_file", "/etc/hosts"}});
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "upstream.ca_file") && contains(error, "https"));
    }

    void testUrlPathStaysEncoded()
    {
        // The path goes into the request line as configured: an escape stays an escape (never
        // a raw CR, LF or space in the request line), and what cannot be sent is refused with
        // the key named.
        auto u = readUpstreamConfigs(section({{"upstream.url", "http://h/api%20x/v1%0D%0AX-Injected:%201"}})).at(0);
        CPPUNIT_ASSERT_EQUAL(std::string("/api%20x/v1%0D%0AX-Injected:%201"), u.basePath);
        CPPUNIT_ASSERT_EQUAL(std::string("/api%20x/v1%0D%0AX-Injected:%201/chat/completions"),
                             upstreamTarget(u, "/chat/completions"));
        u = readUpstreamConfigs(section({{"upstream.url", "https://h:8443/openai/v1/"}})).at(0);
        CPPUNIT_ASSERT_EQUAL(std::string("/openai/v1"), u.basePath);
        u = readUpstreamConfigs(section({{"upstream.url", "http://h"}})).at(0);
        CPPUNIT_ASSERT_EQUAL(std::string(""), u.basePath);
        u = readUpstreamConfigs(section({{"upstream.url", "http://[::1]:9000/v1"}})).at(0);
        CPPUNIT_ASSERT_EQUAL(std::string("/v1"), u.basePath);
        for (const char* url : {"http://h/a b/v1", "http://h/v\t1", "http://h/v1\x7f", "http://h/caf\xc3\xa9/v1",
                                "http://h/v1%", "http://h/v1%2", "http://h/v1%zz", "http://h/v1#"})
        {
            const std::string error = errorOf({{"upstreams.x.url", url}});
            CPPUNIT_ASSERT_MESSAGE(std::string(url) + " -> " + error, contains(error, "upstreams.x.url:"));
            CPPUNIT_ASSERT_MESSAGE(error, error.find_first_of("\t\x7f") == std::string::npos);
        }
        const std::string error = errorOf({{"upstream.url", "http://h/a b/v1"}});
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "upstream.url:") && contains(error, "%20"));
    }

    void testModelsTimeout()
    {
        auto u = readUpstreamConfigs(section({{"upstream.url", "http://h/v1"}})).at(0);
        CPPUNIT_ASSERT_EQUAL(5000LL, static_cast<long long>(u.modelsTimeout.count()));
        const auto config = section({{"upstream.url", "http://h/v1"}, {"upstream.models_timeout_ms", "250"}});
        u = readUpstreamConfigs(config).at(0);
        CPPUNIT_ASSERT_EQUAL(250LL, static_cast<long long>(u.modelsTimeout.count()));
        CPPUNIT_ASSERT(config.unreadKeys().empty());
        for (const char* value : {"0", "-5", "600001", "soon", ""})
        {
            const std::string error =
                errorOf({{"upstreams.b.url", "http://b/v1"}, {"upstreams.b.models_timeout_ms", value}});
            CPPUNIT_ASSERT_MESSAGE(std::string(value) + " -> " + error, contains(error, "upstreams.b.models_timeout_ms"));
        }
    }

    void testOverlaps()
    {
        std::string error = errorOf({{"upstream.url", "http://a/v1"}, {"upstreams.b.url", "http://b/v1"}});
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "upstreams.b.models") && contains(error, "'*'"));
        error = errorOf({{"upstream.url", "http://a/v1"},
                         {"upstream.models", "gpt-4o, o3"},
                         {"upstreams.b.url", "http://b/v1"},
                         {"upstreams.b.models", "o3"}});
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "upstreams.b.models") && contains(error, "'o3'"));
    }

    void testRangeErrors()
    {
        const std::string error = errorOf({{"upstream.url", "http://a/v1"}, {"upstream.retries", "-1"}});
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "upstream.retries"));
        const std::string error2 = errorOf({{"upstream.url", "http://a/v1"}, {"upstream.read_timeout_ms", "soon"}});
        CPPUNIT_ASSERT_MESSAGE(error2, contains(error2, "upstream.read_timeout_ms"));
    }

    void testAnswerCapKeys()
    {
        // Each bad value is named by its key (and the file), for the unnamed and named blocks.
        for (const char* field : {"max_body_bytes", "max_event_bytes"})
        {
            for (const char* value : {"0", "-1", "-1048576", "lots", "1MiB", "1.5", ""})
            {
                std::string error = errorOf({{"upstream.url", "http://a/v1"}, {std::string("upstream.") + field, value}});
                CPPUNIT_ASSERT_MESSAGE(std::string(field) + "=" + value + " -> " + error,
                                       contains(error, std::string("upstream.") + field + ":") &&
                                           contains(error, "/etc/portico/portico.ini"));
                error = errorOf({{"upstreams.b.url", "http://b/v1"}, {std::string("upstreams.b.") + field, value}});
                CPPUNIT_ASSERT_MESSAGE(error, contains(error, std::string("upstreams.b.") + field));
            }
        }
        // Past the ceilings: 16 GiB for a body (as server.max_body_bytes), 1 GiB for an event.
        std::string error = errorOf({{"upstream.url", "http://a/v1"}, {"upstream.max_body_bytes", "17179869185"}});
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "upstream.max_body_bytes") && contains(error, "between 1 and"));
        error = errorOf({{"upstream.url", "http://a/v1"}, {"upstream.max_event_bytes", "1073741825"}});
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "upstream.max_event_bytes") && contains(error, "between 1 and"));
        // The smallest and largest values are taken, per block.
        const auto upstreams = readUpstreamConfigs(section({{"upstream.url", "http://a/v1"},
                                                            {"upstream.models", "a"},
                                                            {"upstream.max_body_bytes", "1"},
                                                            {"upstream.max_event_bytes", "1073741824"},
                                                            {"upstreams.b.url", "http://b/v1"},
                                                            {"upstreams.b.max_body_bytes", "17179869184"}}));
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), upstreams.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), upstreams[0].maxBodyBytes);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1) << 30, upstreams[0].maxEventBytes);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1) << 34, upstreams[1].maxBodyBytes);
        CPPUNIT_ASSERT_EQUAL(DefaultMaxEventBytes, upstreams[1].maxEventBytes);
    }

    void testTarget()
    {
        UpstreamConfig u;
        u.basePath = "/v1";
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/chat/completions"), upstreamTarget(u, "/chat/completions"));
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/chat/completions"), upstreamTarget(u, "/v1/chat/completions"));
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/models/x"), upstreamTarget(u, "models/x"));
        u.basePath = "/openai/v1";
        CPPUNIT_ASSERT_EQUAL(std::string("/openai/v1/responses"), upstreamTarget(u, "/v1/responses"));
        u.basePath = "";
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/embeddings"), upstreamTarget(u, "/v1/embeddings"));
        CPPUNIT_ASSERT_EQUAL(std::string("/embeddings"), upstreamTarget(u, "/embeddings"));
    }

    void testForwardedRequest()
    {
        UpstreamConfig u;
        u.basePath = "/v1";
        u.apiKey = "sk-upstream";
        u.maxBodyBytes = 1234;
        portico::HeaderList headers{{"Content-Type", "application/json; charset=utf-8"},
                                    {"Authorization", "Bearer client"},
                                    {"Cookie", "a=1"},
                                    {"OpenAI-Organization", "org"},
                                    {"OpenAI-Beta", "assistants=v2"},
                                    {"Idempotency-Key", "k1"},
                                    {"User-Agent", "sdk"},
                                    {"traceparent", "00-11111111111111111111111111111111-2222222222222222-01"},
                                    {"tracestate", "a=b"}};
        portico::Exchange exchange("POST", "/v1/chat/completions", headers, "{\"model\":\"m\"}", "127.0.0.1:1");
        exchange.set(portico::attr::TraceparentOut, "00-33333333333333333333333333333333-4444444444444444-01");

        auto request = forwardedRequest(exchange, u, "/chat/completions", false);
        CPPUNIT_ASSERT_EQUAL(std::string("POST"), request.method);
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/chat/completions"), request.target);
        CPPUNIT_ASSERT_EQUAL(exchange.body(), request.body);
        CPPUNIT_ASSERT(request.retryBusy);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1234), request.maxBodyBytes);
        const auto& sent = request.headers;
        CPPUNIT_ASSERT_EQUAL(std::string("Bearer sk-upstream"), sent.get("Authorization"));
        CPPUNIT_ASSERT_EQUAL(std::string("application/json; charset=utf-8"), sent.get("Content-Type"));
        CPPUNIT_ASSERT_EQUAL(std::string("application/json"), sent.get("Accept"));
        CPPUNIT_ASSERT_EQUAL(std::string("identity"), sent.get("Accept-Encoding"));
        CPPUNIT_ASSERT_EQUAL(std::string("00-33333333333333333333333333333333-4444444444444444-01"),
                             sent.get("traceparent"));
        CPPUNIT_ASSERT_EQUAL(std::string("a=b"), sent.get("tracestate"));
        CPPUNIT_ASSERT_EQUAL(std::string("assistants=v2"), sent.get("OpenAI-Beta"));
        CPPUNIT_ASSERT_EQUAL(std::string("k1"), sent.get("Idempotency-Key"));
        CPPUNIT_ASSERT_EQUAL(std::string("sdk"), sent.get("User-Agent"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(9), sent.size()); // no Cookie, no OpenAI-Organization, one of each
        for (const char* theirs : {"Host", "Content-Length", "Connection"})
            CPPUNIT_ASSERT(!sent.has(theirs)); // the core client's

        // A stream: no busy retry, no body cap (the relay caps events), and without tracing
        // the client's traceparent; without a key no Authorization.
        u.apiKey.clear();
        portico::Exchange plain("POST", "/v1/responses", {{"traceparent", "00-1-2-01"}}, "{}", "127.0.0.1:1");
        request = forwardedRequest(plain, u, "/v1/responses", true);
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/responses"), request.target);
        CPPUNIT_ASSERT(!request.retryBusy);
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), request.maxBodyBytes);
        CPPUNIT_ASSERT_EQUAL(std::string("text/event-stream"), request.headers.get("Accept"));
        CPPUNIT_ASSERT_EQUAL(std::string("application/json"), request.headers.get("Content-Type"));
        CPPUNIT_ASSERT_EQUAL(std::string("00-1-2-01"), request.headers.get("traceparent"));
        CPPUNIT_ASSERT(!request.headers.has("Authorization"));

        const auto models = modelsRequest(u);
        CPPUNIT_ASSERT_EQUAL(std::string("GET"), models.method);
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/models"), models.target);
        CPPUNIT_ASSERT(models.body.empty());
    }

    void testAnthropicType()
    {
        auto u = readUpstreamConfigs(section({{"upstream.url", "http://h/v1"}})).at(0);
        CPPUNIT_ASSERT(!u.anthropic());
        const auto config = section({{"upstreams.claude.url", "https://api.anthropic.com/v1"},
                                     {"upstreams.claude.type", "Anthropic"},
                                     {"upstreams.claude.anthropic_version", "2024-01-01"},
                                     {"upstreams.claude.default_max_tokens", "1000"}});
        u = readUpstreamConfigs(config).at(0);
        CPPUNIT_ASSERT(u.anthropic());
        CPPUNIT_ASSERT_EQUAL(std::string("2024-01-01"), u.anthropicVersion);
        CPPUNIT_ASSERT_EQUAL(1000LL, u.defaultMaxTokens);
        CPPUNIT_ASSERT(config.unreadKeys().empty());
        u = readUpstreamConfigs(section({{"upstream.url", "http://h/v1"}, {"upstream.type", "anthropic"}})).at(0);
        CPPUNIT_ASSERT_EQUAL(std::string("2023-06-01"), u.anthropicVersion);
        CPPUNIT_ASSERT_EQUAL(4096LL, u.defaultMaxTokens);

        std::string error = errorOf({{"upstream.url", "http://h/v1"}, {"upstream.type", "gemini"}});
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "upstream.type") && contains(error, "gemini"));
        error = errorOf({{"upstream.url", "http://h/v1"}, {"upstream.anthropic_version", "2023-06-01"}});
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "upstream.anthropic_version") && contains(error, "anthropic"));
        error = errorOf({{"upstream.url", "http://h/v1"}, {"upstream.type", "anthropic"},
                         {"upstream.anthropic_version", "2023 06 01\r\nX: y"}});
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "upstream.anthropic_version"));
        error = errorOf({{"upstream.url", "http://h/v1"}, {"upstream.type", "anthropic"}, {"upstream.default_max_tokens", "0"}});
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "upstream.default_max_tokens"));

        // Its key as x-api-key with the version; anthropic-beta passed on, OpenAI-Beta not.
        u.apiKey = "sk-ant";
        portico::Exchange exchange("POST", "/v1/chat/completions",
                                   {{"Authorization", "Bearer client"}, {"anthropic-beta", "tools-2024"}, {"OpenAI-Beta", "x"}},
                                   "{}", "127.0.0.1:1");
        const auto request = forwardedRequest(exchange, u, "/messages", true, nullptr);
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/messages"), request.target);
        CPPUNIT_ASSERT_EQUAL(std::string("sk-ant"), request.headers.get("x-api-key"));
        CPPUNIT_ASSERT_EQUAL(std::string("2023-06-01"), request.headers.get("anthropic-version"));
        CPPUNIT_ASSERT_EQUAL(std::string("tools-2024"), request.headers.get("anthropic-beta"));
        CPPUNIT_ASSERT(!request.headers.has("Authorization"));
        CPPUNIT_ASSERT(!request.headers.has("OpenAI-Beta"));
        const auto models = modelsRequest(u);
        CPPUNIT_ASSERT_EQUAL(std::string("sk-ant"), models.headers.get("x-api-key"));
        CPPUNIT_ASSERT(!models.headers.has("Authorization"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(UpstreamConfigTest);
