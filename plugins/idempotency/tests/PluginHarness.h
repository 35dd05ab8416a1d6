#pragma once
// Drives the idempotency plugin through a real Chain, ChainRunner and ExchangeRun without a socket: a
// PluginContext over an in-memory config, a chain of [principal-from-header hook, idempotency,
// optional inner hook] with test routes, and a run() that returns what the client would get.

#include "IdempotencyPlugin.h"
#include "MemorySink.h"
#include "http/Chain.h"
#include "portico/PluginContext.h"
#include "prometheus/registry.h"
#include <atomic>
#include <map>
#include <memory>
#include <string>

namespace portico::idempotency::test {

/// [idempotency] keys (without the prefix) and their values.
using Settings = std::map<std::string, std::string>;

/// A PluginContext for unit tests: `values` are the [idempotency] keys without the prefix.
class TestContext : public PluginContext
{
public:
    explicit TestContext(const std::map<std::string, std::string>& values, prometheus::Registry& registry);

    const PluginConfig& config() const override { return config_; }
    void addRoute(Route route) override { routes.push_back(std::move(route)); }
    Poco::Logger& logger() const override;
    prometheus::Registry& metrics() const override { return registry_; }
    bool reloading() const override { return false; }
    void addLogFilter(std::shared_ptr<const LogFilter>) override {}
    std::shared_ptr<UpstreamClient> upstream(const UpstreamEndpoint&) override
    {
        throw std::logic_error("the idempotency plugin makes no upstream calls");
    }

    std::vector<Route> routes;

protected:
    std::uint32_t allocateStateSlot() override { return slots_++; }

private:
    std::uint32_t slots_ = 0;
    PluginConfig config_;
    prometheus::Registry& registry_;
};

/// What a run through the chain produced.
struct RunResult
{
    int status = 0;
    HeaderList headers;
    std::string contentType;
    std::string body; ///< the bytes the client received (all chunks of a stream)
    bool streamed = false;
    Outcome outcome = Outcome::Completed;

    std::string header(const std::string& name) const { return headers.get(name, ""); }
};

/// A chain with the idempotency plugin and counting test routes:
///   POST /v1/work        answers {"n":<execution number>,"body":<request body>} (200, or the
///                        status in header X-Status) after X-Sleep-Ms milliseconds
///   POST /v1/stream      streams X-Events SSE events (default 3) of X-Event-Bytes bytes each
///   POST /v1/throw       throws
///   POST /v1/nested      runs the request given in X-Nested-Key (POST /v1/work with the same
///                        body) through the chain from inside its handler and answers with that
///                        inner answer's status: how a 409 is observed deterministically
///   POST /v1/uncovered   like /v1/work but not in idempotency.routes
/// Hook before idempotency: X-Principal sets the principal attribute.
/// Hook after idempotency: X-Deny answers 429 (stands for ratelimit or auth placed inside).
class Harness
{
public:
    /// `values`: [idempotency] keys; routes default to the test routes above.
    explicit Harness(Settings values = {});
    ~Harness();

    RunResult run(const std::string& path, const std::string& body,
                  const std::map<std::string, std::string>& headers = {}, int failAfterChunks = -1,
                  bool failWholeSend = false);

    IdempotencyPlugin& plugin() { return *plugin_; }
    prometheus::Registry& registry() { return *registry_; }
    int executions() const { return executions_.load(); }
    /// A counter's value in the registry (0 when absent); `label` filters on reason=.
    double counter(const std::string& name, const std::string& reason = "") const;

private:
    std::shared_ptr<prometheus::Registry> registry_;
    std::shared_ptr<Chain> chain_;
    IdempotencyPlugin* plugin_ = nullptr;
    std::atomic<int> executions_{0};
};

/// A key no other test uses (the memory store is process-wide, as in porticod).
std::string uniqueKey(const std::string& prefix = "k");

} // namespace portico::idempotency::test
