// RateLimitPlugin through a real Chain, ChainRunner and Exchange (in memory): headers on every
// answer of a limited route, the 429's shape, principals, keying, token reservation and
// settlement (buffered and streamed), metrics, and buckets that survive a reload.

#include "ChainHarness.h"
#include "MemoryBucketStore.h"
#include "PrincipalLabels.h"
#include "RateLimitPlugin.h"
#include "TestAsserts.h"
#include "TestPluginContext.h"
#include "portico/Attributes.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include <cppunit/extensions/HelperMacros.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <sstream>

using namespace portico;
using namespace portico::ratelimit;
using portico::test::ChainHarness;
using portico::test::TestPluginContext;

namespace {

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

std::string header(const ChainHarness::Result& result, const std::string& name)
{
    return result.head().headers.get(name, "<absent>");
}

std::string metricsText(prometheus::Registry& registry)
{
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, registry.Collect());
    return out.str();
}

const std::string ChatBody = R"({"model":"portico-echo","max_tokens":100,"input":"hell"})"; // 56 bytes: 14 + 100 reserved

} // namespace

class RateLimitPluginTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(RateLimitPluginTest);
    CPPUNIT_TEST(testHeadersCountDownOnEveryAnswer);
    CPPUNIT_TEST(testRefusalIsAnOpenAi429);
    CPPUNIT_TEST(testRefillAfterRetryAfter);
    CPPUNIT_TEST(testExemptRoutesAreNotLimited);
    CPPUNIT_TEST(testAnswersFromFurtherInCarryTheHeaders);
    CPPUNIT_TEST(testUnmatchedRequestsAreLimitedAsUnmatched);
    CPPUNIT_TEST(testPrincipalsHaveTheirOwnBuckets);
    CPPUNIT_TEST(testAnonymousIsTheClientAddressOrShared);
    CPPUNIT_TEST(testKeyingRouteAndPrincipal);
    CPPUNIT_TEST(testKeyingIp);
    CPPUNIT_TEST(testTokenReservationIsSettledWithRealUsage);
    CPPUNIT_TEST(testStreamSettlesWithItsFinalUsage);
    CPPUNIT_TEST(testFailedAnswerRefundsTheReservation);
    CPPUNIT_TEST(testTokenLimitRefusesWithTypeTokens);
    CPPUNIT_TEST(testRequestTooLargeForTheTokenLimit);
    CPPUNIT_TEST(testIetfHeaders);
    CPPUNIT_TEST(testMetricsUseHashedPrincipals);
    CPPUNIT_TEST(testMetricsFamiliesSurviveReregistration);
    CPPUNIT_TEST(testBucketsSurviveAReload);
    CPPUNIT_TEST_SUITE_END();

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

    void testHeadersCountDownOnEveryAnswer()
    {
        build("burst = 3\nrequests_per_second = 1\n");
        for (int i = 0; i < 3; ++i)
        {
            auto result = get("/v1/things/" + std::to_string(i), "alice");
            CPPUNIT_ASSERT_EQUAL(200, result->head().status);
            CPPUNIT_ASSERT_EQUAL(std::string("3"), header(*result, "x-ratelimit-limit-requests"));
            CPPUNIT_ASSERT_EQUAL(std::to_string(2 - i), header(*result, "x-ratelimit-remaining-requests"));
            CPPUNIT_ASSERT_EQUAL(std::to_string(i + 1) + "s", header(*result, "x-ratelimit-reset-requests"));
            // No token limit configured: no -tokens headers (there are no real values to give).
            CPPUNIT_ASSERT(!result->head().headers.has("x-ratelimit-limit-tokens"));
            CPPUNIT_ASSERT(!result->head().headers.has("Retry-After"));
        }
    }

    void testRefusalIsAnOpenAi429()
    {
        build("burst = 2\nrequests_per_second = 0.25\n");
        bool handlerRan = false;
        harness_->route("GET", "/v1/counted", [&](Exchange& e) {
            handlerRan = true;
            e.respond(200, "{}");
        });
        get("/v1/counted", "alice");
        get("/v1/counted", "alice");
        handlerRan = false;
        auto refused = get("/v1/counted", "alice");
        CPPUNIT_ASSERT(!handlerRan);
        CPPUNIT_ASSERT_EQUAL(429, refused->head().status);
        CPPUNIT_ASSERT(refused->exchange->response().source == AnswerSource::Hook);
        CPPUNIT_ASSERT_EQUAL(std::string("application/json"), refused->head().contentType);
        CPPUNIT_ASSERT_EQUAL(std::string("4"), header(*refused, "Retry-After")); // 1 token at 0.25/s
        CPPUNIT_ASSERT_EQUAL(std::string("0"), header(*refused, "x-ratelimit-remaining-requests"));
        CPPUNIT_ASSERT_EQUAL(std::string("2"), header(*refused, "x-ratelimit-limit-requests"));
        CPPUNIT_ASSERT_EQUAL(std::string("8s"), header(*refused, "x-ratelimit-reset-requests"));

        Poco::JSON::Parser parser;
        const auto error = parser.parse(refused->sink.body).extract<Poco::JSON::Object::Ptr>()->getObject("error");
        CPPUNIT_ASSERT_EQUAL(std::string("requests"), error->getValue<std::string>("type"));
        CPPUNIT_ASSERT_EQUAL(std::string("rate_limit_exceeded"), error->getValue<std::string>("code"));
        CPPUNIT_ASSERT(error->isNull("param"));
        const std::string message = error->getValue<std::string>("message");
        PORTICO_ASSERT_CONTAINS(message, "Rate limit reached for requests");
        PORTICO_ASSERT_CONTAINS(message, "/v1/counted");
        PORTICO_ASSERT_CONTAINS(message, "try again in 4s");
    }

    void testRefillAfterRetryAfter()
    {
        build("burst = 1\nrequests_per_second = 2\n");
        CPPUNIT_ASSERT_EQUAL(200, get("/v1/other", "alice")->head().status);
        auto refused = get("/v1/other", "alice");
        CPPUNIT_ASSERT_EQUAL(429, refused->head().status);
        CPPUNIT_ASSERT_EQUAL(std::string("1"), header(*refused, "Retry-After")); // 0.5 s, rounded up to 1
        CPPUNIT_ASSERT_EQUAL(std::string("500ms"), header(*refused, "x-ratelimit-reset-requests"));
        clock_->advance(std::chrono::milliseconds(500));
        CPPUNIT_ASSERT_EQUAL(200, get("/v1/other", "alice")->head().status);
    }

    void testExemptRoutesAreNotLimited()
    {
        build("burst = 1\n");
        for (int i = 0; i < 5; ++i)
        {
            auto result = get("/healthz", "alice");
            CPPUNIT_ASSERT_EQUAL(200, result->head().status);
            CPPUNIT_ASSERT(!result->head().headers.has("x-ratelimit-limit-requests"));
        }
    }

    void testAnswersFromFurtherInCarryTheHeaders()
    {
        build("burst = 5\n");
        auto failed = get("/v1/throws", "alice");
        CPPUNIT_ASSERT_EQUAL(500, failed->head().status);
        CPPUNIT_ASSERT_EQUAL(std::string("4"), header(*failed, "x-ratelimit-remaining-requests"));
        auto wrongMethod = harness_->request("DELETE", "/v1/other", {{"X-Principal", "alice"}});
        CPPUNIT_ASSERT_EQUAL(405, wrongMethod->head().status);
        CPPUNIT_ASSERT_EQUAL(std::string("4"), header(*wrongMethod, "x-ratelimit-remaining-requests")); // unmatched bucket
    }

    void testUnmatchedRequestsAreLimitedAsUnmatched()
    {
        build("burst = 2\n");
        get("/nowhere/1", "alice");
        get("/nowhere/2", "alice");
        auto refused = get("/elsewhere", "alice");
        CPPUNIT_ASSERT_EQUAL(429, refused->head().status);
        PORTICO_ASSERT_CONTAINS(refused->sink.body, "requests on unmatched");
        PORTICO_ASSERT_CONTAINS(metricsText(context_->metrics()), "route=\"unmatched\"");
    }

    void testPrincipalsHaveTheirOwnBuckets()
    {
        build("burst = 1\noverride.vip.principal = vip\noverride.vip.burst = 3\n");
        CPPUNIT_ASSERT_EQUAL(200, get("/v1/other", "alice")->head().status);
        CPPUNIT_ASSERT_EQUAL(429, get("/v1/other", "alice")->head().status);
        CPPUNIT_ASSERT_EQUAL(200, get("/v1/other", "bob")->head().status);
        for (int i = 0; i < 3; ++i)
            CPPUNIT_ASSERT_EQUAL(200, get("/v1/other", "vip")->head().status);
        CPPUNIT_ASSERT_EQUAL(429, get("/v1/other", "vip")->head().status);
        // route_principal: alice's other routes have their own buckets.
        CPPUNIT_ASSERT_EQUAL(200, get("/v1/things/1", "alice")->head().status);
        // ... and ids do not make new routes: /v1/things/{id} is one bucket.
        CPPUNIT_ASSERT_EQUAL(429, get("/v1/things/2", "alice")->head().status);
    }

    void testAnonymousIsTheClientAddressOrShared()
    {
        build("burst = 1\n");
        RateLimitPlugin& plugin = static_cast<RateLimitPlugin&>(*harness_->chain().links()[1].plugin);
        auto anonymous = test::makeExchange("GET", "/v1/other");
        CPPUNIT_ASSERT_EQUAL(std::string("ip:127.0.0.1"), plugin.principalOf(*anonymous));
        anonymous->set(attr::Principal, "carol");
        CPPUNIT_ASSERT_EQUAL(std::string("carol"), plugin.principalOf(*anonymous));
        CPPUNIT_ASSERT_EQUAL(200, get("/v1/other")->head().status);
        CPPUNIT_ASSERT_EQUAL(429, get("/v1/other")->head().status);

        build("burst = 1\nanonymous = shared\n");
        RateLimitPlugin& shared = static_cast<RateLimitPlugin&>(*harness_->chain().links()[1].plugin);
        CPPUNIT_ASSERT_EQUAL(std::string("anonymous"), shared.principalOf(*test::makeExchange("GET", "/")));

        CPPUNIT_ASSERT_EQUAL(std::string("10.1.2.3"), addressOnly("10.1.2.3:5555"));
        CPPUNIT_ASSERT_EQUAL(std::string("::1"), addressOnly("[::1]:5555"));
    }

    void testKeyingRouteAndPrincipal()
    {
        build("burst = 2\nkeying = route\n");
        CPPUNIT_ASSERT_EQUAL(200, get("/v1/other", "alice")->head().status);
        CPPUNIT_ASSERT_EQUAL(200, get("/v1/other", "bob")->head().status);
        CPPUNIT_ASSERT_EQUAL(429, get("/v1/other", "carol")->head().status); // one bucket for the route
        CPPUNIT_ASSERT_EQUAL(200, get("/v1/things/1", "carol")->head().status);

        store_ = std::make_shared<MemoryBucketStore>(clock_);
        build("burst = 2\nkeying = principal\n");
        CPPUNIT_ASSERT_EQUAL(200, get("/v1/other", "alice")->head().status);
        CPPUNIT_ASSERT_EQUAL(200, get("/v1/things/1", "alice")->head().status);
        CPPUNIT_ASSERT_EQUAL(429, get("/v1/things/2", "alice")->head().status); // one bucket for alice
        CPPUNIT_ASSERT_EQUAL(200, get("/v1/other", "bob")->head().status);
    }

    void testKeyingIp()
    {
        build("burst = 2\nkeying = ip\n");
        CPPUNIT_ASSERT_EQUAL(200, get("/v1/other", "alice")->head().status);
        CPPUNIT_ASSERT_EQUAL(200, get("/v1/things/1", "bob")->head().status);
        CPPUNIT_ASSERT_EQUAL(429, get("/v1/other", "carol")->head().status); // all from 127.0.0.1
    }

    void testTokenReservationIsSettledWithRealUsage()
    {
        build("tokens_per_minute = 1000\n");
        const long long estimate = (static_cast<long long>(ChatBody.size()) + 3) / 4 + 100; // 14 + 100
        inputUsage_ = 12;
        outputUsage_ = 30;
        auto first = post("/v1/chat", "alice");
        CPPUNIT_ASSERT_EQUAL(200, first->head().status);
        CPPUNIT_ASSERT_EQUAL(std::string("1000"), header(*first, "x-ratelimit-limit-tokens"));
        CPPUNIT_ASSERT_EQUAL(std::to_string(1000 - estimate), header(*first, "x-ratelimit-remaining-tokens"));
        // 114 tokens at 1000/60 per second: 6.84 s to refill.
        CPPUNIT_ASSERT_EQUAL(std::string("6.84s"), header(*first, "x-ratelimit-reset-tokens"));
        // The first answer used 42, not 114: the second starts from 958.
        auto second = post("/v1/chat", "alice");
        CPPUNIT_ASSERT_EQUAL(std::to_string(1000 - 42 - estimate), header(*second, "x-ratelimit-remaining-tokens"));
        // A route without a body reserves nothing but still reports the principal's tokens.
        auto plain = get("/v1/other", "alice");
        CPPUNIT_ASSERT_EQUAL(std::to_string(1000 - 42 - 42), header(*plain, "x-ratelimit-remaining-tokens"));
    }

    void testStreamSettlesWithItsFinalUsage()
    {
        build("tokens_per_minute = 1000\n");
        inputUsage_ = 5;
        outputUsage_ = 400; // far more than max_tokens promised
        auto streamed = post("/v1/stream", "alice");
        CPPUNIT_ASSERT(streamed->sink.streamBegun);
        CPPUNIT_ASSERT_EQUAL(std::string("886"), header(*streamed, "x-ratelimit-remaining-tokens"));
        auto after = get("/v1/other", "alice");
        CPPUNIT_ASSERT_EQUAL(std::string("595"), header(*after, "x-ratelimit-remaining-tokens"));
    }

    void testFailedAnswerRefundsTheReservation()
    {
        build("tokens_per_minute = 1000\n");
        auto failed = post("/v1/fails", "alice");
        CPPUNIT_ASSERT_EQUAL(502, failed->head().status);
        CPPUNIT_ASSERT_EQUAL(std::string("886"), header(*failed, "x-ratelimit-remaining-tokens"));
        CPPUNIT_ASSERT_EQUAL(std::string("1000"), header(*get("/v1/other", "alice"), "x-ratelimit-remaining-tokens"));
    }

    void testTokenLimitRefusesWithTypeTokens()
    {
        build("tokens_per_minute = 300\n");
        inputUsage_ = 100;
        outputUsage_ = 100;
        CPPUNIT_ASSERT_EQUAL(200, post("/v1/chat", "alice")->head().status); // 114 reserved, 200 used
        auto refused = post("/v1/chat", "alice");                            // 100 left < 114
        CPPUNIT_ASSERT_EQUAL(429, refused->head().status);
        Poco::JSON::Parser parser;
        const auto error = parser.parse(refused->sink.body).extract<Poco::JSON::Object::Ptr>()->getObject("error");
        CPPUNIT_ASSERT_EQUAL(std::string("tokens"), error->getValue<std::string>("type"));
        CPPUNIT_ASSERT_EQUAL(std::string("rate_limit_exceeded"), error->getValue<std::string>("code"));
        PORTICO_ASSERT_CONTAINS(error->getValue<std::string>("message"), "requested 114");
        CPPUNIT_ASSERT_EQUAL(std::string("100"), header(*refused, "x-ratelimit-remaining-tokens"));
        CPPUNIT_ASSERT_EQUAL(std::string("3"), header(*refused, "Retry-After")); // 14 tokens at 5/s: 2.8 s
        // bob has his own token bucket.
        CPPUNIT_ASSERT_EQUAL(200, post("/v1/chat", "bob")->head().status);
        PORTICO_ASSERT_CONTAINS(metricsText(context_->metrics()), "type=\"tokens\"");
    }

    void testRequestTooLargeForTheTokenLimit()
    {
        build("tokens_per_minute = 50\n");
        auto refused = post("/v1/chat", "alice");
        CPPUNIT_ASSERT_EQUAL(429, refused->head().status);
        PORTICO_ASSERT_CONTAINS(refused->sink.body, "Request too large");
        PORTICO_ASSERT_CONTAINS(refused->sink.body, "\"type\":\"tokens\"");
    }

    void testIetfHeaders()
    {
        build("burst = 10\nrequests_per_second = 5\nietf_headers = true\n");
        auto result = get("/v1/other", "alice");
        CPPUNIT_ASSERT_EQUAL(std::string("\"requests\";q=10;w=2"), header(*result, "RateLimit-Policy"));
        CPPUNIT_ASSERT_EQUAL(std::string("\"requests\";r=9;t=1"), header(*result, "RateLimit"));
        CPPUNIT_ASSERT_EQUAL(std::string("9"), header(*result, "x-ratelimit-remaining-requests"));
    }

    void testMetricsUseHashedPrincipals()
    {
        build("burst = 1\n");
        get("/v1/other", "alice@example.com");
        for (int i = 0; i < 3; ++i)
            get("/v1/other", "alice@example.com");
        const std::string text = metricsText(context_->metrics());
        const std::string hash = PrincipalLabels::hash8("alice@example.com");
        CPPUNIT_ASSERT_EQUAL(std::size_t(8), hash.size());
        PORTICO_ASSERT_CONTAINS(text, "portico_ratelimit_exceeded_total{principal=\"" + hash +
                                          "\",route=\"/v1/other\",type=\"requests\"} 3");
        PORTICO_ASSERT_CONTAINS(text, "portico_ratelimit_remaining_requests{principal=\"" + hash +
                                          "\",route=\"/v1/other\"} 0");
        PORTICO_ASSERT_CONTAINS(text, "portico_ratelimit_limit_requests{principal=\"" + hash +
                                          "\",route=\"/v1/other\"} 1");
        PORTICO_ASSERT_CONTAINS(text, "portico_ratelimit_reset_requests_seconds{principal=\"" + hash);
        PORTICO_ASSERT_NOT_CONTAINS(text, "alice");
    }

    void testMetricsFamiliesSurviveReregistration()
    {
        build("burst = 1\n");
        get("/v1/other", "alice");
        get("/v1/other", "alice");
        // A reload registers the families again in the same registry: prometheus-cpp returns
        // the existing ones, so counting goes on from where it was.
        harness_ = std::make_unique<ChainHarness>();
        harness_->add("principal", std::make_unique<PrincipalFromHeader>());
        harness_->add("ratelimit", std::make_unique<RateLimitPlugin>(*context_, store_));
        harness_->route("GET", "/v1/other", [](Exchange& e) { e.respond(200, "{}"); });
        CPPUNIT_ASSERT_EQUAL(429, get("/v1/other", "alice")->head().status);
        PORTICO_ASSERT_CONTAINS(metricsText(context_->metrics()),
                                "principal=\"" + PrincipalLabels::hash8("alice") +
                                    "\",route=\"/v1/other\",type=\"requests\"} 2");
    }

    void testBucketsSurviveAReload()
    {
        // The default constructor takes the process-wide store of its section.
        const std::string ini = "[ratelimit_reload_test]\nburst = 3\nrequests_per_second = 0.000001\n";
        auto run = [&](int expectedRemaining) {
            TestPluginContext context(ini, "ratelimit_reload_test");
            ChainHarness harness;
            harness.add("ratelimit", std::make_unique<RateLimitPlugin>(context));
            harness.route("GET", "/x", [](Exchange& e) { e.respond(200, "{}"); });
            auto result = harness.request("GET", "/x");
            CPPUNIT_ASSERT_EQUAL(std::to_string(expectedRemaining), header(*result, "x-ratelimit-remaining-requests"));
        };
        run(2);
        run(1); // a new plugin object (a reload) sees the same bucket
        run(0);
    }

private:
    std::shared_ptr<ManualClock> clock_;
    std::shared_ptr<MemoryBucketStore> store_;
    std::unique_ptr<TestPluginContext> context_;
    std::unique_ptr<ChainHarness> harness_;
    long long inputUsage_ = 0;
    long long outputUsage_ = 0;
};

CPPUNIT_TEST_SUITE_REGISTRATION(RateLimitPluginTest);
