// The security plugin in a real chain: its headers on every kind of answer (handler 200, a
// stream, the core's 404/405/413/500, another plugin's short-circuit), configured values and
// switched-off headers, and a header the handler set is kept.

#include "ChainHarness.h"
#include "api/ExchangeControl.h"
#include "RecordingPlugin.h"
#include "SecurityPlugin.h"
#include "TestPluginContext.h"
#include "Poco/String.h"
#include <cppunit/extensions/HelperMacros.h>
#include <stdexcept>

using portico::Exchange;
using portico::Response;
using portico::test::ChainHarness;
using portico::test::Journal;
using portico::test::RecordingPlugin;
using portico::test::TestPluginContext;

namespace {

const std::vector<std::pair<std::string, std::string>> defaults = {
    {"Strict-Transport-Security", "max-age=31536000; includeSubDomains"},
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "no-referrer"},
    {"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"},
};

void assertDefaultHeaders(const Response& head)
{
    for (const auto& [name, value] : defaults)
        CPPUNIT_ASSERT_EQUAL_MESSAGE(name + " on " + std::to_string(head.status), value, head.headers.get(name, "(missing)"));
}

} // namespace

class SecurityPluginTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(SecurityPluginTest);
    CPPUNIT_TEST(testAllFiveHeadersOnA200);
    CPPUNIT_TEST(testHeadersOnCoreAnswers);
    CPPUNIT_TEST(testHeadersOnAThrowingHandler);
    CPPUNIT_TEST(testHeadersOnAShortCircuitFurtherIn);
    CPPUNIT_TEST(testHeadersOnAStream);
    CPPUNIT_TEST(testConfiguredValue);
    CPPUNIT_TEST(testDisabledHeaderIsDropped);
    CPPUNIT_TEST(testHeaderSetByTheHandlerIsKept);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override { build(""); }
    void tearDown() override { harness_.reset(); }

    void testAllFiveHeadersOnA200()
    {
        auto result = harness_->request("GET", "/ok");
        CPPUNIT_ASSERT_EQUAL(200, result->head().status);
        assertDefaultHeaders(result->head());
        CPPUNIT_ASSERT_EQUAL(std::string("{}"), result->sink.body);
    }

    void testHeadersOnCoreAnswers()
    {
        auto notFound = harness_->request("GET", "/missing");
        CPPUNIT_ASSERT_EQUAL(404, notFound->head().status);
        assertDefaultHeaders(notFound->head());
        auto notAllowed = harness_->request("DELETE", "/ok");
        CPPUNIT_ASSERT_EQUAL(405, notAllowed->head().status);
        assertDefaultHeaders(notAllowed->head());
        auto exchange = portico::test::makeExchange("POST", "/ok");
        portico::ExchangeControl::markBodyTooLarge(*exchange);
        portico::test::MemorySink sink;
        harness_->run(exchange, sink);
        CPPUNIT_ASSERT_EQUAL(413, sink.sentHead.status);
        assertDefaultHeaders(sink.sentHead);
    }

    void testHeadersOnAThrowingHandler()
    {
        auto result = harness_->request("GET", "/throw");
        CPPUNIT_ASSERT_EQUAL(500, result->head().status);
        assertDefaultHeaders(result->head());
    }

    void testHeadersOnAShortCircuitFurtherIn()
    {
        auto result = harness_->request("GET", "/ok", {{"Authorization", "none"}});
        CPPUNIT_ASSERT_EQUAL(401, result->head().status);
        assertDefaultHeaders(result->head());
    }

    void testHeadersOnAStream()
    {
        auto result = harness_->request("GET", "/stream");
        CPPUNIT_ASSERT(result->sink.streamBegun);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), result->sink.chunks.size());
        assertDefaultHeaders(result->head());
    }

    void testConfiguredValue()
    {
        build("[security]\nreferrer_policy = same-origin\n");
        auto result = harness_->request("GET", "/ok");
        CPPUNIT_ASSERT_EQUAL(std::string("same-origin"), result->head().headers.get("Referrer-Policy"));
        CPPUNIT_ASSERT_EQUAL(std::string("DENY"), result->head().headers.get("X-Frame-Options"));
    }

    void testDisabledHeaderIsDropped()
    {
        build("[security]\nstrict_transport_security.enabled = false\n");
        auto result = harness_->request("GET", "/ok");
        CPPUNIT_ASSERT(!result->head().headers.has("Strict-Transport-Security"));
        for (std::size_t i = 1; i < defaults.size(); ++i)
            CPPUNIT_ASSERT_EQUAL(defaults[i].second, result->head().headers.get(defaults[i].first, ""));
    }

    void testHeaderSetByTheHandlerIsKept()
    {
        auto result = harness_->request("GET", "/framed");
        CPPUNIT_ASSERT_EQUAL(std::string("SAMEORIGIN"), result->head().headers.get("X-Frame-Options"));
        // Set once: kept, not doubled.
        int count = 0;
        for (const auto& [name, value] : result->head().headers)
            count += Poco::icompare(name, "X-Frame-Options") == 0 ? 1 : 0;
        CPPUNIT_ASSERT_EQUAL(1, count);
        CPPUNIT_ASSERT_EQUAL(std::string("nosniff"), result->head().headers.get("X-Content-Type-Options"));
    }

private:
    /// security first, then a plugin that answers 401 when an Authorization header is sent.
    void build(const std::string& ini)
    {
        harness_ = std::make_unique<ChainHarness>();
        TestPluginContext context(ini, "security");
        harness_->add("security", std::make_unique<portico::security::SecurityPlugin>(context));
        CPPUNIT_ASSERT(context.config().unreadKeys().empty());
        auto gate = std::make_unique<RecordingPlugin>("gate", journal_);
        gate->answerRequest = [](Exchange& exchange) {
            if (!exchange.requestHeader("Authorization").empty())
                exchange.respondError(401, "Invalid API key.", "invalid_request_error", "invalid_api_key");
        };
        harness_->add("gate", std::move(gate));
        harness_->route("GET", "/ok", [](Exchange& exchange) { exchange.respond(200, "{}"); });
        harness_->route("GET", "/throw", [](Exchange&) { throw std::runtime_error("handler failed"); });
        harness_->route("GET", "/stream", [](Exchange& exchange) { exchange.stream().write("data: 1\n\n"); });
        harness_->route("GET", "/framed", [](Exchange& exchange) {
            exchange.respond(200, "<html></html>", "text/html");
            exchange.response().headers.set("x-frame-options", "SAMEORIGIN");
        });
    }

    std::unique_ptr<ChainHarness> harness_;
    Journal journal_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(SecurityPluginTest);
