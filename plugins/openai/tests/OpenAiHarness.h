#pragma once
// The openai plugin in a real in-memory chain for unit tests: built from an INI [openai] section
// by TestPluginContext, its routes in a ChainHarness, requests run through the real
// ChainRunner and ExchangeRun (streams paced on the harness's event loop) into a MemorySink. Plus small readers for JSON answers, SSE streams and metrics.

#include "ChainHarness.h"
#include "OpenAiPlugin.h"
#include "TestPluginContext.h"
#include "Poco/Dynamic/Var.h"
#include "Poco/JSON/Object.h"
#include "prometheus/metric_family.h"
#include <memory>
#include <string>
#include <vector>

namespace portico::openai::test {

using Result = portico::test::ChainHarness::Result;

class OpenAiHarness
{
public:
    /// `sectionBody` holds the lines of the [openai] section ("local.token_delay_ms = 5\n").
    explicit OpenAiHarness(const std::string& sectionBody = "");

    std::unique_ptr<Result> get(const std::string& target);
    std::unique_ptr<Result> post(const std::string& target, const std::string& body);

    /// Runs `result.exchange` through the chain into `result.sink` (set the sink up first).
    void run(Result& result);

    portico::test::TestPluginContext& context() { return context_; }
    portico::test::ChainHarness& chain() { return chain_; }
    OpenAiPlugin& plugin() { return *plugin_; }
    /// The value of one series in the plugin's registry (0 when absent). For a histogram, its
    /// sample count.
    double metric(const std::string& name, const std::map<std::string, std::string>& labels);
    /// The sum of a histogram series (0 when absent).
    double histogramSum(const std::string& name, const std::map<std::string, std::string>& labels);

private:
    const prometheus::ClientMetric* series(const std::string& name, const std::map<std::string, std::string>& labels,
                                           prometheus::MetricType& type);

    std::vector<prometheus::MetricFamily> collected_;
    portico::test::TestPluginContext context_;
    portico::test::ChainHarness chain_;
    OpenAiPlugin* plugin_ = nullptr;
};

/// Parses a JSON object (fails the test when it is not one).
Poco::JSON::Object::Ptr parseObject(const std::string& json);
/// The value at `path` ("output[0].content[0].text") of a parsed object; empty when missing.
Poco::Dynamic::Var at(const Poco::JSON::Object::Ptr& object, const std::string& path);
std::string stringAt(const Poco::JSON::Object::Ptr& object, const std::string& path);
long long intAt(const Poco::JSON::Object::Ptr& object, const std::string& path);

struct SseEvent
{
    std::string event; ///< empty for a bare data: line
    std::string data;
    /// The raw lines of the event (to check that no id: line is sent).
    std::vector<std::string> lines;
};

/// Splits an SSE body into events (separated by blank lines).
std::vector<SseEvent> parseSse(const std::string& body);

/// The error object of an OpenAI error answer; fails unless the body has that shape.
Poco::JSON::Object::Ptr errorOf(const Result& result, int expectedStatus);

} // namespace portico::openai::test
