// The tracing plugin in a real chain: X-Trace-Id / X-Request-Id on every answer, uniqueness,
// an incoming traceparent reused or (malformed) ignored, the trace_id and traceparent_out
// attributes, and its config.

#include "ChainHarness.h"
#include "RecordingPlugin.h"
#include "TestAsserts.h"
#include "TestPluginContext.h"
#include "TracingPlugin.h"
#include "portico/Attributes.h"
#include "portico/Traceparent.h"
#include <cppunit/extensions/HelperMacros.h>
#include <set>
#include <stdexcept>

using portico::Exchange;
using portico::Traceparent;
using portico::test::ChainHarness;
using portico::test::Journal;
using portico::test::RecordingPlugin;
using portico::test::TestPluginContext;

namespace {

const std::string incomingTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
const std::string incomingParent = "00f067aa0ba902b7";

bool isTraceId(const std::string& id)
{
    return id.size() == 32 && id.find_first_not_of("0123456789abcdef") == std::string::npos &&
           id != std::string(32, '0');
}

} // namespace

class TracingPluginTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(TracingPluginTest);
    CPPUNIT_TEST(testTraceIdAndRequestId);
    CPPUNIT_TEST(testIdsAreUnique);
    CPPUNIT_TEST(testIdsOnErrorAnswers);
    CPPUNIT_TEST(testValidTraceparentIsReused);
    CPPUNIT_TEST(testUnsampledTraceparentKeepsItsFlag);
    CPPUNIT_TEST(testMalformedTraceparentIsIgnored);
    CPPUNIT_TEST(testTraceparentOutIsWellFormed);
    CPPUNIT_TEST(testAttributesAreVisibleToLaterPlugins);
    CPPUNIT_TEST(testAcceptTraceparentOff);
    CPPUNIT_TEST(testConfiguredHeaderNames);
    CPPUNIT_TEST(testRequestIdSetByTheHandlerIsKept);
    CPPUNIT_TEST(testEmptyTraceHeaderIsRefused);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override { build(""); }
    void tearDown() override { harness_.reset(); }

    void testTraceIdAndRequestId()
    {
        auto result = harness_->request("GET", "/ok");
        const std::string traceId = result->head().headers.get("X-Trace-Id", "");
        CPPUNIT_ASSERT_MESSAGE(traceId, isTraceId(traceId));
        CPPUNIT_ASSERT_EQUAL(traceId, result->head().headers.get("X-Request-Id", ""));
        CPPUNIT_ASSERT_EQUAL(traceId, result->exchange->get(portico::attr::TraceId));
    }

    void testIdsAreUnique()
    {
        std::set<std::string> ids;
        for (int i = 0; i < 500; ++i)
            ids.insert(harness_->request("GET", "/ok")->head().headers.get("X-Trace-Id", ""));
        CPPUNIT_ASSERT_EQUAL(std::size_t(500), ids.size());
    }

    void testIdsOnErrorAnswers()
    {
        for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
                 {"GET", "/missing"}, {"POST", "/ok"}, {"GET", "/throw"}, {"GET", "/ok?deny=1"}})
        {
            auto result = harness_->request(method, path);
            CPPUNIT_ASSERT(result->head().status >= 400);
            const std::string traceId = result->head().headers.get("X-Trace-Id", "");
            CPPUNIT_ASSERT_MESSAGE(method + " " + path + ": " + traceId, isTraceId(traceId));
            CPPUNIT_ASSERT_EQUAL(traceId, result->head().headers.get("X-Request-Id", ""));
        }
    }

    void testValidTraceparentIsReused()
    {
        auto result = harness_->request("GET", "/ok", {{"traceparent", "00-" + incomingTrace + "-" + incomingParent + "-01"}});
        CPPUNIT_ASSERT_EQUAL(incomingTrace, result->head().headers.get("X-Trace-Id", ""));
        CPPUNIT_ASSERT_EQUAL(incomingTrace, result->head().headers.get("X-Request-Id", ""));
        const auto out = Traceparent::parse(result->exchange->get(portico::attr::TraceparentOut));
        CPPUNIT_ASSERT(out.has_value());
        CPPUNIT_ASSERT_EQUAL(incomingTrace, out->traceId);
        // Portico is a new span under the caller's: a parent id of its own.
        CPPUNIT_ASSERT(out->parentId != incomingParent);
        CPPUNIT_ASSERT(out->sampled);
    }

    void testUnsampledTraceparentKeepsItsFlag()
    {
        auto result = harness_->request("GET", "/ok", {{"Traceparent", "00-" + incomingTrace + "-" + incomingParent + "-00"}});
        CPPUNIT_ASSERT_EQUAL(incomingTrace, result->head().headers.get("X-Trace-Id", ""));
        const std::string out = result->exchange->get(portico::attr::TraceparentOut);
        CPPUNIT_ASSERT_EQUAL(std::string("-00"), out.substr(out.size() - 3));
    }

    void testMalformedTraceparentIsIgnored()
    {
        const std::string upper = "4BF92F3577B34DA6A3CE929D0E0E4736";
        for (const std::string& header : {"00-" + upper + "-" + incomingParent + "-01",
                                          "00-" + std::string(32, '0') + "-" + incomingParent + "-01",
                                          "ff-" + incomingTrace + "-" + incomingParent + "-01",
                                          "00-" + incomingTrace + "-" + incomingParent, std::string("garbage")})
        {
            auto result = harness_->request("GET", "/ok", {{"traceparent", header}});
            const std::string traceId = result->head().headers.get("X-Trace-Id", "");
            CPPUNIT_ASSERT_MESSAGE(header + " -> " + traceId, isTraceId(traceId));
            CPPUNIT_ASSERT_MESSAGE(header, traceId != incomingTrace);
            CPPUNIT_ASSERT_EQUAL(200, result->head().status);
        }
    }

    void testTraceparentOutIsWellFormed()
    {
        auto result = harness_->request("GET", "/ok");
        const std::string out = result->exchange->get(portico::attr::TraceparentOut);
        CPPUNIT_ASSERT_EQUAL(std::size_t(55), out.size());
        CPPUNIT_ASSERT_EQUAL(std::string("00-"), out.substr(0, 3));
        const auto parsed = Traceparent::parse(out);
        CPPUNIT_ASSERT_MESSAGE(out, parsed.has_value());
        CPPUNIT_ASSERT_EQUAL(result->head().headers.get("X-Trace-Id", ""), parsed->traceId);
        CPPUNIT_ASSERT_EQUAL(parsed->format(), out);
    }

    void testAttributesAreVisibleToLaterPlugins()
    {
        auto result = harness_->request("GET", "/ok");
        CPPUNIT_ASSERT_EQUAL(result->head().headers.get("X-Trace-Id", ""), seenByLaterPlugin_);
    }

    void testAcceptTraceparentOff()
    {
        build("[tracing]\naccept_traceparent = false\n");
        auto result = harness_->request("GET", "/ok", {{"traceparent", "00-" + incomingTrace + "-" + incomingParent + "-01"}});
        const std::string traceId = result->head().headers.get("X-Trace-Id", "");
        CPPUNIT_ASSERT(isTraceId(traceId));
        CPPUNIT_ASSERT(traceId != incomingTrace);
    }

    void testConfiguredHeaderNames()
    {
        build("[tracing]\ntrace_header = X-Correlation-Id\nrequest_id_header =\n");
        auto result = harness_->request("GET", "/ok");
        CPPUNIT_ASSERT(isTraceId(result->head().headers.get("X-Correlation-Id", "")));
        CPPUNIT_ASSERT(!result->head().headers.has("X-Trace-Id"));
        CPPUNIT_ASSERT(!result->head().headers.has("X-Request-Id"));
    }

    void testRequestIdSetByTheHandlerIsKept()
    {
        auto result = harness_->request("GET", "/relayed");
        CPPUNIT_ASSERT_EQUAL(std::string("req_upstream_1"), result->head().headers.get("X-Request-Id", ""));
        CPPUNIT_ASSERT(isTraceId(result->head().headers.get("X-Trace-Id", "")));
    }

    void testEmptyTraceHeaderIsRefused()
    {
        TestPluginContext context("[tracing]\ntrace_header =\n", "tracing");
        const std::string message = portico::test::messageOf([&] { portico::tracing::TracingPlugin plugin(context); });
        PORTICO_ASSERT_CONTAINS(message, "test.ini: [tracing] trace_header:");
    }

private:
    /// tracing first, then a plugin that records the trace id it sees and denies "?deny=1".
    void build(const std::string& ini)
    {
        harness_ = std::make_unique<ChainHarness>();
        TestPluginContext context(ini, "tracing");
        harness_->add("tracing", std::make_unique<portico::tracing::TracingPlugin>(context));
        CPPUNIT_ASSERT(context.config().unreadKeys().empty());
        auto spy = std::make_unique<RecordingPlugin>("spy", journal_);
        spy->answerRequest = [this](Exchange& exchange) {
            seenByLaterPlugin_ = exchange.get(portico::attr::TraceId);
            if (exchange.query() == "deny=1")
                exchange.respondError(429, "Slow down.", "requests", "rate_limit_exceeded");
        };
        harness_->add("spy", std::move(spy));
        harness_->route("GET", "/ok", [](Exchange& exchange) { exchange.respond(200, "{}"); });
        harness_->route("GET", "/throw", [](Exchange&) { throw std::runtime_error("handler failed"); });
        harness_->route("GET", "/relayed", [](Exchange& exchange) {
            exchange.respond(200, "{}");
            exchange.response().headers.set("X-Request-Id", "req_upstream_1");
        });
    }

    std::unique_ptr<ChainHarness> harness_;
    Journal journal_;
    std::string seenByLaterPlugin_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(TracingPluginTest);
