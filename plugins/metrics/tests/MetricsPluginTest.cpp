// MetricsPlugin through a real Chain, ChainRunner and Exchange (in memory): the /metrics route
// and its format, the HTTP metrics every request feeds, label normalisation, reloads, config
// errors — plus what prometheus-cpp 1.0 (Debian) does when a family is registered twice, which
// every plugin relies on across reloads.

#include "ChainHarness.h"
#include "MetricsPlugin.h"
#include "MetricsTesting.h"
#include "TestAsserts.h"
#include "TestPluginContext.h"
#include "portico/Version.h"
#include <cppunit/extensions/HelperMacros.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <chrono>
#include <iostream>
#include <stdexcept>
#include <thread>

using namespace portico;
using portico::metrics::MetricsPlugin;
using portico::test::ChainHarness;
using portico::test::messageOf;
using portico::test::TestPluginContext;
namespace mt = portico::metrics::test;

class MetricsPluginTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(MetricsPluginTest);
    CPPUNIT_TEST(testRegistryReturnsExistingFamilies);
    CPPUNIT_TEST(testServesTheExposition);
    CPPUNIT_TEST(testCountsRequestsByRouteMethodStatus);
    CPPUNIT_TEST(testUnmatchedAndUnknownMethodsKeepLabelsBounded);
    CPPUNIT_TEST(testOneRouteManyMethodsAndStatuses);
    CPPUNIT_TEST(testDurationHistogram);
    CPPUNIT_TEST(testInFlight);
    CPPUNIT_TEST(testReloadKeepsCounting);
    CPPUNIT_TEST(testConfig);
    CPPUNIT_TEST(testExpositionPassesPromtool);
    CPPUNIT_TEST_SUITE_END();

public:
    void build(const std::string& ini = "")
    {
        context_ = std::make_unique<TestPluginContext>("[metrics]\n" + ini, "metrics");
        harness_ = std::make_unique<ChainHarness>();
        harness_->add("metrics", std::make_unique<MetricsPlugin>(*context_));
        for (auto& route : context_->routes())
            harness_->route(route.method, route.pattern, route.handler, "metrics");
        harness_->route("GET", "/v1/models/{id}", [](Exchange& e) { e.respond(200, "{}"); });
        harness_->route("POST", "/v1/fail", [](Exchange& e) { e.respondError(400, "bad", "invalid_request_error", "bad"); });
    }

    std::string scrape()
    {
        auto result = harness_->request("GET", "/metrics");
        CPPUNIT_ASSERT_EQUAL(200, result->head().status);
        return result->sink.body;
    }

    void testRegistryReturnsExistingFamilies()
    {
        prometheus::Registry registry;
        auto& first = prometheus::BuildCounter().Name("x_total").Help("one").Register(registry);
        auto& again = prometheus::BuildCounter().Name("x_total").Help("other help").Register(registry);
        CPPUNIT_ASSERT(&first == &again);
        CPPUNIT_ASSERT(&first.Add({{"a", "b"}}) == &again.Add({{"a", "b"}}));
        // Same name, other type: refused.
        CPPUNIT_ASSERT_THROW(prometheus::BuildGauge().Name("x_total").Help("h").Register(registry),
                             std::invalid_argument);
        // A histogram asked for again with other buckets is the existing one.
        auto& histograms = prometheus::BuildHistogram().Name("d_seconds").Help("h").Register(registry);
        auto& h1 = histograms.Add({{"r", "a"}}, prometheus::Histogram::BucketBoundaries{1, 2});
        auto& h2 = histograms.Add({{"r", "a"}}, prometheus::Histogram::BucketBoundaries{1, 2, 3});
        CPPUNIT_ASSERT(&h1 == &h2);
    }

    void testServesTheExposition()
    {
        build();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), context_->routes().size());
        harness_->request("GET", "/v1/models/a"); // a family shows once it has a series
        auto result = harness_->request("GET", "/metrics");
        CPPUNIT_ASSERT_EQUAL(200, result->head().status);
        CPPUNIT_ASSERT_EQUAL(std::string("text/plain; version=0.0.4"), result->head().contentType);
        PORTICO_ASSERT_CONTAINS(result->sink.body, "# TYPE portico_http_requests_total counter");
        PORTICO_ASSERT_CONTAINS(result->sink.body,
                                std::string("portico_build_info{version=\"") + PORTICO_VERSION + "\"} 1");
        // HEAD is served by a GET route.
        CPPUNIT_ASSERT_EQUAL(200, harness_->request("HEAD", "/metrics")->head().status);
    }

    void testCountsRequestsByRouteMethodStatus()
    {
        build();
        harness_->request("GET", "/v1/models/a");
        harness_->request("GET", "/v1/models/b?x=1");
        harness_->request("POST", "/v1/fail");
        const std::string text = scrape();
        CPPUNIT_ASSERT_EQUAL(2.0, mt::sampleValue(text, "portico_http_requests_total{method=\"GET\",route=\"/v1/models/{id}\",status=\"200\"}"));
        CPPUNIT_ASSERT_EQUAL(1.0, mt::sampleValue(text, "portico_http_requests_total{method=\"POST\",route=\"/v1/fail\",status=\"400\"}"));
        PORTICO_ASSERT_NOT_CONTAINS(text, "/v1/models/a");
    }

    void testUnmatchedAndUnknownMethodsKeepLabelsBounded()
    {
        build();
        harness_->request("GET", "/no/such/path/1");
        harness_->request("GET", "/no/such/path/2");
        harness_->request("BREW", "/v1/models/x");
        const std::string text = scrape();
        CPPUNIT_ASSERT_EQUAL(2.0, mt::sampleValue(text, "portico_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"}"));
        CPPUNIT_ASSERT_EQUAL(1.0, mt::sampleValue(text, "portico_http_requests_total{method=\"other\",route=\"unmatched\",status=\"405\"}"));
        PORTICO_ASSERT_NOT_CONTAINS(text, "BREW");
        PORTICO_ASSERT_NOT_CONTAINS(text, "/no/such");
    }

    // The per-route cache keeps each (method, status) of a route apart, and its histogram
    // counts them all.
    void testOneRouteManyMethodsAndStatuses()
    {
        build();
        harness_->route("GET", "/v1/mixed/{status}", [](Exchange& e) {
            e.respond(std::stoi(e.pathParam("status")), "{}");
        });
        harness_->route("DELETE", "/v1/mixed/{status}", [](Exchange& e) { e.respond(204, ""); });
        for (const char* status : {"200", "201", "200", "503", "200"})
            harness_->request("GET", std::string("/v1/mixed/") + status);
        harness_->request("DELETE", "/v1/mixed/1");
        harness_->request("DELETE", "/v1/mixed/2");
        const std::string text = scrape();
        const std::string route = "route=\"/v1/mixed/{status}\"";
        CPPUNIT_ASSERT_EQUAL(3.0, mt::sampleValue(text, "portico_http_requests_total{method=\"GET\"," + route + ",status=\"200\"}"));
        CPPUNIT_ASSERT_EQUAL(1.0, mt::sampleValue(text, "portico_http_requests_total{method=\"GET\"," + route + ",status=\"201\"}"));
        CPPUNIT_ASSERT_EQUAL(1.0, mt::sampleValue(text, "portico_http_requests_total{method=\"GET\"," + route + ",status=\"503\"}"));
        CPPUNIT_ASSERT_EQUAL(2.0, mt::sampleValue(text, "portico_http_requests_total{method=\"DELETE\"," + route + ",status=\"204\"}"));
        CPPUNIT_ASSERT_EQUAL(7.0, mt::sampleValue(text, "portico_http_request_duration_seconds_count{" + route + "}"));
    }

    void testDurationHistogram()
    {
        build("duration_buckets = 0.5, 1, 30\n");
        harness_->route("GET", "/slowish", [](Exchange& e) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            e.respond(200, "{}");
        });
        harness_->request("GET", "/slowish");
        harness_->request("GET", "/slowish");
        const std::string text = scrape();
        CPPUNIT_ASSERT_EQUAL(2.0, mt::sampleValue(text, "portico_http_request_duration_seconds_count{route=\"/slowish\"}"));
        CPPUNIT_ASSERT_EQUAL(2.0, mt::sampleValue(text, "portico_http_request_duration_seconds_bucket{route=\"/slowish\",le=\"0.5\"}"));
        CPPUNIT_ASSERT(mt::sampleValue(text, "portico_http_request_duration_seconds_sum{route=\"/slowish\"}") >= 0.04);
        CPPUNIT_ASSERT_EQUAL(-1.0, mt::sampleValue(text, "portico_http_request_duration_seconds_bucket{route=\"/slowish\",le=\"0.005\"}"));
    }

    void testInFlight()
    {
        build();
        std::string during;
        harness_->route("GET", "/peek", [&](Exchange& e) {
            during = harness_->request("GET", "/metrics")->sink.body;
            e.respond(200, "{}");
        });
        harness_->request("GET", "/peek");
        // While /peek ran, it and the nested /metrics were both inside the chain.
        CPPUNIT_ASSERT_EQUAL(2.0, mt::sampleValue(during, "portico_http_in_flight"));
        CPPUNIT_ASSERT_EQUAL(1.0, mt::sampleValue(scrape(), "portico_http_in_flight")); // the scrape itself
    }

    void testReloadKeepsCounting()
    {
        build();
        harness_->request("GET", "/v1/models/a");
        // A reload creates a new plugin with the same (process-wide) registry.
        auto reloaded = std::make_unique<ChainHarness>();
        reloaded->add("metrics", std::make_unique<MetricsPlugin>(*context_));
        reloaded->route("GET", "/v1/models/{id}", [](Exchange& e) { e.respond(200, "{}"); });
        reloaded->request("GET", "/v1/models/b");
        CPPUNIT_ASSERT_EQUAL(2.0, mt::sampleValue(scrape(), "portico_http_requests_total{method=\"GET\",route=\"/v1/models/{id}\",status=\"200\"}"));
    }

    void testConfig()
    {
        auto errorOf = [](const std::string& ini) {
            return messageOf([&] {
                TestPluginContext context("[metrics]\n" + ini, "metrics");
                MetricsPlugin plugin(context);
            });
        };
        PORTICO_ASSERT_CONTAINS(errorOf("path = metrics"), "[metrics] path");
        PORTICO_ASSERT_CONTAINS(errorOf("path = /m/{x}"), "[metrics] path");
        PORTICO_ASSERT_CONTAINS(errorOf("duration_buckets = 1, 0.5"), "bounds must increase");
        PORTICO_ASSERT_CONTAINS(errorOf("duration_buckets = fast"), "[metrics] duration_buckets");
        PORTICO_ASSERT_CONTAINS(errorOf("duration_buckets = 0"), "[metrics] duration_buckets");
        PORTICO_ASSERT_CONTAINS(errorOf("duration_buckets ="), "at least one");

        build("path = /internal/metrics\n");
        CPPUNIT_ASSERT_EQUAL(std::string("/internal/metrics"), context_->routes().front().pattern);
        CPPUNIT_ASSERT(context_->config().unreadKeys().empty());
        TestPluginContext typo("[metrics]\npaht = /x\n", "metrics");
        MetricsPlugin plugin(typo);
        CPPUNIT_ASSERT_EQUAL(std::string("paht"), typo.config().unreadKeys().front());
    }

    void testExpositionPassesPromtool()
    {
        build();
        harness_->request("GET", "/v1/models/a");
        harness_->request("GET", "/nowhere");
        const std::string text = scrape();
        std::string output;
        bool missing = false;
        CPPUNIT_ASSERT_MESSAGE(output + "\n" + text, mt::promtoolAccepts(text, output, missing));
        if (missing)
            std::cerr << mt::PromtoolMissing << std::endl;
    }

private:
    std::unique_ptr<TestPluginContext> context_;
    std::unique_ptr<ChainHarness> harness_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(MetricsPluginTest);
