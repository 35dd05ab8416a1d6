// OpenAiMetrics' model label: only names the configuration knows (and catalog patterns) become
// label values; whatever else a client sends counts as "other", so the series stay bounded.

#include "OpenAiMetrics.h"
#include "prometheus/registry.h"
#include <cppunit/extensions/HelperMacros.h>
#include <map>
#include <set>

using portico::openai::OpenAiMetrics;

namespace {

/// value of every series of `family`, by its "model" label (and "kind" when it has one).
std::map<std::string, double> series(prometheus::Registry& registry, const std::string& family,
                                     const std::string& kind = "")
{
    std::map<std::string, double> values;
    for (const auto& collected : registry.Collect())
    {
        if (collected.name != family)
            continue;
        for (const auto& metric : collected.metric)
        {
            std::string model;
            std::string metricKind;
            for (const auto& label : metric.label)
            {
                if (label.name == "model")
                    model = label.value;
                if (label.name == "kind")
                    metricKind = label.value;
            }
            if (metricKind != kind)
                continue;
            values[model] = collected.type == prometheus::MetricType::Histogram
                                ? static_cast<double>(metric.histogram.sample_count)
                                : metric.counter.value;
        }
    }
    return values;
}

} // namespace

class OpenAiMetricsTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(OpenAiMetricsTest);
    CPPUNIT_TEST(testLabelFor);
    CPPUNIT_TEST(testMadeUpModelsShareOneSeries);
    CPPUNIT_TEST(testFirstTokenLabels);
    CPPUNIT_TEST_SUITE_END();

public:
    void testLabelFor()
    {
        prometheus::Registry registry;
        OpenAiMetrics metrics(registry);
        metrics.setKnownModels({"portico-echo", "gpt-4o", "openai/*", "openai/o*"});
        CPPUNIT_ASSERT_EQUAL(std::string("portico-echo"), metrics.labelFor("portico-echo"));
        CPPUNIT_ASSERT_EQUAL(std::string("gpt-4o"), metrics.labelFor("gpt-4o"));
        CPPUNIT_ASSERT_EQUAL(std::string("other"), metrics.labelFor("gpt-4o-mini"));
        CPPUNIT_ASSERT_EQUAL(std::string("other"), metrics.labelFor(""));
        // The longest pattern that matches.
        CPPUNIT_ASSERT_EQUAL(std::string("openai/*"), metrics.labelFor("openai/gpt-4.1"));
        CPPUNIT_ASSERT_EQUAL(std::string("openai/o*"), metrics.labelFor("openai/o3"));
        CPPUNIT_ASSERT_EQUAL(std::string("other"), metrics.labelFor("openai"));
    }

    void testMadeUpModelsShareOneSeries()
    {
        prometheus::Registry registry;
        OpenAiMetrics metrics(registry);
        metrics.setKnownModels({"portico-echo"});
        metrics.countTokens("portico-echo", 3, 4);
        for (int i = 0; i < 500; ++i)
            metrics.countTokens("made-up-" + std::to_string(i), 1, 2);
        const auto input = series(registry, "portico_tokens_total", "input");
        const auto output = series(registry, "portico_tokens_total", "output");
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), input.size());
        CPPUNIT_ASSERT_EQUAL(3.0, input.at("portico-echo"));
        CPPUNIT_ASSERT_EQUAL(4.0, output.at("portico-echo"));
        CPPUNIT_ASSERT_EQUAL(500.0, input.at("other"));
        CPPUNIT_ASSERT_EQUAL(1000.0, output.at("other"));
    }

    void testFirstTokenLabels()
    {
        prometheus::Registry registry;
        OpenAiMetrics metrics(registry);
        metrics.setKnownModels({"lukhas-response"});
        metrics.observeTimeToFirstToken("lukhas-response", 0.1);
        metrics.observeTimeToFirstToken("anything", 0.1);
        metrics.observeTimeToFirstToken("anything-else", 0.1);
        const auto counts = series(registry, "portico_stream_time_to_first_token_seconds");
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), counts.size());
        CPPUNIT_ASSERT_EQUAL(1.0, counts.at("lukhas-response"));
        CPPUNIT_ASSERT_EQUAL(2.0, counts.at("other"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(OpenAiMetricsTest);
