// The redaction plugin's configuration: patterns, secret files, the openai upstream keys, and
// errors that name the key.

#include "RedactionConfig.h"
#include "RedactionPlugin.h"
#include "RedactionTestSupport.h"
#include "TempDir.h"
#include <cppunit/extensions/HelperMacros.h>

using portico::ConfigError;
using portico::redaction::RedactionConfig;
using portico::redaction::RedactionPlugin;
using portico::redaction::test::Context;

namespace {

std::string errorOf(const std::string& ini)
{
    try
    {
        Context context(ini, "redaction");
        RedactionPlugin plugin(context);
    }
    catch (const ConfigError& e)
    {
        return e.what();
    }
    CPPUNIT_FAIL("expected a ConfigError for:\n" + ini);
    return {};
}

void assertContains(const std::string& haystack, const std::string& needle)
{
    CPPUNIT_ASSERT_MESSAGE("expected \"" + needle + "\" in \"" + haystack + "\"", haystack.find(needle) != std::string::npos);
}

} // namespace

class RedactionConfigTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(RedactionConfigTest);
    CPPUNIT_TEST(testDefaults);
    CPPUNIT_TEST(testEveryKeyIsRead);
    CPPUNIT_TEST(testSecretFiles);
    CPPUNIT_TEST(testOpenAiUpstreamKeysAreSecrets);
    CPPUNIT_TEST(testShortSecretsAreSkipped);
    CPPUNIT_TEST(testErrorsNameTheKey);
    CPPUNIT_TEST_SUITE_END();

public:
    void testDefaults()
    {
        Context context("[redaction]\n", "redaction");
        RedactionPlugin plugin(context);
        CPPUNIT_ASSERT_EQUAL(std::string("k=[REDACTED] Bearer [REDACTED] api_key=[REDACTED]"),
                             plugin.redactor().redacted("k=sk-abcdefghijkl Bearer abc api_key=x"));
    }

    void testEveryKeyIsRead()
    {
        portico::test::TempDir dir;
        const std::string secret = dir.write("secret", "a-long-enough-secret\n");
        Context context("[redaction]\nenabled = true\nbuiltins = openai_key, bearer\nsecret_files = " + secret +
                            "\npatterns.internal = itok_[0-9a-f]{8}\npatterns.user = user=(\\w+)\n",
                        "redaction");
        RedactionPlugin plugin(context);
        CPPUNIT_ASSERT(context.config().unreadKeys().empty());
        CPPUNIT_ASSERT_EQUAL(std::string("[REDACTED] [REDACTED] user=[REDACTED] api_key=x"),
                             plugin.redactor().redacted("a-long-enough-secret itok_0123abcd user=bob api_key=x"));
    }

    void testSecretFiles()
    {
        portico::test::TempDir dir;
        const std::string one = dir.write("one", "# the staging key\nfirst-secret-value\n\n  second-secret-value  \r\n");
        const std::string two = dir.write("two", "third-secret-value");
        Context context("[redaction]\nsecret_files = " + one + ", " + two + "\n", "redaction");
        RedactionPlugin plugin(context);
        CPPUNIT_ASSERT_EQUAL(std::string("[REDACTED] [REDACTED] [REDACTED] # the staging key"),
                             plugin.redactor().redacted("first-secret-value second-secret-value third-secret-value # the staging key"));
    }

    void testOpenAiUpstreamKeysAreSecrets()
    {
        portico::test::TempDir dir;
        const std::string main = dir.write("upstream.key", "upstream-main-key-value\n");
        const std::string named = dir.write("vllm.key", "upstream-vllm-key-value\n");
        Context context("[redaction]\n[openai]\nupstream.api_key_file = " + main +
                            "\nupstreams.vllm.api_key_file = " + named + "\nupstreams.vllm.url = http://x\n",
                        "redaction");
        RedactionPlugin plugin(context);
        CPPUNIT_ASSERT_EQUAL(std::string("[REDACTED] and [REDACTED]"),
                             plugin.redactor().redacted("upstream-main-key-value and upstream-vllm-key-value"));
        assertContains(errorOf("[redaction]\n[openai]\nupstream.api_key_file = " + dir.file("gone") + "\n"),
                       "needs to redact the value of openai.upstream.api_key_file, but cannot read " + dir.file("gone"));
    }

    void testShortSecretsAreSkipped()
    {
        portico::test::TempDir dir;
        // vLLM's conventional "EMPTY" key: redacting it would blank out the word everywhere.
        const std::string file = dir.write("short", "EMPTY\n");
        Context context("[redaction]\nsecret_files = " + file + "\n", "redaction");
        RedactionPlugin plugin(context);
        CPPUNIT_ASSERT_EQUAL(std::string("EMPTY"), plugin.redactor().redacted("EMPTY"));
    }

    void testErrorsNameTheKey()
    {
        assertContains(errorOf("[redaction]\nbuiltins = openai_key, ssn\n"), "test.ini: [redaction] builtins: unknown built-in pattern 'ssn'");
        assertContains(errorOf("[redaction]\npatterns.broken = (unclosed\n"), "test.ini: [redaction] patterns.broken: pattern 'broken' does not compile");
        assertContains(errorOf("[redaction]\npatterns.all = .*\n"), "[redaction] patterns.all: pattern 'all' matches the empty string");
        assertContains(errorOf("[redaction]\npatterns.none =\n"), "[redaction] patterns.none: empty pattern");
        assertContains(errorOf("[redaction]\nsecret_files = /nonexistent/secret\n"), "[redaction] secret_files: cannot read /nonexistent/secret");
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RedactionConfigTest);
