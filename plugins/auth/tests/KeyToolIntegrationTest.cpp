// porticod --new-key and --hash-key: the key printed once works in a keys file, and hashing it
// again gives the same line.

#include "HttpClient.h"
#include "PorticodProcess.h"
#include "TempDir.h"
#include "Poco/RegularExpression.h"
#include <cppunit/extensions/HelperMacros.h>

using namespace portico::test;

namespace {

/// The first line of `output` matching `pattern`, or "".
std::string lineMatching(const std::string& output, const std::string& pattern)
{
    Poco::RegularExpression regex(pattern, Poco::RegularExpression::RE_MULTILINE);
    std::string found;
    regex.extract(output, found);
    return found;
}

struct NewKey
{
    std::string key;
    std::string line;
};

NewKey newKey(const std::string& principal)
{
    const CommandResult result = runPorticod({"--new-key=" + principal});
    CPPUNIT_ASSERT_EQUAL_MESSAGE(result.output, 0, result.exitCode);
    NewKey made{lineMatching(result.output, "^sk-portico-[A-Za-z0-9]{43}$"),
                lineMatching(result.output, "^" + principal + " sha256:[0-9a-f]{64}$")};
    CPPUNIT_ASSERT_MESSAGE(result.output, !made.key.empty());
    CPPUNIT_ASSERT_MESSAGE(result.output, !made.line.empty());
    return made;
}

} // namespace

class KeyToolIntegrationTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(KeyToolIntegrationTest);
    CPPUNIT_TEST(testNewKeyWorksInAKeysFile);
    CPPUNIT_TEST(testHashKeyGivesTheSameLine);
    CPPUNIT_TEST(testKeysAreRandom);
    CPPUNIT_TEST(testBadInputIsRefused);
    CPPUNIT_TEST_SUITE_END();

public:
    void testNewKeyWorksInAKeysFile()
    {
        const NewKey alice = newKey("alice");
        TempDir keys;
        const std::string keysFile = keys.write("keys", "# made by porticod --new-key\n" + alice.line + "\n");
        PorticodProcess porticod("[server]\nlisten = 127.0.0.1:{port}\n[plugins]\npath = {plugins}\n"
                                 "order = auth, probe_a\n[auth]\nkeys_file = " +
                                 keysFile + "\n[probe_a]\nroutes = true\n");
        const HttpResult ok =
            httpRequest(porticod.port(), "POST", "/probe_a/echo", "ping", {{"Authorization", "Bearer " + alice.key}});
        CPPUNIT_ASSERT_EQUAL(200, ok.status);
        CPPUNIT_ASSERT_EQUAL(std::string("ping"), ok.body);
        std::string tampered = alice.key;
        tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
        CPPUNIT_ASSERT_EQUAL(401, httpRequest(porticod.port(), "POST", "/probe_a/echo", "ping",
                                              {{"Authorization", "Bearer " + tampered}})
                                      .status);
    }

    void testHashKeyGivesTheSameLine()
    {
        const NewKey bob = newKey("bob");
        for (const std::string& input : {bob.key, bob.key + "\n", "  " + bob.key + "\r\n"})
        {
            const CommandResult hashed = runPorticod({"--hash-key=bob"}, 20, input);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(hashed.output, 0, hashed.exitCode);
            CPPUNIT_ASSERT_EQUAL(bob.line, lineMatching(hashed.output, "^bob sha256:[0-9a-f]{64}$"));
        }
        // Without a name the line is for "unnamed", with the same hash.
        const CommandResult unnamed = runPorticod({"--hash-key"}, 20, bob.key + "\n");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(unnamed.output, 0, unnamed.exitCode);
        CPPUNIT_ASSERT_EQUAL(bob.line.substr(4), lineMatching(unnamed.output, "^unnamed sha256:[0-9a-f]{64}$").substr(8));
    }

    void testKeysAreRandom()
    {
        const NewKey a = newKey("a");
        const NewKey b = newKey("a");
        CPPUNIT_ASSERT(a.key != b.key);
        CPPUNIT_ASSERT(a.line != b.line);
    }

    void testBadInputIsRefused()
    {
        const CommandResult badName = runPorticod({"--new-key=not a name"});
        CPPUNIT_ASSERT_EQUAL(64, badName.exitCode);
        CPPUNIT_ASSERT(badName.output.find("principal must be") != std::string::npos);
        CPPUNIT_ASSERT(badName.output.find("sk-portico-") == std::string::npos);

        const CommandResult empty = runPorticod({"--hash-key=alice"}, 20, "\n");
        CPPUNIT_ASSERT_EQUAL(65, empty.exitCode);
        CPPUNIT_ASSERT(empty.output.find("no key on standard input") != std::string::npos);

        const CommandResult spaced = runPorticod({"--hash-key=alice"}, 20, "two words\n");
        CPPUNIT_ASSERT_EQUAL(65, spaced.exitCode);

        // "--hash-key alice" would hash for "unnamed" and drop the name: refused instead.
        const CommandResult separated = runPorticod({"--hash-key", "alice"}, 20, "sk-portico-x\n");
        CPPUNIT_ASSERT_EQUAL(64, separated.exitCode);
        CPPUNIT_ASSERT(separated.output.find("unexpected argument 'alice'") != std::string::npos);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(KeyToolIntegrationTest);
