// The Redactor: built-in patterns, exact secrets, extra patterns, and what it leaves alone.

#include "Redactor.h"
#include <cppunit/extensions/HelperMacros.h>
#include <stdexcept>

using portico::redaction::RedactionRules;
using portico::redaction::Redactor;

namespace {

std::string redact(const std::string& text, const RedactionRules& rules = {})
{
    return Redactor(rules).redacted(text);
}

} // namespace

class RedactorTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(RedactorTest);
    CPPUNIT_TEST(testOpenAiStyleKeys);
    CPPUNIT_TEST(testBearerTokens);
    CPPUNIT_TEST(testKeyAssignments);
    CPPUNIT_TEST(testOrdinaryTextIsLeftAlone);
    CPPUNIT_TEST(testExactSecrets);
    CPPUNIT_TEST(testExtraPatterns);
    CPPUNIT_TEST(testBuiltinsCanBeChosen);
    CPPUNIT_TEST(testBadPatternsAreRefused);
    CPPUNIT_TEST(testEverythingInOneLine);
    CPPUNIT_TEST(testRedactingTwiceChangesNothing);
    CPPUNIT_TEST(testNothingToRedactMakesNoCopy);
    CPPUNIT_TEST(testBinaryAndInvalidUtf8);
    CPPUNIT_TEST_SUITE_END();

public:
    void testOpenAiStyleKeys()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("key [REDACTED] used"), redact("key sk-proj-abc123DEF456ghi789_-x used"));
        CPPUNIT_ASSERT_EQUAL(std::string("[REDACTED]"), redact("sk-portico-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg"));
        CPPUNIT_ASSERT_EQUAL(std::string("([REDACTED])"), redact("(sk-abcdefghij)"));
        CPPUNIT_ASSERT_EQUAL(std::string("\"[REDACTED]\""), redact("\"sk-0123456789\""));
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/files/[REDACTED]/x"), redact("/v1/files/sk-abcdefghijklmnop/x"));
        // Fewer than 10 characters after sk-, or sk- inside a word: not a key.
        CPPUNIT_ASSERT_EQUAL(std::string("sk-123456789"), redact("sk-123456789"));
        CPPUNIT_ASSERT_EQUAL(std::string("task-abcdefghijklmnop"), redact("task-abcdefghijklmnop"));
        CPPUNIT_ASSERT_EQUAL(std::string("disk-abcdefghijklmnop"), redact("disk-abcdefghijklmnop"));
    }

    void testBearerTokens()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("Authorization: Bearer [REDACTED]"), redact("Authorization: Bearer abc.def-ghi_jkl"));
        CPPUNIT_ASSERT_EQUAL(std::string("authorization: bearer [REDACTED] next"), redact("authorization: bearer xyz next"));
        CPPUNIT_ASSERT_EQUAL(std::string("-H 'Authorization: BEARER   [REDACTED]'"), redact("-H 'Authorization: BEARER   eyJhbGciOi.eyJzdWIi.c2ln=='"));
    }

    void testKeyAssignments()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("APIKEY=[REDACTED]"), redact("APIKEY=hunter2hunter2"));
        CPPUNIT_ASSERT_EQUAL(std::string("OPENAI_API_KEY=[REDACTED] ok"), redact("OPENAI_API_KEY=abc123 ok"));
        CPPUNIT_ASSERT_EQUAL(std::string("api_key: [REDACTED]"), redact("api_key: s3cr3tvalue"));
        CPPUNIT_ASSERT_EQUAL(std::string("{\"api_key\": \"[REDACTED]\", \"n\": 1}"), redact("{\"api_key\": \"abc def\", \"n\": 1}"));
        CPPUNIT_ASSERT_EQUAL(std::string("{'api-key':'[REDACTED]'}"), redact("{'api-key':'p q'}"));
        CPPUNIT_ASSERT_EQUAL(std::string("GET /v1/x?api_key=[REDACTED]&limit=5"), redact("GET /v1/x?api_key=abc123&limit=5"));
        CPPUNIT_ASSERT_EQUAL(std::string("x-api-key: [REDACTED]"), redact("x-api-key: abcdef"));
        CPPUNIT_ASSERT_EQUAL(std::string("password='[REDACTED]'"), redact("password='p@ss w0rd'"));
        CPPUNIT_ASSERT_EQUAL(std::string("client_secret=[REDACTED];"), redact("client_secret=abc;"));
        CPPUNIT_ASSERT_EQUAL(std::string("?token=[REDACTED]&a=b"), redact("?token=ghp_abcdef&a=b"));
        CPPUNIT_ASSERT_EQUAL(std::string("{\"access_token\":\"[REDACTED]\"}"), redact("{\"access_token\":\"a\\\"b\"}"));
        // JSON inside a JSON string (a request body quoted in a JSON log line).
        CPPUNIT_ASSERT_EQUAL(std::string("\"body\":\"{\\\"api_key\\\": \\\"[REDACTED]\\\"}\""),
                             redact("\"body\":\"{\\\"api_key\\\": \\\"my secret\\\"}\""));
    }

    void testOrdinaryTextIsLeftAlone()
    {
        for (const std::string text :
             {"porticod listening on 127.0.0.1:8000", "max_tokens=100 input_tokens: 12", "apikeys=3 monkey=banana",
              "Idempotency-Key: 123e4567", "GET /v1/models 200 0.3 ms", "the key: is missing", "token bucket refilled",
              "{\"model\":\"portico-echo\",\"messages\":[]}", ""})
            CPPUNIT_ASSERT_EQUAL(text, redact(text));
    }

    void testExactSecrets()
    {
        RedactionRules rules;
        rules.secrets = {"upstream-Secret-Value-7f3a9c", "Secret-Value"};
        CPPUNIT_ASSERT_EQUAL(std::string("a [REDACTED] b [REDACTED]"), redact("a upstream-Secret-Value-7f3a9c b upstream-Secret-Value-7f3a9c", rules));
        // The longer secret is replaced whole, the shorter one where it stands alone.
        CPPUNIT_ASSERT_EQUAL(std::string("[REDACTED]/[REDACTED]"), redact("upstream-Secret-Value-7f3a9c/Secret-Value", rules));
        CPPUNIT_ASSERT_EQUAL(std::string("secret-value"), redact("secret-value", rules)); // exact, case and all
    }

    void testExtraPatterns()
    {
        RedactionRules rules;
        rules.extra = {{"internal", "itok_[0-9a-f]{8}"}, {"user", "user=(\\w+)"}};
        CPPUNIT_ASSERT_EQUAL(std::string("t=[REDACTED] user=[REDACTED] end"), redact("t=itok_deadbeef user=alice end", rules));
        CPPUNIT_ASSERT_EQUAL(std::string("itok_dead"), redact("itok_dead", rules));
    }

    void testBuiltinsCanBeChosen()
    {
        RedactionRules rules;
        rules.builtins = {"bearer"};
        CPPUNIT_ASSERT_EQUAL(std::string("sk-abcdefghijklmnop Bearer [REDACTED]"), redact("sk-abcdefghijklmnop Bearer abc", rules));
        rules.builtins.clear();
        CPPUNIT_ASSERT_EQUAL(std::string("api_key=x"), redact("api_key=x", rules));
    }

    void testBadPatternsAreRefused()
    {
        RedactionRules unknown;
        unknown.builtins = {"ssn"};
        CPPUNIT_ASSERT_THROW(Redactor{unknown}, std::invalid_argument);
        RedactionRules broken;
        broken.extra = {{"broken", "(unclosed"}};
        try
        {
            Redactor redactor(broken);
            CPPUNIT_FAIL("a broken pattern compiled");
        }
        catch (const std::invalid_argument& e)
        {
            CPPUNIT_ASSERT(std::string(e.what()).find("pattern 'broken' does not compile") != std::string::npos);
        }
        RedactionRules empty;
        empty.extra = {{"everything", "x*"}};
        CPPUNIT_ASSERT_THROW(Redactor{empty}, std::invalid_argument);
    }

    void testEverythingInOneLine()
    {
        RedactionRules rules;
        rules.secrets = {"upstream-Secret-Value-7f3a9c"};
        rules.extra = {{"internal", "itok_[0-9a-f]{8}"}};
        const std::string line = "POST /v1/chat?api_key=qv1 Authorization: Bearer tkn1 body {\"api_key\": \"bodysecret\"} "
                                 "sk-proj-0123456789abcdef upstream-Secret-Value-7f3a9c itok_0badf00d APIKEY=xyz";
        CPPUNIT_ASSERT_EQUAL(std::string("POST /v1/chat?api_key=[REDACTED] Authorization: Bearer [REDACTED] body "
                                         "{\"api_key\": \"[REDACTED]\"} [REDACTED] [REDACTED] [REDACTED] APIKEY=[REDACTED]"),
                             redact(line, rules));
    }

    void testRedactingTwiceChangesNothing()
    {
        const Redactor redactor{RedactionRules{}};
        for (const std::string text : {"api_key=abc", "Bearer xyz", "sk-0123456789abc", "{\"password\": \"p\"}"})
        {
            const std::string once = redactor.redacted(text);
            CPPUNIT_ASSERT_EQUAL(once, redactor.redacted(once));
        }
    }

    void testNothingToRedactMakesNoCopy()
    {
        const Redactor redactor{RedactionRules{}};
        std::string out = "untouched";
        CPPUNIT_ASSERT(!redactor.redact("an ordinary line with key words: token, secret, password", out));
        CPPUNIT_ASSERT_EQUAL(std::string("untouched"), out);
        CPPUNIT_ASSERT(redactor.redact("password=x", out));
        CPPUNIT_ASSERT_EQUAL(std::string("password=[REDACTED]"), out);
    }

    void testBinaryAndInvalidUtf8()
    {
        const std::string text = std::string("\xff\xfe api_key=\x80\x81 sk-abcdefghijkl ") + '\0' + " end";
        const std::string expected = std::string("\xff\xfe api_key=[REDACTED] [REDACTED] ") + '\0' + " end";
        CPPUNIT_ASSERT_EQUAL(expected, redact(text));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RedactorTest);
