#pragma once
// The fixture the RateLimitPlugin suites share: a real Chain (a principal-setting plugin, then
// ratelimit on a manual-clock memory store) with a few routes, driven through ChainRunner and
// a real Exchange in memory.

#include "ChainHarness.h"
#include "MemoryBucketStore.h"
#include "RateLimitPlugin.h"
#include "TestPluginContext.h"
#include "portico/Attributes.h"
#include <cppunit/extensions/HelperMacros.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>

namespace portico::ratelimit::test {

using portico::test::ChainHarness;
using portico::test::TestPluginContext;

/// Sets attr::Principal from X-Principal, as the auth plugin would from a key.
class PrincipalFromHeader : public Plugin
{
public:
    void onRequest(Exchange& exchange) override
    {
        const std::string& principal = exchange.requestHeader("X-Principal");
        if (!principal.empty())
            exchange.set(attr::Principal, principal);
    }
};

inline std::string header(const ChainHarness::Result& result, const std::string& name)
{
    return result.head().headers.get(name, "<absent>");
}

inline std::string metricsText(prometheus::Registry& registry)
{
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, registry.Collect());
    return out.str();
}

/// 56 bytes: 14 + 100 tokens reserved.
inline const std::string ChatBody = R"({"model":"portico-echo","max_tokens":100,"input":"hell"})";

class RateLimitChainFixture : public CppUnit::TestFixture
{
public:
    void setUp() override
    {
        clock_ = std::make_shared<ManualClock>();
        store_ = std::make_shared<MemoryBucketStore>(clock_);
    }

    /// A chain: PrincipalFromHeader, ratelimit (with `ini`), and a few routes.
    void build(const std::string& ini)
    {
        context_ = std::make_unique<TestPluginContext>("[ratelimit]\n" + ini, "ratelimit");
        harness_ = std::make_unique<ChainHarness>();
        harness_->add("principal", std::make_unique<PrincipalFromHeader>());
        harness_->add("ratelimit", std::make_unique<RateLimitPlugin>(*context_, store_));
        harness_->route("GET", "/v1/things/{id}", [](Exchange& e) { e.respond(200, "{\"ok\":true}"); });
        harness_->route("GET", "/v1/other", [](Exchange& e) { e.respond(200, "{\"ok\":true}"); });
        harness_->route("GET", "/healthz", [](Exchange& e) { e.respond(200, "{\"status\":\"ok\"}"); });
        harness_->route("GET", "/v1/throws", [](Exchange&) -> void { throw std::runtime_error("boom (test)"); });
        harness_->route("POST", "/v1/chat", [this](Exchange& e) {
            e.set(attr::UsageInputTokens, std::to_string(inputUsage_));
            e.set(attr::UsageOutputTokens, std::to_string(outputUsage_));
            e.respond(200, "{\"usage\":{}}");
        });
        harness_->route("POST", "/v1/stream", [this](Exchange& e) {
            SseWriter sse(e.stream());
            sse.data("{\"delta\":\"a\"}");
            // Usage arrives with the stream's final event.
            e.set(attr::UsageInputTokens, std::to_string(inputUsage_));
            e.set(attr::UsageOutputTokens, std::to_string(outputUsage_));
            sse.data("{\"usage\":{}}");
        });
        harness_->route("POST", "/v1/fails", [](Exchange& e) { e.respondError(502, "upstream down", "server_error", "bad_gateway"); });
    }

    std::unique_ptr<ChainHarness::Result> get(const std::string& path, const std::string& principal = "")
    {
        std::map<std::string, std::string> headers;
        if (!principal.empty())
            headers["X-Principal"] = principal;
        return harness_->request("GET", path, headers);
    }

    std::unique_ptr<ChainHarness::Result> post(const std::string& path, const std::string& principal,
                                               const std::string& body = ChatBody)
    {
        return harness_->request("POST", path, {{"X-Principal", principal}}, body);
    }

protected:
    std::shared_ptr<ManualClock> clock_;
    std::shared_ptr<MemoryBucketStore> store_;
    std::unique_ptr<TestPluginContext> context_;
    std::unique_ptr<ChainHarness> harness_;
    long long inputUsage_ = 0;
    long long outputUsage_ = 0;
};

} // namespace portico::ratelimit::test
