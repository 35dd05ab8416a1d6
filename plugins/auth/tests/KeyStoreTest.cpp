// KeyStore (keys-file parsing, line-numbered errors, lookup), the constant-time compare and
// the Bearer header parser.

#include "AuthTestSupport.h"
#include "BearerToken.h"
#include "ConstantTime.h"
#include "KeyStore.h"
#include "TempDir.h"
#include "Poco/DigestEngine.h"
#include "Poco/File.h"
#include "Poco/SHA2Engine.h"
#include <cctype>
#include <cppunit/extensions/HelperMacros.h>

using portico::ConfigError;
using portico::auth::KeyFileUnreadable;
using portico::auth::KeyStore;

namespace {

std::string sha256Hex(const std::string& text)
{
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
    engine.update(text);
    return Poco::DigestEngine::digestToHex(engine.digest());
}

std::string line(const std::string& principal, const std::string& key)
{
    return principal + " sha256:" + sha256Hex(key);
}

std::string parseError(const std::string& text)
{
    try
    {
        KeyStore::parse(text, "/etc/portico/keys");
    }
    catch (const ConfigError& e)
    {
        return e.what();
    }
    CPPUNIT_FAIL("expected a ConfigError for:\n" + text);
    return {};
}

void assertContains(const std::string& haystack, const std::string& needle)
{
    CPPUNIT_ASSERT_MESSAGE("expected \"" + needle + "\" in \"" + haystack + "\"", haystack.find(needle) != std::string::npos);
}

} // namespace

class KeyStoreTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(KeyStoreTest);
    CPPUNIT_TEST(testDigestIsSha256);
    CPPUNIT_TEST(testParsesLinesCommentsAndBlanks);
    CPPUNIT_TEST(testLookupFindsThePrincipal);
    CPPUNIT_TEST(testOnePrincipalMayHaveSeveralKeys);
    CPPUNIT_TEST(testEmptyFileHasNoKeys);
    CPPUNIT_TEST(testWrongFieldCountNamesTheLine);
    CPPUNIT_TEST(testPlaintextKeyIsRefusedWithoutEchoingIt);
    CPPUNIT_TEST(testBadHexIsRefused);
    CPPUNIT_TEST(testBadPrincipalIsRefused);
    CPPUNIT_TEST(testDuplicateKeyIsRefused);
    CPPUNIT_TEST(testHundredThousandKeys);
    CPPUNIT_TEST(testLoadReadsAFile);
    CPPUNIT_TEST(testLoadOfMissingFileOrDirectoryIsUnreadable);
    CPPUNIT_TEST(testConstantTimeEquals);
    CPPUNIT_TEST(testBearerToken);
    CPPUNIT_TEST_SUITE_END();

public:
    void testDigestIsSha256()
    {
        // FIPS 180-2 test vector.
        const auto digest = KeyStore::digestOf("abc");
        std::string hex;
        for (unsigned char byte : digest)
        {
            static const char* digits = "0123456789abcdef";
            hex += digits[byte >> 4];
            hex += digits[byte & 15];
        }
        CPPUNIT_ASSERT_EQUAL(std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), hex);
    }

    void testParsesLinesCommentsAndBlanks()
    {
        const std::string text = "# Portico keys\n"
                                  "\n" +
                                  line("alice", "key-a") + "\n" +
                                  "   \t\n" + line("bob", "key-b") + "   # rotated 2026-01\r\n" + "  " +
                                  line("carol@example.com", "key-c"); // no final newline
        const KeyStore store = KeyStore::parse(text, "keys");
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), store.size());
        CPPUNIT_ASSERT_EQUAL(std::string("alice"), store.entries()[0].principal);
        CPPUNIT_ASSERT_EQUAL(std::string("bob"), store.entries()[1].principal);
        CPPUNIT_ASSERT_EQUAL(std::string("carol@example.com"), store.entries()[2].principal);
    }

    void testLookupFindsThePrincipal()
    {
        const KeyStore store = KeyStore::parse(line("alice", "sk-portico-a") + "\n" + line("bob", "sk-portico-b"), "keys");
        const std::string* alice = store.principalFor("sk-portico-a");
        const std::string* bob = store.principalFor("sk-portico-b");
        CPPUNIT_ASSERT(alice && bob);
        CPPUNIT_ASSERT_EQUAL(std::string("alice"), *alice);
        CPPUNIT_ASSERT_EQUAL(std::string("bob"), *bob);
        CPPUNIT_ASSERT(!store.principalFor("sk-portico-c"));
        CPPUNIT_ASSERT(!store.principalFor(""));
        CPPUNIT_ASSERT(!store.principalFor("sk-portico-a "));
        // The stored form is the digest, not the key.
        CPPUNIT_ASSERT(store.entries()[0].digest == KeyStore::digestOf("sk-portico-a"));
    }

    void testOnePrincipalMayHaveSeveralKeys()
    {
        // Key rotation: the old and the new key of one client are both valid for a while.
        const KeyStore store = KeyStore::parse(line("alice", "old") + "\n" + line("alice", "new"), "keys");
        CPPUNIT_ASSERT_EQUAL(std::string("alice"), *store.principalFor("old"));
        CPPUNIT_ASSERT_EQUAL(std::string("alice"), *store.principalFor("new"));
    }

    void testEmptyFileHasNoKeys()
    {
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), KeyStore::parse("", "keys").size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), KeyStore::parse("# nothing yet\n\n", "keys").size());
        CPPUNIT_ASSERT(!KeyStore::parse("", "keys").principalFor("anything"));
    }

    void testWrongFieldCountNamesTheLine()
    {
        const std::string text = "# header\n" + line("alice", "a") + "\nbob\n";
        const std::string error = parseError(text);
        assertContains(error, "/etc/portico/keys:3:");
        assertContains(error, "found 1 field(s)");
        assertContains(parseError(line("alice", "a") + " extra\n"), "/etc/portico/keys:1:");
    }

    void testPlaintextKeyIsRefusedWithoutEchoingIt()
    {
        const std::string pasted = "sk-portico-thisIsAPlaintextKeyPastedByMistake";
        const std::string error = parseError(line("alice", "a") + "\n\nbob " + pasted + "\n");
        assertContains(error, "/etc/portico/keys:3:");
        assertContains(error, "never the key itself");
        CPPUNIT_ASSERT_MESSAGE(error, error.find(pasted) == std::string::npos);
    }

    void testBadHexIsRefused()
    {
        const std::string hex = sha256Hex("k");
        std::string upper = hex;
        for (char& c : upper)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        assertContains(parseError("alice sha256:" + upper), "64 lowercase hex");
        assertContains(parseError("alice sha256:" + hex.substr(1)), "64 lowercase hex");
        assertContains(parseError("alice sha256:" + hex + "0"), "64 lowercase hex");
        assertContains(parseError("alice sha256:" + hex.substr(1) + "g"), ":1:");
        assertContains(parseError("alice sha512:" + hex), "sha256:");
    }

    void testBadPrincipalIsRefused()
    {
        assertContains(parseError("al/ice sha256:" + sha256Hex("k")), "principal");
        assertContains(parseError(std::string(129, 'a') + " sha256:" + sha256Hex("k")), "principal");
        CPPUNIT_ASSERT(KeyStore::validPrincipal("team-a.svc:prod+1@example_org"));
        CPPUNIT_ASSERT(!KeyStore::validPrincipal(""));
        CPPUNIT_ASSERT(!KeyStore::validPrincipal("a\"b"));
    }

    void testDuplicateKeyIsRefused()
    {
        const std::string error = parseError(line("alice", "same") + "\n" + line("bob", "other") + "\n" + line("carol", "same"));
        assertContains(error, "/etc/portico/keys:3:");
        assertContains(error, "principal alice");
    }

    void testHundredThousandKeys()
    {
        // A store the size of a big deployment's: every key finds its own principal, made-up
        // keys find nothing, and a duplicate far down the file is still caught (the lookup and
        // the duplicate check are one table, not a scan).
        const int count = 100000;
        std::string text;
        text.reserve(static_cast<std::size_t>(count) * 90);
        for (int i = 0; i < count; ++i)
            text += line("p" + std::to_string(i), "sk-key-" + std::to_string(i)) + "\n";
        const KeyStore store = KeyStore::parse(text, "/etc/portico/keys");
        CPPUNIT_ASSERT_EQUAL(std::size_t(count), store.size());
        for (int i = 0; i < count; i += 997)
        {
            const std::string* principal = store.principalFor("sk-key-" + std::to_string(i));
            CPPUNIT_ASSERT(principal);
            CPPUNIT_ASSERT_EQUAL("p" + std::to_string(i), *principal);
            CPPUNIT_ASSERT_EQUAL(std::size_t(i), store.indexFor("sk-key-" + std::to_string(i)));
        }
        CPPUNIT_ASSERT(!store.principalFor("sk-key-" + std::to_string(count)));
        CPPUNIT_ASSERT(!store.principalFor("sk-key-1 "));
        CPPUNIT_ASSERT(!store.principalFor(""));
        const std::string error = parseError(text + line("again", "sk-key-77"));
        assertContains(error, "/etc/portico/keys:" + std::to_string(count + 1) + ":");
        assertContains(error, "principal p77");
    }

    void testLoadReadsAFile()
    {
        portico::test::TempDir dir;
        const std::string file = dir.write("keys", line("alice", "a") + "\n");
        CPPUNIT_ASSERT_EQUAL(std::string("alice"), *KeyStore::load(file).principalFor("a"));
        const std::string bad = dir.write("bad", "# one\n" + line("alice", "a") + "\nbroken line here\n");
        try
        {
            KeyStore::load(bad);
            CPPUNIT_FAIL("a malformed file loaded");
        }
        catch (const ConfigError& e)
        {
            assertContains(e.what(), bad + ":3:");
        }
    }

    void testLoadOfMissingFileOrDirectoryIsUnreadable()
    {
        portico::test::TempDir dir;
        try
        {
            KeyStore::load(dir.file("missing"));
            CPPUNIT_FAIL("a missing file loaded");
        }
        catch (const KeyFileUnreadable& e)
        {
            assertContains(e.what(), dir.file("missing"));
            assertContains(e.what(), "No such file");
        }
        CPPUNIT_ASSERT_THROW(KeyStore::load(dir.path()), KeyFileUnreadable);
    }

    void testConstantTimeEquals()
    {
        const unsigned char a[4] = {1, 2, 3, 4};
        const unsigned char b[4] = {1, 2, 3, 4};
        const unsigned char first[4] = {9, 2, 3, 4};
        const unsigned char last[4] = {1, 2, 3, 9};
        CPPUNIT_ASSERT(portico::auth::constantTimeEquals(a, b, 4));
        CPPUNIT_ASSERT(!portico::auth::constantTimeEquals(a, first, 4));
        CPPUNIT_ASSERT(!portico::auth::constantTimeEquals(a, last, 4));
        CPPUNIT_ASSERT(portico::auth::constantTimeEquals(a, last, 3));
        CPPUNIT_ASSERT(portico::auth::constantTimeEquals(a, first, 0));
    }

    void testBearerToken()
    {
        using portico::auth::bearerToken;
        CPPUNIT_ASSERT_EQUAL(std::string("abc"), std::string(*bearerToken("Bearer abc")));
        CPPUNIT_ASSERT_EQUAL(std::string("abc"), std::string(*bearerToken("bearer abc")));
        CPPUNIT_ASSERT_EQUAL(std::string("abc"), std::string(*bearerToken("  BEARER \t abc  ")));
        CPPUNIT_ASSERT_EQUAL(std::string("a b"), std::string(*bearerToken("Bearer a b")));
        CPPUNIT_ASSERT(!bearerToken(""));
        CPPUNIT_ASSERT(!bearerToken("Bearer"));
        CPPUNIT_ASSERT(!bearerToken("Bearer   "));
        CPPUNIT_ASSERT(!bearerToken("Bearerabc"));
        CPPUNIT_ASSERT(!bearerToken("Basic YWxhZGRpbjpvcGVuc2VzYW1l"));
        CPPUNIT_ASSERT(!bearerToken("sk-portico-just-the-key"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(KeyStoreTest);
