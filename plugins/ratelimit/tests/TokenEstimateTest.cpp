// TokenEstimate: bytes/4 for the input plus the request's own output ceiling.

#include "TokenEstimate.h"
#include <cppunit/extensions/HelperMacros.h>

using portico::ratelimit::parseCount;
using portico::ratelimit::TokenEstimate;

class TokenEstimateTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(TokenEstimateTest);
    CPPUNIT_TEST(testInputIsBytesOverFourRoundedUp);
    CPPUNIT_TEST(testOutputCeilingFields);
    CPPUNIT_TEST(testOnlyTopLevelFieldsCount);
    CPPUNIT_TEST(testBadBodiesCountBySizeOnly);
    CPPUNIT_TEST(testParseCount);
    CPPUNIT_TEST_SUITE_END();

public:
    void testInputIsBytesOverFourRoundedUp()
    {
        CPPUNIT_ASSERT_EQUAL(0LL, TokenEstimate::fromBody("").total());
        CPPUNIT_ASSERT_EQUAL(1LL, TokenEstimate::fromBody("abc").input);
        CPPUNIT_ASSERT_EQUAL(1LL, TokenEstimate::fromBody("abcd").input);
        CPPUNIT_ASSERT_EQUAL(2LL, TokenEstimate::fromBody("abcde").input);
    }

    void testOutputCeilingFields()
    {
        const std::string chat = R"({"model":"m","max_tokens":100})";
        CPPUNIT_ASSERT_EQUAL(100LL, TokenEstimate::fromBody(chat).output);
        CPPUNIT_ASSERT_EQUAL(static_cast<long long>((chat.size() + 3) / 4) + 100, TokenEstimate::fromBody(chat).total());
        CPPUNIT_ASSERT_EQUAL(64LL, TokenEstimate::fromBody(R"({"max_output_tokens":64,"max_tokens":9})").output);
        CPPUNIT_ASSERT_EQUAL(32LL, TokenEstimate::fromBody(R"({"max_completion_tokens":32})").output);
        CPPUNIT_ASSERT_EQUAL(9LL, TokenEstimate::fromBody(R"({"max_output_tokens":null,"max_tokens":9})").output);
    }

    void testOnlyTopLevelFieldsCount()
    {
        const std::string nested = R"({"input":"say \"max_tokens\": 5000","metadata":{"max_tokens":7000}})";
        CPPUNIT_ASSERT_EQUAL(0LL, TokenEstimate::fromBody(nested).output);
    }

    void testBadBodiesCountBySizeOnly()
    {
        CPPUNIT_ASSERT_EQUAL(0LL, TokenEstimate::fromBody(R"({"max_tokens":)").output);
        CPPUNIT_ASSERT_EQUAL(0LL, TokenEstimate::fromBody(R"([{"max_tokens":5}])").output);
        CPPUNIT_ASSERT_EQUAL(0LL, TokenEstimate::fromBody(R"({"max_tokens":"lots"})").output);
        CPPUNIT_ASSERT_EQUAL(0LL, TokenEstimate::fromBody(R"({"max_tokens":-4})").output);
        CPPUNIT_ASSERT_EQUAL(3LL, TokenEstimate::fromBody("max_tokens=4").total());
    }

    void testParseCount()
    {
        const std::string ok = "42", bad = "4x", negative = "-1", empty;
        CPPUNIT_ASSERT_EQUAL(42LL, parseCount(&ok));
        CPPUNIT_ASSERT_EQUAL(-1LL, parseCount(&bad));
        CPPUNIT_ASSERT_EQUAL(-1LL, parseCount(&negative));
        CPPUNIT_ASSERT_EQUAL(-1LL, parseCount(&empty));
        CPPUNIT_ASSERT_EQUAL(-1LL, parseCount(nullptr));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(TokenEstimateTest);
