// The client-facing numbers: OpenAI's duration form, Retry-After, the header set.

#include "RateLimitHeaders.h"
#include "portico/Exchange.h"
#include <cppunit/extensions/HelperMacros.h>
#include <map>
#include "Poco/String.h"

using namespace portico::ratelimit;

namespace {

std::map<std::string, std::string> asMap(const HeaderList& headers)
{
    std::map<std::string, std::string> map;
    for (const auto& [name, value] : headers)
        map[name] = value;
    return map;
}

Decision decision(bool allowed, bool withTokens)
{
    Decision d;
    d.allowed = allowed;
    d.requests = {40, 17, 1.15, 2};
    if (withTokens)
        d.tokens = BucketView{10000, 2500.9, 45, 60};
    d.retryAfterSeconds = allowed ? 0 : 0.05;
    return d;
}

} // namespace

class RateLimitHeadersTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(RateLimitHeadersTest);
    CPPUNIT_TEST(testDurationForm);
    CPPUNIT_TEST(testDurationRoundsUpToTheMillisecond);
    CPPUNIT_TEST(testRetryAfterIsWholeSecondsAtLeastOne);
    CPPUNIT_TEST(testRequestHeadersOnly);
    CPPUNIT_TEST(testTokenHeadersWhenATokenLimitApplies);
    CPPUNIT_TEST(testRefusalAddsRetryAfter);
    CPPUNIT_TEST(testIetfHeaders);
    CPPUNIT_TEST(testAppliedHeadersAreTheList);
    CPPUNIT_TEST(testAppliedHeadersReplaceEarlierOnes);
    CPPUNIT_TEST_SUITE_END();

public:
    void testDurationForm()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("0s"), formatResetDuration(0));
        CPPUNIT_ASSERT_EQUAL(std::string("0s"), formatResetDuration(-2));
        CPPUNIT_ASSERT_EQUAL(std::string("250ms"), formatResetDuration(0.25));
        CPPUNIT_ASSERT_EQUAL(std::string("1s"), formatResetDuration(1));
        CPPUNIT_ASSERT_EQUAL(std::string("1.5s"), formatResetDuration(1.5));
        CPPUNIT_ASSERT_EQUAL(std::string("59.999s"), formatResetDuration(59.999));
        CPPUNIT_ASSERT_EQUAL(std::string("6m0s"), formatResetDuration(360));
        CPPUNIT_ASSERT_EQUAL(std::string("2m30.25s"), formatResetDuration(150.25));
        CPPUNIT_ASSERT_EQUAL(std::string("1h0m0s"), formatResetDuration(3600));
        CPPUNIT_ASSERT_EQUAL(std::string("1h2m3.5s"), formatResetDuration(3723.5));
    }

    void testDurationRoundsUpToTheMillisecond()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("1ms"), formatResetDuration(0.0000001));
        CPPUNIT_ASSERT_EQUAL(std::string("50ms"), formatResetDuration(0.05)); // not 51ms from 50.000…01
        CPPUNIT_ASSERT_EQUAL(std::string("1.001s"), formatResetDuration(1.0004));
        CPPUNIT_ASSERT_EQUAL(std::string("1s"), formatResetDuration(0.9999));
    }

    void testRetryAfterIsWholeSecondsAtLeastOne()
    {
        CPPUNIT_ASSERT_EQUAL(1LL, retryAfterSeconds(0));
        CPPUNIT_ASSERT_EQUAL(1LL, retryAfterSeconds(0.05));
        CPPUNIT_ASSERT_EQUAL(1LL, retryAfterSeconds(1));
        CPPUNIT_ASSERT_EQUAL(2LL, retryAfterSeconds(1.01));
        CPPUNIT_ASSERT_EQUAL(1000LL, retryAfterSeconds(999.5));
    }

    void testRequestHeadersOnly()
    {
        const auto headers = asMap(rateLimitHeaders(decision(true, false), false));
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), headers.size());
        CPPUNIT_ASSERT_EQUAL(std::string("40"), headers.at("x-ratelimit-limit-requests"));
        CPPUNIT_ASSERT_EQUAL(std::string("17"), headers.at("x-ratelimit-remaining-requests"));
        CPPUNIT_ASSERT_EQUAL(std::string("1.15s"), headers.at("x-ratelimit-reset-requests"));
    }

    void testTokenHeadersWhenATokenLimitApplies()
    {
        const auto headers = asMap(rateLimitHeaders(decision(true, true), false));
        CPPUNIT_ASSERT_EQUAL(std::size_t(6), headers.size());
        CPPUNIT_ASSERT_EQUAL(std::string("10000"), headers.at("x-ratelimit-limit-tokens"));
        CPPUNIT_ASSERT_EQUAL(std::string("2500"), headers.at("x-ratelimit-remaining-tokens"));
        CPPUNIT_ASSERT_EQUAL(std::string("45s"), headers.at("x-ratelimit-reset-tokens"));
    }

    void testRefusalAddsRetryAfter()
    {
        const auto headers = asMap(rateLimitHeaders(decision(false, false), false));
        CPPUNIT_ASSERT_EQUAL(std::string("1"), headers.at("Retry-After"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), asMap(rateLimitHeaders(decision(true, false), false)).count("Retry-After"));
    }

    void testIetfHeaders()
    {
        const auto headers = asMap(rateLimitHeaders(decision(true, true), true));
        CPPUNIT_ASSERT_EQUAL(std::string("\"requests\";q=40;w=2, \"tokens\";q=10000;w=60"),
                             headers.at("RateLimit-Policy"));
        CPPUNIT_ASSERT_EQUAL(std::string("\"requests\";r=17;t=2, \"tokens\";r=2500;t=45"), headers.at("RateLimit"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), asMap(rateLimitHeaders(decision(true, true), false)).count("RateLimit"));
    }

    // applyRateLimitHeaders writes exactly rateLimitHeaders' list into an answer's headers.
    void testAppliedHeadersAreTheList()
    {
        for (const bool allowed : {true, false})
            for (const bool tokens : {true, false})
                for (const bool ietf : {true, false})
                {
                    portico::Exchange exchange("GET", "/v1/models", {}, "", "127.0.0.1:1");
                    auto& headers = exchange.response().headers;
                    headers.set("Content-Language", "en");
                    applyRateLimitHeaders(decision(allowed, tokens), ietf, headers);
                    std::map<std::string, std::string> applied;
                    for (const auto& [name, value] : headers)
                    {
                        CPPUNIT_ASSERT_MESSAGE(name + " twice", applied.count(name) == 0);
                        applied[name] = value;
                    }
                    CPPUNIT_ASSERT_EQUAL(std::string("en"), applied["Content-Language"]);
                    applied.erase("Content-Language");
                    CPPUNIT_ASSERT(asMap(rateLimitHeaders(decision(allowed, tokens), ietf)) == applied);
                }
    }

    // Headers of the same names already on the answer (a second ratelimit section, a
    // Retry-After from further in) are replaced, whatever their case, never doubled.
    void testAppliedHeadersReplaceEarlierOnes()
    {
        portico::Exchange exchange("GET", "/v1/models", {}, "", "127.0.0.1:1");
        auto& headers = exchange.response().headers;
        headers.add("X-RateLimit-Limit-Requests", "5");
        headers.add("retry-after", "9");
        headers.add("X-Request-Id", "abc");
        applyRateLimitHeaders(decision(false, false), false, headers);
        std::size_t limits = 0;
        std::size_t retries = 0;
        for (const auto& [name, value] : headers)
        {
            if (Poco::icompare(name, "x-ratelimit-limit-requests") == 0)
            {
                ++limits;
                CPPUNIT_ASSERT_EQUAL(std::string("40"), value);
            }
            if (Poco::icompare(name, "retry-after") == 0)
            {
                ++retries;
                CPPUNIT_ASSERT_EQUAL(std::string("1"), value);
            }
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, limits);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, retries);
        CPPUNIT_ASSERT_EQUAL(std::string("abc"), headers.get("X-Request-Id"));
        CPPUNIT_ASSERT_EQUAL(std::string("17"), headers.get("x-ratelimit-remaining-requests"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RateLimitHeadersTest);
