// The auth plugin driven through real Exchanges: principals, 401 shapes, exempt paths, the
// keys file's problems, and that the offered key never reaches the log.

#include "AuthPlugin.h"
#include "AuthTestSupport.h"
#include "TempDir.h"
#include "portico/Attributes.h"
#include "Poco/DigestEngine.h"
#include "Poco/SHA2Engine.h"
#include <cppunit/extensions/HelperMacros.h>

using portico::ConfigError;
using portico::Exchange;
using portico::auth::AuthPlugin;
using portico::auth::test::CaptureChannel;
using portico::auth::test::Context;
using portico::auth::test::request;

namespace {

const std::string AliceKey = "sk-portico-AliceTestKey0123456789abcdefghijklmnop";
const std::string BobKey = "sk-portico-BobTestKey0123456789abcdefghijklmnopqr";
const std::string WrongKey = "sk-portico-WrongKeyNobodyHas0123456789abcdefghij";

std::string line(const std::string& principal, const std::string& key)
{
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
    engine.update(key);
    return principal + " sha256:" + Poco::DigestEngine::digestToHex(engine.digest());
}

const std::string WrongKeyBody = "{\"error\":{\"message\":\"Incorrect API key provided.\",\"type\":"
                                 "\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}";

void assertContains(const std::string& haystack, const std::string& needle)
{
    CPPUNIT_ASSERT_MESSAGE("expected \"" + needle + "\" in \"" + haystack + "\"", haystack.find(needle) != std::string::npos);
}

} // namespace

class AuthPluginTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(AuthPluginTest);
    CPPUNIT_TEST(testValidKeySetsThePrincipal);
    CPPUNIT_TEST(testMissingKeyGets401SayingSo);
    CPPUNIT_TEST(testWrongKeyGetsTheExactOpenAiBody);
    CPPUNIT_TEST(testOtherSchemesAreAMissingKey);
    CPPUNIT_TEST(testXApiKeyIsAcceptedAndAnthropicRoutesGetAnthropicErrors);
    CPPUNIT_TEST(testTwoAuthorizationHeadersAreRefused);
    CPPUNIT_TEST(testOverlongKeyIsRefused);
    CPPUNIT_TEST(testHealthAndReadinessAreExemptByDefault);
    CPPUNIT_TEST(testMetricsNeedsAKeyUnlessExempted);
    CPPUNIT_TEST(testExemptPrefix);
    CPPUNIT_TEST(testEmptyExemptListProtectsEverything);
    CPPUNIT_TEST(testBadExemptEntriesAreConfigErrors);
    CPPUNIT_TEST(testEveryKeyIsRead);
    CPPUNIT_TEST(testMalformedKeysFileIsAConfigErrorWithTheLine);
    CPPUNIT_TEST(testUnreadableKeysFileMakesItNotReady);
    CPPUNIT_TEST(testUnreadableKeysFileRefusesAReload);
    CPPUNIT_TEST(testOfferedKeyIsNeverLogged);
    CPPUNIT_TEST(testAVerifiedKeyIsRecognisedAgainAndWrongKeysStayWrong);
    CPPUNIT_TEST(testAReloadForgetsVerifiedKeys);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override
    {
        dir_ = std::make_unique<portico::test::TempDir>();
        keysFile_ = dir_->write("keys", "# test keys\n" + line("alice", AliceKey) + "\n" + line("bob", BobKey) + "\n");
    }

    void tearDown() override { dir_.reset(); }

    void testValidKeySetsThePrincipal()
    {
        AuthPlugin plugin(context());
        auto alice = request("GET", "/v1/models", {{"Authorization", "Bearer " + AliceKey}});
        plugin.onRequest(*alice);
        CPPUNIT_ASSERT(!alice->answered());
        CPPUNIT_ASSERT_EQUAL(std::string("alice"), alice->get(portico::attr::Principal));
        auto bob = request("POST", "/v1/chat/completions", {{"authorization", "bearer " + BobKey}});
        plugin.onRequest(*bob);
        CPPUNIT_ASSERT(!bob->answered());
        CPPUNIT_ASSERT_EQUAL(std::string("bob"), bob->get(portico::attr::Principal));
        CPPUNIT_ASSERT(plugin.notReadyReason().empty());
    }

    void testMissingKeyGets401SayingSo()
    {
        AuthPlugin plugin(context());
        auto exchange = request("GET", "/v1/models");
        plugin.onRequest(*exchange);
        assert401(*exchange);
        assertContains(exchange->response().body, "You didn't provide an API key.");
        assertContains(exchange->response().body, "\"code\":\"invalid_api_key\"");
        assertContains(exchange->response().body, "\"type\":\"invalid_request_error\"");
        CPPUNIT_ASSERT(!exchange->find(portico::attr::Principal));
    }

    void testWrongKeyGetsTheExactOpenAiBody()
    {
        AuthPlugin plugin(context());
        auto exchange = request("GET", "/v1/models", {{"Authorization", "Bearer " + WrongKey}});
        plugin.onRequest(*exchange);
        assert401(*exchange);
        CPPUNIT_ASSERT_EQUAL(WrongKeyBody, exchange->response().body);
        CPPUNIT_ASSERT(!exchange->find(portico::attr::Principal));
        // A valid key with one character changed is as wrong as any other.
        std::string almost = AliceKey;
        almost.back() = almost.back() == 'p' ? 'q' : 'p';
        auto near = request("GET", "/v1/models", {{"Authorization", "Bearer " + almost}});
        plugin.onRequest(*near);
        CPPUNIT_ASSERT_EQUAL(WrongKeyBody, near->response().body);
    }

    void testXApiKeyIsAcceptedAndAnthropicRoutesGetAnthropicErrors()
    {
        AuthPlugin plugin(context());
        auto alice = request("POST", "/v1/messages", {{"x-api-key", AliceKey}, {"anthropic-version", "2023-06-01"}});
        plugin.onRequest(*alice);
        CPPUNIT_ASSERT(!alice->answered());
        CPPUNIT_ASSERT_EQUAL(std::string("alice"), alice->get(portico::attr::Principal));
        // Any route, either header; both when they hold the same key.
        auto bob = request("GET", "/v1/models", {{"X-Api-Key", BobKey}, {"Authorization", "Bearer " + BobKey}});
        plugin.onRequest(*bob);
        CPPUNIT_ASSERT_EQUAL(std::string("bob"), bob->get(portico::attr::Principal));
        auto differ = request("GET", "/v1/models", {{"x-api-key", BobKey}, {"Authorization", "Bearer " + AliceKey}});
        plugin.onRequest(*differ);
        assert401(*differ);
        auto twice = request("GET", "/v1/models", {{"x-api-key", BobKey}, {"x-api-key", BobKey}});
        plugin.onRequest(*twice);
        assert401(*twice);

        auto wrong = request("POST", "/v1/messages", {{"x-api-key", WrongKey}});
        plugin.onRequest(*wrong);
        assert401(*wrong);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}})"),
                             wrong->response().body);
        auto missing = request("POST", "/v1/messages/count_tokens");
        plugin.onRequest(*missing);
        assert401(*missing);
        assertContains(missing->response().body, "\"authentication_error\"");
        assertContains(missing->response().body, "x-api-key header is required");
        // OpenAI's routes keep OpenAI's shape, whichever header was used.
        auto openai = request("GET", "/v1/models", {{"x-api-key", WrongKey}});
        plugin.onRequest(*openai);
        CPPUNIT_ASSERT_EQUAL(WrongKeyBody, openai->response().body);
    }

    void testOtherSchemesAreAMissingKey()
    {
        AuthPlugin plugin(context());
        for (const std::string& header : std::vector<std::string>{"Basic YWxpY2U6c2VjcmV0", AliceKey, "Bearer", "Token " + AliceKey})
        {
            auto exchange = request("GET", "/v1/models", {{"Authorization", header}});
            plugin.onRequest(*exchange);
            assert401(*exchange);
            assertContains(exchange->response().body, "You didn't provide an API key.");
        }
    }

    void testTwoAuthorizationHeadersAreRefused()
    {
        AuthPlugin plugin(context());
        auto exchange = request("GET", "/v1/models",
                                {{"Authorization", "Bearer " + AliceKey}, {"Authorization", "Bearer " + BobKey}});
        plugin.onRequest(*exchange);
        assert401(*exchange);
        CPPUNIT_ASSERT_EQUAL(WrongKeyBody, exchange->response().body);
    }

    void testOverlongKeyIsRefused()
    {
        AuthPlugin plugin(context());
        auto exchange = request("GET", "/v1/models", {{"Authorization", "Bearer " + std::string(5000, 'k')}});
        plugin.onRequest(*exchange);
        assert401(*exchange);
    }

    void testHealthAndReadinessAreExemptByDefault()
    {
        AuthPlugin plugin(context());
        for (const char* path : {"/healthz", "/readyz"})
        {
            auto exchange = request("GET", path);
            plugin.onRequest(*exchange);
            CPPUNIT_ASSERT_MESSAGE(path, !exchange->answered());
        }
        // Exact paths only: a look-alike needs a key.
        for (const char* path : {"/healthz/", "/healthzz", "//healthz", "/%68ealthz"})
        {
            auto exchange = request("GET", path);
            plugin.onRequest(*exchange);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(path, 401, exchange->response().status);
        }
    }

    void testMetricsNeedsAKeyUnlessExempted()
    {
        {
            AuthPlugin plugin(context());
            auto exchange = request("GET", "/metrics");
            plugin.onRequest(*exchange);
            assert401(*exchange);
            auto withKey = request("GET", "/metrics", {{"Authorization", "Bearer " + AliceKey}});
            plugin.onRequest(*withKey);
            CPPUNIT_ASSERT(!withKey->answered());
        }
        AuthPlugin open(context("exempt = /healthz, /readyz, /metrics\n"));
        auto exchange = request("GET", "/metrics");
        open.onRequest(*exchange);
        CPPUNIT_ASSERT(!exchange->answered());
    }

    void testExemptPrefix()
    {
        AuthPlugin plugin(context("exempt = /public/*\n"));
        auto inside = request("GET", "/public/docs/index.html");
        plugin.onRequest(*inside);
        CPPUNIT_ASSERT(!inside->answered());
        for (const char* path : {"/public", "/publicity/x", "/healthz", "/v1/public/x"})
        {
            auto exchange = request("GET", path);
            plugin.onRequest(*exchange);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(path, 401, exchange->response().status);
        }
    }

    void testEmptyExemptListProtectsEverything()
    {
        AuthPlugin plugin(context("exempt =\n"));
        auto exchange = request("GET", "/healthz");
        plugin.onRequest(*exchange);
        assert401(*exchange);
    }

    void testBadExemptEntriesAreConfigErrors()
    {
        for (const char* value : {"healthz", "/a/*/b", "/a*", "/*x"})
        {
            try
            {
                AuthPlugin plugin(context(std::string("exempt = ") + value + "\n"));
                CPPUNIT_FAIL(std::string("accepted exempt = ") + value);
            }
            catch (const ConfigError& e)
            {
                assertContains(e.what(), "test.ini: [auth] exempt:");
            }
        }
    }

    void testEveryKeyIsRead()
    {
        Context ctx("[auth]\nkeys_file = " + keysFile_ + "\nexempt = /healthz\nenabled = true\n", "auth");
        AuthPlugin plugin(ctx);
        CPPUNIT_ASSERT(ctx.config().unreadKeys().empty());
        Context typo("[auth]\nkeys_file = " + keysFile_ + "\nexcempt = /healthz\n", "auth");
        AuthPlugin withTypo(typo);
        CPPUNIT_ASSERT_EQUAL(std::string("excempt"), typo.config().unreadKeys().at(0));
    }

    void testMalformedKeysFileIsAConfigErrorWithTheLine()
    {
        dir_->write("keys", line("alice", AliceKey) + "\n# ok so far\nbob sha256:nothex\n");
        for (bool reloading : {false, true})
        {
            try
            {
                Context ctx("[auth]\nkeys_file = " + keysFile_ + "\n", "auth", reloading);
                AuthPlugin plugin(ctx);
                CPPUNIT_FAIL("a malformed keys file was accepted");
            }
            catch (const ConfigError& e)
            {
                assertContains(e.what(), keysFile_ + ":3:");
            }
        }
    }

    void testUnreadableKeysFileMakesItNotReady()
    {
        Context ctx("[auth]\nkeys_file = " + dir_->file("absent") + "\n", "auth");
        AuthPlugin plugin(ctx);
        assertContains(plugin.notReadyReason(), dir_->file("absent"));
        auto exchange = request("GET", "/v1/models", {{"Authorization", "Bearer " + AliceKey}});
        plugin.onRequest(*exchange);
        CPPUNIT_ASSERT_EQUAL(503, exchange->response().status);
        assertContains(exchange->response().body, "keys_unavailable");
        auto health = request("GET", "/readyz");
        plugin.onRequest(*health);
        CPPUNIT_ASSERT(!health->answered()); // /readyz must stay reachable to say why
    }

    void testUnreadableKeysFileRefusesAReload()
    {
        Context ctx("[auth]\nkeys_file = " + dir_->file("absent") + "\n", "auth", true);
        try
        {
            AuthPlugin plugin(ctx);
            CPPUNIT_FAIL("a reload with an unreadable keys file was accepted");
        }
        catch (const ConfigError& e)
        {
            assertContains(e.what(), dir_->file("absent"));
            assertContains(e.what(), "keeping the keys in force");
        }
    }

    void testOfferedKeyIsNeverLogged()
    {
        Poco::Logger& logger = Poco::Logger::get("portico.auth");
        Poco::AutoPtr<CaptureChannel> capture(new CaptureChannel);
        const Poco::Channel::Ptr before = logger.getChannel();
        const int level = logger.getLevel();
        logger.setChannel(capture);
        logger.setLevel(Poco::Message::PRIO_TRACE);
        {
            AuthPlugin plugin(context());
            for (const std::string& key : {WrongKey, AliceKey})
            {
                auto exchange = request("POST", "/v1/embeddings?user=test", {{"Authorization", "Bearer " + key}});
                plugin.onRequest(*exchange);
            }
            auto twice = request("GET", "/v1/models", {{"Authorization", "Bearer " + WrongKey}, {"Authorization", "Bearer " + AliceKey}});
            plugin.onRequest(*twice);
            auto basic = request("GET", "/v1/models", {{"Authorization", "Basic " + WrongKey}});
            plugin.onRequest(*basic);
        }
        logger.setChannel(before);
        logger.setLevel(level);
        const std::string logged = capture->text();
        // The rejections are logged at debug, with the target, never with the key.
        assertContains(logged, "401 for POST /v1/embeddings?user=test from 127.0.0.1:40000: the key is not in the keys file");
        assertContains(logged, "more than one Authorization header");
        CPPUNIT_ASSERT_MESSAGE(logged, logged.find(WrongKey) == std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(logged, logged.find(AliceKey) == std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(logged, logged.find("WrongKeyNobodyHas") == std::string::npos);
    }

private:
    // The second request with a key is answered from the verified-key cache: same principal,
    // and keys near a cached one (a prefix, one more character, one changed) are still wrong.
    void testAVerifiedKeyIsRecognisedAgainAndWrongKeysStayWrong()
    {
        AuthPlugin plugin(context());
        for (int round = 0; round < 3; ++round)
            for (const auto& [key, principal] : {std::pair{AliceKey, "alice"}, std::pair{BobKey, "bob"}})
            {
                auto exchange = request("GET", "/v1/models", {{"Authorization", "Bearer " + key}});
                plugin.onRequest(*exchange);
                CPPUNIT_ASSERT(!exchange->answered());
                CPPUNIT_ASSERT_EQUAL(std::string(principal), exchange->get(portico::attr::Principal));
            }
        std::string changed = AliceKey;
        changed[12] = changed[12] == 'x' ? 'y' : 'x';
        for (const std::string& key : {AliceKey.substr(0, AliceKey.size() - 1), AliceKey + "0", changed, WrongKey})
        {
            auto exchange = request("GET", "/v1/models", {{"Authorization", "Bearer " + key}});
            plugin.onRequest(*exchange);
            assert401(*exchange);
            CPPUNIT_ASSERT_EQUAL(WrongKeyBody, exchange->response().body);
        }
    }

    // A key verified before a reload that removed it is refused after it: the new plugin
    // starts with an empty cache.
    void testAReloadForgetsVerifiedKeys()
    {
        AuthPlugin before(context());
        auto first = request("GET", "/v1/models", {{"Authorization", "Bearer " + AliceKey}});
        before.onRequest(*first);
        CPPUNIT_ASSERT_EQUAL(std::string("alice"), first->get(portico::attr::Principal));

        dir_->write("keys", line("bob", BobKey) + "\n");
        Context reloading("[auth]\nkeys_file = " + keysFile_ + "\n", "auth", true);
        AuthPlugin after(reloading);
        auto again = request("GET", "/v1/models", {{"Authorization", "Bearer " + AliceKey}});
        after.onRequest(*again);
        assert401(*again);
        auto bob = request("GET", "/v1/models", {{"Authorization", "Bearer " + BobKey}});
        after.onRequest(*bob);
        CPPUNIT_ASSERT_EQUAL(std::string("bob"), bob->get(portico::attr::Principal));
    }

    Context& context(const std::string& extra = "")
    {
        context_ = std::make_unique<Context>("[auth]\nkeys_file = " + keysFile_ + "\n" + extra, "auth");
        return *context_;
    }

    static void assert401(Exchange& exchange)
    {
        CPPUNIT_ASSERT(exchange.answered());
        CPPUNIT_ASSERT_EQUAL(401, exchange.response().status);
        CPPUNIT_ASSERT_EQUAL(std::string("application/json"), exchange.response().contentType);
        CPPUNIT_ASSERT_EQUAL(std::string("Bearer"), exchange.response().headers.get("WWW-Authenticate", ""));
        CPPUNIT_ASSERT(exchange.response().source == portico::AnswerSource::Hook);
    }

    std::unique_ptr<portico::test::TempDir> dir_;
    std::string keysFile_;
    std::unique_ptr<Context> context_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(AuthPluginTest);
