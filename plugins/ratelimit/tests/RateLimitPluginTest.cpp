// RateLimitPlugin through a real Chain, ChainRunner and Exchange (in memory): headers on every
// answer of a limited route, the 429's shape, principals, keying, the IETF headers, metrics
// with hashed principals, and buckets that survive a reload.

#include "RateLimitChainFixture.h"
#include "PrincipalLabels.h"
#include "TestAsserts.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"

using namespace portico;
using namespace portico::ratelimit;
using namespace portico::ratelimit::test;

class RateLimitPluginTest : public RateLimitChainFixture
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
    CPPUNIT_TEST(testIetfHeaders);
    CPPUNIT_TEST(testMetricsUseHashedPrincipals);
    CPPUNIT_TEST(testMetricsFamiliesSurviveReregistration);
    CPPUNIT_TEST(testGaugesOfPrincipalsBeyondTheLabelBoundShareOther);
    CPPUNIT_TEST(testBucketsSurviveAReload);
    CPPUNIT_TEST_SUITE_END();

public:
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
        auto anonymous = portico::test::makeExchange("GET", "/v1/other");
        CPPUNIT_ASSERT_EQUAL(std::string("ip:127.0.0.1"), plugin.principalOf(*anonymous));
        anonymous->set(attr::Principal, "carol");
        CPPUNIT_ASSERT_EQUAL(std::string("carol"), plugin.principalOf(*anonymous));
        CPPUNIT_ASSERT_EQUAL(200, get("/v1/other")->head().status);
        CPPUNIT_ASSERT_EQUAL(429, get("/v1/other")->head().status);

        build("burst = 1\nanonymous = shared\n");
        RateLimitPlugin& shared = static_cast<RateLimitPlugin&>(*harness_->chain().links()[1].plugin);
        CPPUNIT_ASSERT_EQUAL(std::string("anonymous"), shared.principalOf(*portico::test::makeExchange("GET", "/")));

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

    // Past metrics.max_principals, principals share the label "other": its gauges show the
    // latest sampled decision of any of them, however often each is seen again.
    void testGaugesOfPrincipalsBeyondTheLabelBoundShareOther()
    {
        build("burst = 5\nrequests_per_second = 0.000001\nmetrics.max_principals = 1\n");
        get("/v1/other", "alice");
        for (int i = 0; i < 3; ++i)
            get("/v1/other", "gauge-test-bob");
        get("/v1/other", "gauge-test-carol");
        const std::string other = "portico_ratelimit_remaining_requests{principal=\"other\",route=\"/v1/other\"} ";
        PORTICO_ASSERT_CONTAINS(metricsText(context_->metrics()), other + "4");
        get("/v1/other", "gauge-test-bob");
        PORTICO_ASSERT_CONTAINS(metricsText(context_->metrics()), other + "1");
        get("/v1/other", "gauge-test-carol");
        PORTICO_ASSERT_CONTAINS(metricsText(context_->metrics()), other + "3");
        PORTICO_ASSERT_CONTAINS(metricsText(context_->metrics()),
                                "portico_ratelimit_remaining_requests{principal=\"" + PrincipalLabels::hash8("alice") +
                                    "\",route=\"/v1/other\"} 4");
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
};

CPPUNIT_TEST_SUITE_REGISTRATION(RateLimitPluginTest);
