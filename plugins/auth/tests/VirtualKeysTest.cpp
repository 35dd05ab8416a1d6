// Virtual keys below the HTTP layer: the rpm bucket and the in-flight cap (KeyLimiter), the
// admin API's policy JSON, the SQLite store (shared by two connections, as two instances share
// it), and the auth plugin checking virtual keys and the admin key through real Exchanges and
// serving the admin routes it registers.

#include "AuthPlugin.h"
#include "AuthTestSupport.h"
#include "KeyLimiter.h"
#include "KeyStoreContract.h"
#include "TempDir.h"
#include "VirtualKeyJson.h"
#include "SqliteKeyStore.h"
#include "api/ExchangeControl.h"
#include "portico/Attributes.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include <cppunit/extensions/HelperMacros.h>

using namespace portico::auth;
using portico::Exchange;
using portico::auth::test::Context;
using portico::auth::test::request;

namespace {

const std::string AdminKey = "sk-portico-AdminTestKey0123456789abcdefghijklmno";

Poco::JSON::Object::Ptr parse(const std::string& text)
{
    return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

std::string policyErrorField(const std::string& body)
{
    VirtualKey key;
    try
    {
        applyPolicyJson(body, key);
    }
    catch (const PolicyError& e)
    {
        return e.field().empty() ? "(body)" : e.field();
    }
    return "(accepted)";
}

} // namespace

class VirtualKeysTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(VirtualKeysTest);
    CPPUNIT_TEST(testRpmBucketAdmitsRpmThenRefillsOverAMinute);
    CPPUNIT_TEST(testInFlightCap);
    CPPUNIT_TEST(testTokenBucketIsChargedAfterTheFact);
    CPPUNIT_TEST(testPolicyJsonSetsTheGivenFieldsOnly);
    CPPUNIT_TEST(testPolicyJsonRefusesNamingTheField);
    CPPUNIT_TEST(testModelGlobs);
    CPPUNIT_TEST(testStoreRoundTripAndAnotherConnectionSeesChanges);
    CPPUNIT_TEST(testStoreInAMissingDirectoryNamesIt);
    CPPUNIT_TEST(testSqliteStoreKeepsTheContract);
    CPPUNIT_TEST(testPluginChecksVirtualKeys);
    CPPUNIT_TEST(testAdminListenerTakesOnlyTheAdminKey);
    CPPUNIT_TEST(testAdminRoutesCreateShowPatchRevoke);
    CPPUNIT_TEST(testUnknownAdminKeyIsAConfigError);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override
    {
        dir_ = std::make_unique<portico::test::TempDir>();
        keysFile_ = dir_->write("keys", "# no fixed keys\n");
        adminKeyFile_ = dir_->write("admin.key", AdminKey + "\n");
    }
    void tearDown() override { dir_.reset(); }

    void testRpmBucketAdmitsRpmThenRefillsOverAMinute()
    {
        KeyLimiter limiter;
        const auto start = KeyLimiter::Clock::now();
        for (int i = 0; i < 10; ++i)
        {
            const auto decision = limiter.takeRequest(10, start);
            CPPUNIT_ASSERT(decision.admitted);
            CPPUNIT_ASSERT_EQUAL(std::int64_t(9 - i), decision.remaining);
        }
        const auto refused = limiter.takeRequest(10, start);
        CPPUNIT_ASSERT(!refused.admitted);
        // One request comes back every 6 s at 10 per minute.
        CPPUNIT_ASSERT_EQUAL(std::int64_t(6000), static_cast<std::int64_t>(refused.wait.count()));
        CPPUNIT_ASSERT(!limiter.takeRequest(10, start + std::chrono::milliseconds(5999)).admitted);
        CPPUNIT_ASSERT(limiter.takeRequest(10, start + std::chrono::milliseconds(6000)).admitted);
        // A full minute refills the whole bucket, never more.
        const auto later = start + std::chrono::minutes(5);
        for (int i = 0; i < 10; ++i)
            CPPUNIT_ASSERT(limiter.takeRequest(10, later).admitted);
        CPPUNIT_ASSERT(!limiter.takeRequest(10, later).admitted);
        // A lowered limit caps what is left at once.
        KeyLimiter lowered;
        CPPUNIT_ASSERT(lowered.takeRequest(100, start).admitted);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), lowered.takeRequest(2, start).remaining);
    }

    void testTokenBucketIsChargedAfterTheFact()
    {
        KeyLimiter limiter;
        const auto start = KeyLimiter::Clock::now();
        // tpm 60: a token a second. 45 tokens used: 15 left; 30 more: 15 below zero.
        CPPUNIT_ASSERT(limiter.admitTokens(60, start).admitted);
        limiter.chargeTokens(60, 45, start);
        const auto left = limiter.admitTokens(60, start);
        CPPUNIT_ASSERT(left.admitted);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(15), left.remaining);
        limiter.chargeTokens(60, 30, start);
        const auto refused = limiter.admitTokens(60, start);
        CPPUNIT_ASSERT(!refused.admitted);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), refused.remaining);
        // Back above zero after 15 s and a moment.
        CPPUNIT_ASSERT_EQUAL(std::int64_t(15001), static_cast<std::int64_t>(refused.wait.count()));
        CPPUNIT_ASSERT(!limiter.admitTokens(60, start + std::chrono::seconds(15)).admitted);
        CPPUNIT_ASSERT(limiter.admitTokens(60, start + std::chrono::milliseconds(15001)).admitted);
    }

    void testInFlightCap()
    {
        KeyLimiter limiter;
        CPPUNIT_ASSERT(limiter.enter(2));
        CPPUNIT_ASSERT(limiter.enter(2));
        CPPUNIT_ASSERT(!limiter.enter(2));
        limiter.leave();
        CPPUNIT_ASSERT(limiter.enter(2));
    }

    void testPolicyJsonSetsTheGivenFieldsOnly()
    {
        VirtualKey key;
        applyPolicyJson(R"({"models":["portico-echo","gpt-4o*"],"rpm":10,"max_in_flight":3,)"
                        R"("expires_at":"2027-01-31T01:00:00+01:00","metadata":{"team":"search","n":1}})",
                        key);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), key.models.size());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(10), key.rpm);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), key.maxInFlight);
        CPPUNIT_ASSERT_EQUAL(std::string("2027-01-31T00:00:00Z"), rfc3339(key.expiresAt));
        CPPUNIT_ASSERT_EQUAL(std::string("search"), parse(key.metadata)->getValue<std::string>("team"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), key.budgetMicros);
        applyPolicyJson(R"({"budget_usd":12.345678,"budget_period":"month"})", key);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(12'345'678), key.budgetMicros);
        CPPUNIT_ASSERT(key.budgetPeriod == BudgetPeriod::Month);
        applyPolicyJson(R"({"budget_usd":"0.000001"})", key);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), key.budgetMicros);
        applyPolicyJson(R"({"budget_usd":3})", key);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3'000'000), key.budgetMicros);
        applyPolicyJson(R"({"rpm":0,"tpm":1000})", key);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), key.rpm);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1000), key.tpm);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), key.maxInFlight);
        applyPolicyJson(R"({"expires_at":null})", key);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), key.expiresAt);
        const auto shown = parse(virtualKeyJson(key));
        CPPUNIT_ASSERT(shown->isNull("expires_at"));
        CPPUNIT_ASSERT(!shown->has("key"));
    }

    void testPolicyJsonRefusesNamingTheField()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("(body)"), policyErrorField("{\"rpm\":"));
        CPPUNIT_ASSERT_EQUAL(std::string("(body)"), policyErrorField("[1]"));
        CPPUNIT_ASSERT_EQUAL(std::string("rpm"), policyErrorField(R"({"rpm":-1})"));
        CPPUNIT_ASSERT_EQUAL(std::string("rpm"), policyErrorField(R"({"rpm":1.5})"));
        CPPUNIT_ASSERT_EQUAL(std::string("max_in_flight"), policyErrorField(R"({"max_in_flight":"3"})"));
        CPPUNIT_ASSERT_EQUAL(std::string("models"), policyErrorField(R"({"models":"a"})"));
        CPPUNIT_ASSERT_EQUAL(std::string("models"), policyErrorField(R"({"models":[""]})"));
        CPPUNIT_ASSERT_EQUAL(std::string("models"), policyErrorField("{\"models\":[\"a\\nb\"]}"));
        CPPUNIT_ASSERT_EQUAL(std::string("expires_at"), policyErrorField(R"({"expires_at":"2027-01-31"})"));
        CPPUNIT_ASSERT_EQUAL(std::string("expires_at"), policyErrorField(R"({"expires_at":"2027-01-31T00:00:00"})"));
        CPPUNIT_ASSERT_EQUAL(std::string("expires_at"), policyErrorField(R"({"expires_at":17})"));
        CPPUNIT_ASSERT_EQUAL(std::string("metadata"), policyErrorField(R"({"metadata":"x"})"));
        CPPUNIT_ASSERT_EQUAL(std::string("metadata"),
                             policyErrorField("{\"metadata\":{\"a\":\"" + std::string(5000, 'x') + "\"}}"));
        CPPUNIT_ASSERT_EQUAL(std::string("tpm"), policyErrorField(R"({"tpm":-1})"));
        CPPUNIT_ASSERT_EQUAL(std::string("tpm"), policyErrorField(R"({"tpm":200000000})"));
        CPPUNIT_ASSERT_EQUAL(std::string("budget_usd"), policyErrorField(R"({"budget_usd":-5})"));
        CPPUNIT_ASSERT_EQUAL(std::string("budget_usd"), policyErrorField(R"({"budget_usd":0.0000001})"));
        CPPUNIT_ASSERT_EQUAL(std::string("budget_usd"), policyErrorField(R"({"budget_usd":"1e3"})"));
        CPPUNIT_ASSERT_EQUAL(std::string("budget_period"), policyErrorField(R"({"budget_period":"year"})"));
        CPPUNIT_ASSERT_EQUAL(std::string("colour"), policyErrorField(R"({"colour":"blue"})"));
        CPPUNIT_ASSERT_EQUAL(std::string("(accepted)"), policyErrorField(""));
    }

    void testModelGlobs()
    {
        VirtualKey key;
        CPPUNIT_ASSERT(key.allowsModel("anything"));
        key.models = {"portico-echo", "gpt-4o*", "claude-?"};
        CPPUNIT_ASSERT(key.allowsModel("portico-echo"));
        CPPUNIT_ASSERT(!key.allowsModel("portico-echo2"));
        CPPUNIT_ASSERT(key.allowsModel("gpt-4o-mini"));
        CPPUNIT_ASSERT(!key.allowsModel("gpt-4"));
        CPPUNIT_ASSERT(key.allowsModel("claude-3"));
        CPPUNIT_ASSERT(!key.allowsModel("claude-35"));
    }

    void testStoreRoundTripAndAnotherConnectionSeesChanges()
    {
        const std::string path = dir_->file("keys.db");
        SqliteKeyStore store(path);
        SqliteKeyStore other(path);
        const std::int64_t before = other.revision();
        VirtualKey key;
        key.id = newVirtualKeyId();
        key.models = {"portico-echo"};
        key.rpm = 7;
        key.createdAt = 1'800'000'000;
        key.metadata = R"({"team":"t"})";
        store.insert(key, KeyStore::digestOf("sk-secret"));
        CPPUNIT_ASSERT(other.revision() != before);
        const auto found = other.find(key.id);
        CPPUNIT_ASSERT(found);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(7), found->rpm);
        CPPUNIT_ASSERT_EQUAL(std::string("portico-echo"), found->models.at(0));
        CPPUNIT_ASSERT_EQUAL(key.metadata, found->metadata);
        const auto all = other.loadAll();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), all.size());
        CPPUNIT_ASSERT(all[0].first == KeyStore::digestOf("sk-secret"));

        key.rpm = 9;
        CPPUNIT_ASSERT(store.update(key));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(9), other.find(key.id)->rpm);
        CPPUNIT_ASSERT(store.revoke(key.id, 1'800'000'100));
        CPPUNIT_ASSERT(!store.revoke(key.id, 1'800'000'200)); // once
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1'800'000'100), other.find(key.id)->revokedAt);
        VirtualKey missing;
        missing.id = newVirtualKeyId();
        CPPUNIT_ASSERT(!store.update(missing));
        CPPUNIT_ASSERT(!store.find(missing.id));
        // The file keeps it all for the next process.
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), SqliteKeyStore(path).list().size());
    }

    void testSqliteStoreKeepsTheContract()
    {
        const std::string path = dir_->file("contract.db");
        portico::auth::test::checkKeyStoreContract([&] { return std::make_unique<SqliteKeyStore>(path); });
    }

    void testStoreInAMissingDirectoryNamesIt()
    {
        try
        {
            SqliteKeyStore store(dir_->file("no/such/dir/keys.db"));
            CPPUNIT_FAIL("a store in a missing directory opened");
        }
        catch (const std::runtime_error& e)
        {
            CPPUNIT_ASSERT(std::string(e.what()).find("no/such/dir") != std::string::npos);
        }
    }

    void testPluginChecksVirtualKeys()
    {
        // An instance without the admin API checks the keys another instance made.
        SqliteKeyStore store(dir_->file("keys.db"));
        const std::string limitedKey = "sk-portico-Limited0123456789abcdefghijklmnopqrstu";
        VirtualKey limited;
        limited.id = newVirtualKeyId();
        limited.models = {"portico-echo"};
        limited.rpm = 2;
        store.insert(limited, KeyStore::digestOf(limitedKey));
        const std::string expiredKey = "sk-portico-Expired0123456789abcdefghijklmnopqrstu";
        VirtualKey expired;
        expired.id = newVirtualKeyId();
        expired.expiresAt = 1'600'000'000;
        store.insert(expired, KeyStore::digestOf(expiredKey));

        const std::string tokenKey = "sk-portico-Tokens01234567890abcdefghijklmnopqrstuv";
        VirtualKey tokens;
        tokens.id = newVirtualKeyId();
        tokens.tpm = 20;
        store.insert(tokens, KeyStore::digestOf(tokenKey));

        Context context(config(false), "auth");
        AuthPlugin plugin(context);
        CPPUNIT_ASSERT(context.routes().empty()); // no [admin] listen: no admin API

        // tpm 20, answers of 15 tokens: the second request is admitted (5 left), the third not.
        for (int i = 0; i < 3; ++i)
        {
            auto exchange = request("POST", "/v1/chat/completions", {{"Authorization", "Bearer " + tokenKey}},
                                    R"({"model":"portico-echo"})");
            plugin.onRequest(*exchange);
            plugin.onResponseHead(*exchange);
            CPPUNIT_ASSERT_EQUAL(std::string("20"), exchange->response().headers.get("x-ratelimit-limit-tokens", ""));
            if (i == 2)
            {
                CPPUNIT_ASSERT_EQUAL(429, exchange->response().status);
                CPPUNIT_ASSERT(exchange->response().body.find("tokens per minute") != std::string::npos);
                CPPUNIT_ASSERT_EQUAL(std::string("0"), exchange->response().headers.get("x-ratelimit-remaining-tokens", ""));
                break;
            }
            CPPUNIT_ASSERT(!exchange->answered());
            CPPUNIT_ASSERT(!exchange->find(portico::attr::AllowedModels)); // any model
            exchange->set(portico::attr::Model, "portico-echo");
            exchange->set(portico::attr::UsageInputTokens, "10");
            exchange->set(portico::attr::UsageOutputTokens, "5");
            plugin.onComplete(*exchange, portico::Outcome::Completed);
        }
        const std::string echo = R"({"model":"portico-echo","messages":[]})";
        for (int i = 0; i < 2; ++i)
        {
            auto exchange = request("POST", "/v1/chat/completions", {{"Authorization", "Bearer " + limitedKey}}, echo);
            plugin.onRequest(*exchange);
            CPPUNIT_ASSERT(!exchange->answered());
            CPPUNIT_ASSERT_EQUAL(limited.id, exchange->get(portico::attr::Principal));
            CPPUNIT_ASSERT_EQUAL(std::string("portico-echo"), exchange->get(portico::attr::AllowedModels));
            plugin.onResponseHead(*exchange);
            CPPUNIT_ASSERT_EQUAL(std::string(i == 0 ? "1" : "0"),
                                 exchange->response().headers.get("x-ratelimit-remaining-requests", ""));
        }
        auto third = request("POST", "/v1/chat/completions", {{"Authorization", "Bearer " + limitedKey}}, echo);
        plugin.onRequest(*third);
        CPPUNIT_ASSERT_EQUAL(429, third->response().status);
        CPPUNIT_ASSERT(third->response().body.find("\"code\":\"rate_limit_exceeded\"") != std::string::npos);
        CPPUNIT_ASSERT(third->response().body.find(limitedKey) == std::string::npos);

        auto embed = request("POST", "/v1/embeddings", {{"Authorization", "Bearer " + limitedKey}},
                             R"({"model":"portico-embed","input":"x"})");
        plugin.onRequest(*embed);
        CPPUNIT_ASSERT_EQUAL(403, embed->response().status);
        CPPUNIT_ASSERT(embed->response().body.find("\"code\":\"model_not_allowed\"") != std::string::npos);

        // A body that names no model, or no JSON, could reach any model (a default, a
        // pass-through): refused; a body-less GET is not.
        for (const std::string& body : {std::string(R"({"messages":[]})"), std::string("not json"),
                                       std::string(R"({"model":["portico-echo"]})")})
        {
            auto unnamed = request("POST", "/v1/chat/completions", {{"Authorization", "Bearer " + limitedKey}}, body);
            plugin.onRequest(*unnamed);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(body, 403, unnamed->response().status);
        }
        // Duplicate members: the last one counts, as for the openai plugin's parse.
        auto twice = request("POST", "/v1/embeddings", {{"Authorization", "Bearer " + limitedKey}},
                             R"({"model":"portico-echo","model":"portico-embed"})");
        plugin.onRequest(*twice);
        CPPUNIT_ASSERT_EQUAL(403, twice->response().status);

        auto late = request("GET", "/v1/models", {{"x-api-key", expiredKey}});
        plugin.onRequest(*late);
        CPPUNIT_ASSERT_EQUAL(401, late->response().status);
        CPPUNIT_ASSERT(late->response().body.find("\"code\":\"expired_api_key\"") != std::string::npos);

        auto wrong = request("GET", "/v1/models", {{"Authorization", "Bearer sk-portico-nobody"}});
        plugin.onRequest(*wrong);
        CPPUNIT_ASSERT_EQUAL(401, wrong->response().status);
        CPPUNIT_ASSERT(wrong->response().body.find("\"code\":\"invalid_api_key\"") != std::string::npos);
    }

    void testAdminListenerTakesOnlyTheAdminKey()
    {
        Context context(config(true), "auth");
        AuthPlugin plugin(context);
        auto admin = adminRequest("GET", "/admin/keys", AdminKey);
        plugin.onRequest(*admin);
        CPPUNIT_ASSERT(!admin->answered());
        CPPUNIT_ASSERT_EQUAL(std::string("admin"), admin->get(portico::attr::Principal));
        auto wrong = adminRequest("GET", "/admin/keys", AdminKey + "x");
        plugin.onRequest(*wrong);
        CPPUNIT_ASSERT_EQUAL(401, wrong->response().status);
        // The exempt paths are the public listener's: on the admin listener everything needs it.
        auto health = adminRequest("GET", "/healthz", "");
        plugin.onRequest(*health);
        CPPUNIT_ASSERT_EQUAL(401, health->response().status);
        // The admin key is no API key on the public listener.
        auto onPublic = request("GET", "/v1/models", {{"Authorization", "Bearer " + AdminKey}});
        plugin.onRequest(*onPublic);
        CPPUNIT_ASSERT_EQUAL(401, onPublic->response().status);
    }

    void testAdminRoutesCreateShowPatchRevoke()
    {
        Context context(config(true), "auth");
        AuthPlugin plugin(context);
        CPPUNIT_ASSERT_EQUAL(std::size_t(6), context.routes().size());
        for (const auto& route : context.routes())
        {
            CPPUNIT_ASSERT(route.listener == portico::Listener::Admin);
            CPPUNIT_ASSERT(route.blocking == portico::Blocking::May);
        }
        auto created = call(context, "POST", "/admin/keys", "", R"({"models":["portico-echo"],"max_in_flight":1})");
        CPPUNIT_ASSERT_EQUAL(201, created->response().status);
        const auto body = parse(created->response().body);
        const std::string id = body->getValue<std::string>("id");
        const std::string key = body->getValue<std::string>("key");
        CPPUNIT_ASSERT(validVirtualKeyId(id));

        // The new key works at once on this instance, and its in-flight cap holds until the first
        // request's exchange is gone.
        const std::string echo = R"({"model":"portico-echo"})";
        auto first = request("POST", "/v1/chat/completions", {{"Authorization", "Bearer " + key}}, echo);
        plugin.onRequest(*first);
        CPPUNIT_ASSERT(!first->answered());
        auto second = request("POST", "/v1/chat/completions", {{"Authorization", "Bearer " + key}}, echo);
        plugin.onRequest(*second);
        CPPUNIT_ASSERT_EQUAL(429, second->response().status);
        CPPUNIT_ASSERT(second->response().body.find("max_in_flight_exceeded") != std::string::npos);
        first.reset();
        auto third = request("POST", "/v1/chat/completions", {{"Authorization", "Bearer " + key}}, echo);
        plugin.onRequest(*third);
        CPPUNIT_ASSERT(!third->answered());
        third.reset();

        auto shown = call(context, "GET", "/admin/keys/{id}", id, "");
        CPPUNIT_ASSERT_EQUAL(200, shown->response().status);
        CPPUNIT_ASSERT(shown->response().body.find(key) == std::string::npos);
        auto patched = call(context, "PATCH", "/admin/keys/{id}", id, R"({"models":[]})");
        CPPUNIT_ASSERT_EQUAL(200, patched->response().status);
        auto badPatch = call(context, "PATCH", "/admin/keys/{id}", id, R"({"rpm":"x"})");
        CPPUNIT_ASSERT_EQUAL(400, badPatch->response().status);
        auto embed = request("POST", "/v1/embeddings", {{"Authorization", "Bearer " + key}}, R"({"model":"portico-embed"})");
        plugin.onRequest(*embed);
        CPPUNIT_ASSERT(!embed->answered());
        embed.reset();

        auto revoked = call(context, "DELETE", "/admin/keys/{id}", id, "");
        CPPUNIT_ASSERT_EQUAL(200, revoked->response().status);
        CPPUNIT_ASSERT(parse(revoked->response().body)->getValue<bool>("revoked"));
        auto refused = request("GET", "/v1/models", {{"Authorization", "Bearer " + key}});
        plugin.onRequest(*refused);
        CPPUNIT_ASSERT_EQUAL(401, refused->response().status);
        CPPUNIT_ASSERT(refused->response().body.find("revoked_api_key") != std::string::npos);
        auto again = call(context, "DELETE", "/admin/keys/{id}", id, "");
        CPPUNIT_ASSERT_EQUAL(200, again->response().status);
        CPPUNIT_ASSERT_EQUAL(404, call(context, "GET", "/admin/keys/{id}", "vk_nope", "")->response().status);
        auto listed = call(context, "GET", "/admin/keys", "", "");
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), parse(listed->response().body)->getArray("data")->size());
    }

    void testUnknownAdminKeyIsAConfigError()
    {
        try
        {
            Context context(config(true) + "colour = blue\n", "auth");
            AuthPlugin plugin(context);
            CPPUNIT_FAIL("an unknown [admin] key was accepted");
        }
        catch (const portico::ConfigError& e)
        {
            CPPUNIT_ASSERT(std::string(e.what()).find("[admin] colour") != std::string::npos);
        }
    }

private:
    std::string config(bool servesApi) const
    {
        std::string ini = "[auth]\nkeys_file = " + keysFile_ + "\n[admin]\nstore = " + dir_->file("keys.db") + "\n";
        if (servesApi)
            ini += "listen = 127.0.0.1:18001\nkey_file = " + adminKeyFile_ + "\n";
        return ini;
    }

    static std::unique_ptr<Exchange> adminRequest(const std::string& method, const std::string& target,
                                                  const std::string& key, std::string body = "")
    {
        auto exchange = request(method, target, {{"Authorization", "Bearer " + key}}, std::move(body));
        portico::ExchangeControl::setListener(*exchange, portico::Listener::Admin);
        return exchange;
    }

    /// Runs the admin route registered for `method` and `pattern` with `id` as its {id}.
    static std::unique_ptr<Exchange> call(const Context& context, const std::string& method,
                                          const std::string& pattern, const std::string& id, std::string body)
    {
        auto exchange = adminRequest(method, pattern, AdminKey, std::move(body));
        if (!id.empty())
            portico::ExchangeControl::addPathParam(*exchange, "id", id);
        for (const auto& route : context.routes())
            if (route.method == method && route.pattern == pattern)
            {
                route.handler(*exchange);
                return exchange;
            }
        CPPUNIT_FAIL("no admin route " + method + " " + pattern);
        return nullptr;
    }

    std::unique_ptr<portico::test::TempDir> dir_;
    std::string keysFile_;
    std::string adminKeyFile_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(VirtualKeysTest);
