// BodyFacts (top-level keys only, never a nested one of the same name; streams' models and
// finish reasons) and UpstreamAttempt (the openai proxy's attempt lines, malformed ones skipped).

#include "BodyFacts.h"
#include "UpstreamAttempt.h"
#include <cppunit/extensions/HelperMacros.h>

using namespace portico::otel;

class BodyFactsTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(BodyFactsTest);
    CPPUNIT_TEST(testTopLevelKeys);
    CPPUNIT_TEST(testNestedAndQuotedKeysAreNotTaken);
    CPPUNIT_TEST(testStreamsAndFinishReasons);
    CPPUNIT_TEST(testAttemptLines);
    CPPUNIT_TEST_SUITE_END();

public:
    void testTopLevelKeys()
    {
        const std::string body = R"({"model" : "gpt-4o","messages":[{"role":"user","content":"hi"}],"max_tokens": 42})";
        CPPUNIT_ASSERT_EQUAL(std::string("gpt-4o"), topLevelString(body, "model").value_or("<none>"));
        CPPUNIT_ASSERT_EQUAL(42LL, topLevelInteger(body, {"max_tokens"}).value_or(-1));
        CPPUNIT_ASSERT(!topLevelInteger(body, {"max_output_tokens"}));
        CPPUNIT_ASSERT(!topLevelInteger(R"({"max_tokens":1.5})", {"max_tokens"}));
        CPPUNIT_ASSERT(!topLevelInteger(R"({"max_tokens":"7"})", {"max_tokens"}));
        CPPUNIT_ASSERT(!topLevelString("not json", "model"));
        CPPUNIT_ASSERT(!topLevelString(R"({"model":"unclosed)", "model"));
    }

    void testNestedAndQuotedKeysAreNotTaken()
    {
        // A tool's schema may have a max_tokens of its own; a message may quote the key.
        const std::string body = R"({"tools":[{"parameters":{"max_tokens":5}}],)"
                                 R"("messages":[{"content":"\"max_tokens\": 9"}],"max_tokens":11})";
        CPPUNIT_ASSERT_EQUAL(11LL, topLevelInteger(body, {"max_tokens"}).value_or(-1));
        CPPUNIT_ASSERT(!topLevelInteger(R"({"a":{"max_tokens":5}})", {"max_tokens"}));
        // Several keys, one pass: whichever comes first in the body.
        CPPUNIT_ASSERT_EQUAL(3LL, topLevelInteger(R"({"max_output_tokens":3,"max_tokens":4})",
                                                  {"max_tokens", "max_output_tokens"}).value_or(-1));
    }

    void testStreamsAndFinishReasons()
    {
        const std::string chunk = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"portico-echo\","
                                  "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":null}]}\n\n";
        CPPUNIT_ASSERT_EQUAL(std::string("portico-echo"), firstModel(chunk).value_or("<none>"));
        std::string reasons;
        collectFinishReasons(chunk, reasons);
        CPPUNIT_ASSERT(reasons.empty()); // null is no reason
        collectFinishReasons(R"({"choices":[{"finish_reason":"stop"},{"finish_reason": "length"},{"finish_reason":"stop"}]})",
                             reasons);
        CPPUNIT_ASSERT_EQUAL(std::string("stop\nlength\n"), reasons);
        collectFinishReasons(R"({"finish_reason":"stop"})", reasons);
        CPPUNIT_ASSERT_EQUAL(std::string("stop\nlength\n"), reasons);
    }

    void testAttemptLines()
    {
        const std::string text = "1700000000000000000 2500000 00f067aa0ba902b7 connect_error 127.0.0.1:9 dead\n"
                                 "garbage line\n"
                                 "1700000000100000000 900000 1111111111111111 200 localhost:8080 live anthropic\n"
                                 "1700000000100000000 1 0000000000000000 200 h:1 zero-id\n";
        const auto attempts = UpstreamAttempt::parseAll(text);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), attempts.size());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(1700000000000000000ULL), attempts[0].startNs);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(2500000), attempts[0].durationNs);
        CPPUNIT_ASSERT_EQUAL(std::string("00f067aa0ba902b7"), attempts[0].spanId);
        CPPUNIT_ASSERT_EQUAL(std::string("connect_error"), attempts[0].outcome);
        CPPUNIT_ASSERT_EQUAL(0, attempts[0].status());
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"), attempts[0].host);
        CPPUNIT_ASSERT_EQUAL(9, attempts[0].port);
        CPPUNIT_ASSERT_EQUAL(std::string("dead"), attempts[0].upstream);
        CPPUNIT_ASSERT_EQUAL(200, attempts[1].status());
        CPPUNIT_ASSERT_EQUAL(8080, attempts[1].port);
        CPPUNIT_ASSERT_EQUAL(std::string("live"), attempts[1].upstream);
        CPPUNIT_ASSERT_EQUAL(std::string("anthropic"), attempts[1].api);
        CPPUNIT_ASSERT_EQUAL(std::string("openai"), attempts[0].api); // a line without it
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(BodyFactsTest);
