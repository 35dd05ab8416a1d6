// RateLimitPlugin's token limit through a real Chain and Exchange: the reservation (bytes/4 plus
// max_tokens), its settlement with real usage for buffered and streamed answers, refunds on
// failure, and 429 type "tokens".

#include "RateLimitChainFixture.h"
#include "TestAsserts.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"

using namespace portico;
using namespace portico::ratelimit;
using namespace portico::ratelimit::test;

class RateLimitTokensTest : public RateLimitChainFixture
{
    CPPUNIT_TEST_SUITE(RateLimitTokensTest);
    CPPUNIT_TEST(testTokenReservationIsSettledWithRealUsage);
    CPPUNIT_TEST(testStreamSettlesWithItsFinalUsage);
    CPPUNIT_TEST(testFailedAnswerRefundsTheReservation);
    CPPUNIT_TEST(testTokenLimitRefusesWithTypeTokens);
    CPPUNIT_TEST(testRequestTooLargeForTheTokenLimit);
    CPPUNIT_TEST_SUITE_END();

public:
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
};

CPPUNIT_TEST_SUITE_REGISTRATION(RateLimitTokensTest);
