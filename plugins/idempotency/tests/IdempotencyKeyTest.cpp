// The Idempotency-Key header grammar, the store identity and the body fingerprint.

#include "IdempotencyKey.h"
#include <cppunit/extensions/HelperMacros.h>

namespace portico::idempotency::test {

class IdempotencyKeyTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(IdempotencyKeyTest);
    CPPUNIT_TEST(testBareKey);
    CPPUNIT_TEST(testQuotedKeyIsTheSameKey);
    CPPUNIT_TEST(testQuotedEscapes);
    CPPUNIT_TEST(testSurroundingWhitespaceIsIgnored);
    CPPUNIT_TEST(testLengthLimits);
    CPPUNIT_TEST(testNonPrintableBytesAreRefusedWithTheirPosition);
    CPPUNIT_TEST(testMalformedQuotedStrings);
    CPPUNIT_TEST(testIdentityKeysCannotCollide);
    CPPUNIT_TEST(testFingerprintIsSha256OfTheBody);
    CPPUNIT_TEST_SUITE_END();

public:
    static std::string keyOf(const std::string& value)
    {
        const ParsedKey parsed = parseIdempotencyKey(value);
        CPPUNIT_ASSERT_MESSAGE("refused '" + value + "': " + parsed.problem, parsed.key.has_value());
        return *parsed.key;
    }

    static std::string problemOf(const std::string& value)
    {
        const ParsedKey parsed = parseIdempotencyKey(value);
        CPPUNIT_ASSERT_MESSAGE("accepted '" + value + "'", !parsed.key.has_value());
        CPPUNIT_ASSERT(!parsed.problem.empty());
        return parsed.problem;
    }

    static bool mentions(const std::string& text, const std::string& part)
    {
        return text.find(part) != std::string::npos;
    }

    void testBareKey()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("8e03978e-40d5-43e8-bc93-6894a57f9324"),
                             keyOf("8e03978e-40d5-43e8-bc93-6894a57f9324"));
        CPPUNIT_ASSERT_EQUAL(std::string("a b,c;d=e"), keyOf("a b,c;d=e")); // any printable ASCII
        CPPUNIT_ASSERT_EQUAL(std::string("x"), keyOf("x"));
    }

    void testQuotedKeyIsTheSameKey()
    {
        CPPUNIT_ASSERT_EQUAL(keyOf("abc"), keyOf("\"abc\""));
        CPPUNIT_ASSERT_EQUAL(std::string("with space"), keyOf("\"with space\""));
    }

    void testQuotedEscapes()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("a\"b\\c"), keyOf("\"a\\\"b\\\\c\""));
        CPPUNIT_ASSERT(mentions(problemOf("\"a\\nb\""), "escape"));
        CPPUNIT_ASSERT(mentions(problemOf("\"abc\\"), "backslash"));
    }

    void testSurroundingWhitespaceIsIgnored()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("abc"), keyOf("  abc\t"));
        CPPUNIT_ASSERT_EQUAL(std::string("abc"), keyOf(" \"abc\" "));
    }

    void testLengthLimits()
    {
        CPPUNIT_ASSERT_EQUAL(std::size_t(255), keyOf(std::string(255, 'k')).size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(255), keyOf("\"" + std::string(255, 'k') + "\"").size());
        CPPUNIT_ASSERT(mentions(problemOf(std::string(256, 'k')), "256 characters long; the limit is 255"));
        CPPUNIT_ASSERT(mentions(problemOf("\"" + std::string(256, 'k') + "\""), "256 characters"));
        CPPUNIT_ASSERT(mentions(problemOf(""), "empty"));
        CPPUNIT_ASSERT(mentions(problemOf("   "), "empty"));
        CPPUNIT_ASSERT(mentions(problemOf("\"\""), "empty"));
    }

    void testNonPrintableBytesAreRefusedWithTheirPosition()
    {
        CPPUNIT_ASSERT(mentions(problemOf("ab\tcd"), "0x09 at position 2"));
        CPPUNIT_ASSERT(mentions(problemOf("ab\x7f"), "0x7F"));
        CPPUNIT_ASSERT(mentions(problemOf("cl\xc3\xa9"), "0xC3"));
        CPPUNIT_ASSERT(mentions(problemOf("\"a\x01\""), "0x01"));
        CPPUNIT_ASSERT(mentions(problemOf("a\x01"), "printable ASCII"));
    }

    void testMalformedQuotedStrings()
    {
        CPPUNIT_ASSERT(mentions(problemOf("\"abc"), "no closing quote"));
        CPPUNIT_ASSERT(mentions(problemOf("\"abc\";p=1"), "after the closing quote"));
        CPPUNIT_ASSERT(mentions(problemOf("\"a\"b\""), "after the closing quote"));
    }

    void testIdentityKeysCannotCollide()
    {
        // Without the length prefixes these two would both read "a|b|c|d".
        CPPUNIT_ASSERT(identityKey("a|b", "c", "d") != identityKey("a", "b|c", "d"));
        CPPUNIT_ASSERT(identityKey("alice", "POST /v1/embeddings", "k") !=
                       identityKey("bob", "POST /v1/embeddings", "k"));
        CPPUNIT_ASSERT(identityKey("alice", "POST /v1/embeddings", "k") !=
                       identityKey("alice", "POST /v1/responses", "k"));
        CPPUNIT_ASSERT_EQUAL(std::string("5:alice|19:POST /v1/embeddings|3:abc"),
                             identityKey("alice", "POST /v1/embeddings", "abc"));
    }

    void testFingerprintIsSha256OfTheBody()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
                             bodyFingerprint(""));
        CPPUNIT_ASSERT_EQUAL(std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
                             bodyFingerprint("abc"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(IdempotencyKeyTest);

} // namespace portico::idempotency::test
