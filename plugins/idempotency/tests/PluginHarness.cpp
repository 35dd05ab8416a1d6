#include "PluginHarness.h"
#include "ChainHarness.h"
#include "portico/Attributes.h"
#include "portico/Json.h"
#include "Poco/AutoPtr.h"
#include "Poco/Exception.h"
#include "Poco/Logger.h"
#include "Poco/NumberParser.h"
#include "Poco/Util/MapConfiguration.h"
#include <chrono>
#include <stdexcept>
#include <thread>
#include <unistd.h>

namespace portico::idempotency::test {

namespace {

Poco::AutoPtr<Poco::Util::AbstractConfiguration> makeConfig(const std::map<std::string, std::string>& values)
{
    Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
    for (const auto& [key, value] : values)
        config->setString("idempotency." + key, value);
    return Poco::AutoPtr<Poco::Util::AbstractConfiguration>(config.duplicate());
}

int headerInt(const Exchange& exchange, const std::string& name, int fallback)
{
    const std::string& text = exchange.requestHeader(name);
    return text.empty() ? fallback : Poco::NumberParser::parse(text);
}

/// Sets the principal from X-Principal, as the auth plugin would from an API key.
class PrincipalHook : public Plugin
{
public:
    void onRequest(Exchange& exchange) override
    {
        const std::string& principal = exchange.requestHeader("X-Principal");
        if (!principal.empty())
            exchange.set(attr::Principal, principal);
    }
};

/// Answers 429 when X-Deny is set: a hook placed after idempotency.
class DenyHook : public Plugin
{
public:
    void onRequest(Exchange& exchange) override
    {
        if (!exchange.requestHeader("X-Deny").empty())
            exchange.respondError(429, "denied by the test hook", "requests", "rate_limit_exceeded");
    }
};

/// A sink whose whole-body send fails like a socket whose client went away.
class GoneSink : public portico::test::MemorySink
{
public:
    bool failWhole = false;
    bool sendWhole(const Response& response) override
    {
        if (failWhole)
            return false;
        return MemorySink::sendWhole(response);
    }
};

const char* TestRoutes = "POST /v1/work, POST /v1/stream, POST /v1/throw, POST /v1/nested";

} // namespace

TestContext::TestContext(const std::map<std::string, std::string>& values, prometheus::Registry& registry)
    : config_(makeConfig(values), "idempotency", "test.ini"), registry_(registry)
{
}

Poco::Logger& TestContext::logger() const
{
    return Poco::Logger::get("portico.idempotency");
}

Harness::Harness(Settings values)
    : registry_(std::make_shared<prometheus::Registry>()), chain_(std::make_shared<Chain>())
{
    if (!values.count("routes"))
        values["routes"] = TestRoutes;
    TestContext context(values, *registry_);
    auto plugin = std::make_unique<IdempotencyPlugin>(context);
    const auto unread = context.config().unreadKeys();
    if (!unread.empty())
        throw std::runtime_error("the plugin did not read " + unread.front());
    plugin_ = plugin.get();

    chain_->links().push_back({"principal", "0", "", std::make_unique<PrincipalHook>()});
    chain_->links().push_back({"idempotency", "1", "", std::move(plugin)});
    chain_->links().push_back({"deny", "0", "", std::make_unique<DenyHook>()});

    auto work = [this](Exchange& exchange) {
        const int n = ++executions_;
        std::this_thread::sleep_for(std::chrono::milliseconds(headerInt(exchange, "X-Sleep-Ms", 0)));
        exchange.respond(headerInt(exchange, "X-Status", 200),
                         "{\"n\":" + std::to_string(n) + ",\"body\":" + jsonString(exchange.body()) + "}");
    };
    chain_->routes().add({"POST", "/v1/work", work}, "test");
    chain_->routes().add({"POST", "/v1/uncovered", work}, "test");
    chain_->routes().add({"POST", "/v1/stream",
                          [this](Exchange& exchange) {
                              const int n = ++executions_;
                              const int events = headerInt(exchange, "X-Events", 3);
                              const std::string pad(static_cast<std::size_t>(headerInt(exchange, "X-Event-Bytes", 8)), 'x');
                              SseWriter sse(exchange.stream());
                              for (int i = 0; i < events; ++i)
                                  if (!sse.send("tick", "{\"n\":" + std::to_string(n) + ",\"i\":" + std::to_string(i) +
                                                            ",\"pad\":\"" + pad + "\"}"))
                                      return;
                          }},
                         "test");
    chain_->routes().add({"POST", "/v1/throw",
                          [this](Exchange&) {
                              ++executions_;
                              throw std::runtime_error("handler throws (test)");
                          }},
                         "test");
    chain_->routes().add({"POST", "/v1/nested",
                          [this](Exchange& exchange) {
                              ++executions_;
                              const RunResult inner = run("/v1/nested", exchange.body(),
                                                          {{"Idempotency-Key", exchange.requestHeader("X-Nested-Key")}});
                              exchange.respond(200, "{\"inner_status\":" + std::to_string(inner.status) +
                                                        ",\"inner_retry_after\":" +
                                                        jsonString(inner.header("Retry-After")) + "}");
                          }},
                         "test");
    chain_->start();
}

Harness::~Harness() = default;

RunResult Harness::run(const std::string& path, const std::string& body,
                       const std::map<std::string, std::string>& headers, int failAfterChunks, bool failWholeSend)
{
    HeaderList requestHeaders;
    for (const auto& [name, value] : headers)
        requestHeaders.add(name, value);
    auto exchange = std::make_unique<Exchange>("POST", path, std::move(requestHeaders), body, "127.0.0.1:1");
    GoneSink sink;
    sink.failAfterChunks = failAfterChunks;
    sink.failWhole = failWholeSend;
    RunResult result;
    // Each run has a loop of its own: tests run requests from several threads, and /v1/nested
    // from inside a handler.
    result.outcome = portico::test::runOnOwnLoop(chain_, exchange, sink);
    const Response& head = sink.sentWhole || sink.streamBegun ? sink.sentHead : exchange->response();
    result.status = head.status;
    result.headers = head.headers;
    result.contentType = head.contentType;
    result.streamed = head.streamed;
    result.body = sink.body;
    return result;
}

double Harness::counter(const std::string& name, const std::string& reason) const
{
    double total = 0;
    for (const auto& family : registry_->Collect())
    {
        if (family.name != name)
            continue;
        for (const auto& metric : family.metric)
        {
            bool matches = reason.empty();
            for (const auto& label : metric.label)
                if (label.name == "reason" && label.value == reason)
                    matches = true;
            if (matches)
                total += metric.counter.value;
        }
    }
    return total;
}

std::string uniqueKey(const std::string& prefix)
{
    static std::atomic<unsigned> next{0};
    return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(++next);
}

} // namespace portico::idempotency::test
