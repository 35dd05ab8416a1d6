// RateLimitConfig: defaults, every key, overrides and their resolution, and errors that name
// the file and the key.

#include "RateLimitConfig.h"
#include "TestAsserts.h"
#include "TestPluginContext.h"
#include <cppunit/extensions/HelperMacros.h>

using namespace portico::ratelimit;
using portico::test::messageOf;
using portico::test::TestPluginContext;

namespace {

RateLimitConfig parse(const std::string& body)
{
    TestPluginContext context("[ratelimit]\n" + body, "ratelimit");
    RateLimitConfig config = RateLimitConfig::from(context.config());
    const auto unread = context.config().unreadKeys();
    CPPUNIT_ASSERT_MESSAGE(unread.empty() ? "" : unread.front(), unread.empty());
    return config;
}

std::string errorOf(const std::string& body)
{
    return messageOf([&] { parse(body); });
}

} // namespace

class RateLimitConfigTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(RateLimitConfigTest);
    CPPUNIT_TEST(testDefaults);
    CPPUNIT_TEST(testEveryKey);
    CPPUNIT_TEST(testOverridesResolveFieldByField);
    CPPUNIT_TEST(testTokenLimitsArePerPrincipal);
    CPPUNIT_TEST(testBadValuesNameTheKey);
    CPPUNIT_TEST(testOverrideErrors);
    CPPUNIT_TEST(testOverridesMustFitTheKeying);
    CPPUNIT_TEST(testUnknownKeyIsLeftUnread);
    CPPUNIT_TEST_SUITE_END();

public:
    void testDefaults()
    {
        const RateLimitConfig config = parse("");
        CPPUNIT_ASSERT_EQUAL(20.0, config.requestsPerSecond);
        CPPUNIT_ASSERT_EQUAL(40.0, config.burst);
        CPPUNIT_ASSERT_EQUAL(0.0, config.tokensPerMinute);
        CPPUNIT_ASSERT(!config.anyTokenLimit());
        CPPUNIT_ASSERT(config.keying == Keying::RoutePrincipal);
        CPPUNIT_ASSERT(config.anonymous == Anonymous::ClientAddress);
        CPPUNIT_ASSERT(config.exempt("/healthz") && config.exempt("/readyz") && config.exempt("/metrics"));
        CPPUNIT_ASSERT(!config.exempt("/v1/models"));
        CPPUNIT_ASSERT(!config.ietfHeaders);
        CPPUNIT_ASSERT_EQUAL(std::string("memory"), config.store);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3600) * NanosPerSecond, config.eviction.idleNanos);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1'000'000), config.eviction.maxBuckets);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(10) * NanosPerSecond, config.eviction.sweepIntervalNanos);
        CPPUNIT_ASSERT(config.gauges);
        CPPUNIT_ASSERT_EQUAL(1LL, config.gaugeSampleEvery);
        CPPUNIT_ASSERT_EQUAL(1000LL, config.maxPrincipalLabels);
        const Policy policy = config.policyFor("/v1/models", "alice");
        CPPUNIT_ASSERT(policy.requests == (BucketLimit{40, 20}));
        CPPUNIT_ASSERT(!policy.tokens);
    }

    void testEveryKey()
    {
        const RateLimitConfig config = parse("requests_per_second = 0.5\nburst = 3\ntokens_per_minute = 6000\n"
                                             "keying = principal\nanonymous = shared\n"
                                             "exempt_routes = /healthz, /v1/models\nietf_headers = true\n"
                                             "store = memory\nidle_seconds = 0\nmax_buckets = 5000\n"
                                             "sweep_interval_seconds = 2\nmetrics.gauges = false\n"
                                             "metrics.gauge_sample_every = 10\nmetrics.max_principals = 50\n");
        CPPUNIT_ASSERT(config.keying == Keying::Principal);
        CPPUNIT_ASSERT(config.anonymous == Anonymous::Shared);
        CPPUNIT_ASSERT(config.exempt("/v1/models") && !config.exempt("/metrics"));
        CPPUNIT_ASSERT(config.ietfHeaders);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), config.eviction.idleNanos);
        CPPUNIT_ASSERT_EQUAL(std::size_t(5000), config.eviction.maxBuckets);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2) * NanosPerSecond, config.eviction.sweepIntervalNanos);
        CPPUNIT_ASSERT(!config.gauges);
        CPPUNIT_ASSERT_EQUAL(10LL, config.gaugeSampleEvery);
        CPPUNIT_ASSERT_EQUAL(50LL, config.maxPrincipalLabels);
        const Policy policy = config.policyFor("/v1/chat/completions", "bob");
        CPPUNIT_ASSERT(policy.requests == (BucketLimit{3, 0.5}));
        CPPUNIT_ASSERT(policy.tokens && *policy.tokens == (BucketLimit{6000, 100}));
        CPPUNIT_ASSERT(parse("keying = route").keying == Keying::Route);
        CPPUNIT_ASSERT(parse("keying = ip").keying == Keying::Ip);
        CPPUNIT_ASSERT(parse("exempt_routes =").exemptRoutes.empty());
    }

    void testOverridesResolveFieldByField()
    {
        const RateLimitConfig config = parse("requests_per_second = 10\nburst = 20\n"
                                             "override.chat.route = /v1/chat/completions\n"
                                             "override.chat.requests_per_second = 2\n"
                                             "override.chat.burst = 4\n"
                                             "override.batch.principal = batch-job\n"
                                             "override.batch.burst = 100\n"
                                             "override.batchchat.route = /v1/chat/completions\n"
                                             "override.batchchat.principal = batch-job\n"
                                             "override.batchchat.requests_per_second = 50\n");
        CPPUNIT_ASSERT(config.policyFor("/v1/models", "alice").requests == (BucketLimit{20, 10}));
        CPPUNIT_ASSERT(config.policyFor("/v1/chat/completions", "alice").requests == (BucketLimit{4, 2}));
        CPPUNIT_ASSERT(config.policyFor("/v1/models", "batch-job").requests == (BucketLimit{100, 10}));
        // Pair sets the rate; principal (over route) sets the burst.
        CPPUNIT_ASSERT(config.policyFor("/v1/chat/completions", "batch-job").requests == (BucketLimit{100, 50}));
    }

    void testTokenLimitsArePerPrincipal()
    {
        const RateLimitConfig config = parse("tokens_per_minute = 1000\n"
                                             "override.big.principal = big\noverride.big.tokens_per_minute = 90000\n"
                                             "override.free.principal = free\noverride.free.tokens_per_minute = 0\n");
        CPPUNIT_ASSERT(*config.policyFor("/v1/responses", "alice").tokens == (BucketLimit{1000, 1000.0 / 60}));
        CPPUNIT_ASSERT(*config.policyFor("/v1/responses", "big").tokens == (BucketLimit{90000, 1500}));
        CPPUNIT_ASSERT(!config.policyFor("/v1/responses", "free").tokens);
        CPPUNIT_ASSERT(config.anyTokenLimit());
        // Only an override gives a token limit: it still counts; an override of 0 alone does not.
        CPPUNIT_ASSERT(parse("override.big.principal = big\noverride.big.tokens_per_minute = 60\n").anyTokenLimit());
        CPPUNIT_ASSERT(!parse("override.free.principal = free\noverride.free.tokens_per_minute = 0\n").anyTokenLimit());
        const std::string error = errorOf("override.x.route = /v1/responses\noverride.x.tokens_per_minute = 5\n");
        PORTICO_ASSERT_CONTAINS(error, "[ratelimit] override.x.tokens_per_minute");
        PORTICO_ASSERT_CONTAINS(error, "per principal");
    }

    void testBadValuesNameTheKey()
    {
        PORTICO_ASSERT_CONTAINS(errorOf("requests_per_second = 0"), "[ratelimit] requests_per_second");
        PORTICO_ASSERT_CONTAINS(errorOf("burst = 0"), "[ratelimit] burst");
        PORTICO_ASSERT_CONTAINS(errorOf("burst = many"), "[ratelimit] burst");
        PORTICO_ASSERT_CONTAINS(errorOf("tokens_per_minute = -1"), "[ratelimit] tokens_per_minute");
        const std::string keying = errorOf("keying = user");
        PORTICO_ASSERT_CONTAINS(keying, "[ratelimit] keying");
        PORTICO_ASSERT_CONTAINS(keying, "route_principal");
        PORTICO_ASSERT_CONTAINS(errorOf("anonymous = nobody"), "[ratelimit] anonymous");
        const std::string store = errorOf("store = memcached");
        PORTICO_ASSERT_CONTAINS(store, "[ratelimit] store");
        PORTICO_ASSERT_CONTAINS(store, "test.ini");
        PORTICO_ASSERT_CONTAINS(errorOf("max_buckets = 10"), "[ratelimit] max_buckets");
        PORTICO_ASSERT_CONTAINS(errorOf("metrics.gauge_sample_every = 0"), "[ratelimit] metrics.gauge_sample_every");
    }

    void testOverrideErrors()
    {
        PORTICO_ASSERT_CONTAINS(errorOf("override.x.rps = 3\noverride.x.route = /a\n"), "[ratelimit] override.x.rps");
        PORTICO_ASSERT_CONTAINS(errorOf("override.x.burst = 3\n"), "names neither a route nor a principal");
        PORTICO_ASSERT_CONTAINS(errorOf("override.x.route = /a\n"), "sets no limit");
        PORTICO_ASSERT_CONTAINS(errorOf("override.x.route = v1/a\noverride.x.burst = 3\n"), "[ratelimit] override.x.route");
        PORTICO_ASSERT_CONTAINS(errorOf("override.x.principal =\noverride.x.burst = 3\n"),
                                "[ratelimit] override.x.principal");
        PORTICO_ASSERT_CONTAINS(errorOf("override.x.route = /a\noverride.x.burst = 0\n"), "[ratelimit] override.x.burst");
        PORTICO_ASSERT_CONTAINS(errorOf("override.x.route = /a\noverride.x.burst = 3\n"
                                        "override.y.route = /a\noverride.y.burst = 4\n"),
                                "already names the same");
        parse("override.u.route = unmatched\noverride.u.burst = 1\n");
    }

    void testOverridesMustFitTheKeying()
    {
        PORTICO_ASSERT_CONTAINS(errorOf("keying = principal\noverride.x.route = /a\noverride.x.burst = 3\n"),
                                "[ratelimit] override.x.route");
        PORTICO_ASSERT_CONTAINS(errorOf("keying = route\noverride.x.principal = p\noverride.x.burst = 3\n"),
                                "[ratelimit] override.x.principal");
        PORTICO_ASSERT_CONTAINS(errorOf("keying = ip\noverride.x.principal = p\noverride.x.burst = 3\n"),
                                "keying = ip");
        // Token limits follow the principal whatever the keying.
        parse("keying = route\noverride.x.principal = p\noverride.x.tokens_per_minute = 3\n");
    }

    void testUnknownKeyIsLeftUnread()
    {
        TestPluginContext context("[ratelimit]\nburts = 4\n", "ratelimit");
        RateLimitConfig::from(context.config());
        const auto unread = context.config().unreadKeys();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), unread.size());
        CPPUNIT_ASSERT_EQUAL(std::string("burts"), unread.front());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RateLimitConfigTest);
