// Two porticod instances on one Redis: a key's rpm is one bucket across both (exactly rpm of
// many concurrent requests pass), and a budget is passed by no more than the requests in flight
// when it is reached. Run twice: with the keys in one SQLite file and the counters in Redis
// ([admin] counters = redis: one host), and with the keys and the ledger in Redis too
// ([admin] store = redis: no file shared, as instances on several hosts). Also: the Redis store
// keeps the store contract (KeyStoreContract.h), a revoked key is refused by every instance
// within a second, settled spend survives kill -9, and keys are served while Redis is stalled.

#include "HttpClient.h"
#include "KeyStoreContract.h"
#include "RedisKeyStore.h"
#include "SpendDurability.h"
#include "PorticodProcess.h"
#include "RedisServer.h"
#include "TempDir.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include <atomic>
#include <chrono>
#include <cppunit/extensions/HelperMacros.h>
#include <iostream>
#include <thread>

using namespace portico::test;

namespace {

Poco::JSON::Object::Ptr json(const std::string& text)
{
    return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

} // namespace

class VirtualKeysRedisIntegrationTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(VirtualKeysRedisIntegrationTest);
    CPPUNIT_TEST(testRpmIsOneBucketAcrossInstances);
    CPPUNIT_TEST(testBudgetIsPassedByNoMoreThanTheRequestsInFlight);
    CPPUNIT_TEST(testTpmIsOneBucketAcrossInstances);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override
    {
        if (!RedisServer::available())
            throw std::runtime_error("redis-server is not installed (apt-get install redis-server)");
        redis_ = std::make_unique<RedisServer>();
        dir_ = std::make_unique<TempDir>();
        dir_->write("admin.key", AdminKey + "\n");
        adminPort_ = freePort();
        // Instance A serves the admin API; B only checks keys. Both: one store, one Redis.
        a_ = std::make_unique<PorticodProcess>(config(true));
        b_ = std::make_unique<PorticodProcess>(config(false));
    }

    void tearDown() override
    {
        a_.reset();
        b_.reset();
        redis_.reset();
        dir_.reset();
    }

    void testRpmIsOneBucketAcrossInstances()
    {
        const std::string key = createKey(R"({"rpm":100,"models":["portico-echo"]})");
        std::atomic<int> ok{0}, limited{0}, other{0};
        std::atomic<int> next{0};
        std::vector<std::thread> clients;
        for (int c = 0; c < 50; ++c)
            clients.emplace_back([&] {
                for (int i = next++; i < 150; i = next++)
                {
                    PorticodProcess& server = i % 2 ? *a_ : *b_;
                    const int status =
                        httpRequest(server.port(), "GET", "/v1/models", "", {{"Authorization", "Bearer " + key}}).status;
                    (status == 200 ? ok : status == 429 ? limited : other)++;
                }
            });
        for (auto& thread : clients)
            thread.join();
        std::cout << "\nrpm 100 across two instances, 150 requests from 50 clients: " << ok << " admitted, "
                  << limited << " refused" << std::endl;
        CPPUNIT_ASSERT_EQUAL(0, other.load());
        CPPUNIT_ASSERT_EQUAL(100, ok.load());
        CPPUNIT_ASSERT_EQUAL(50, limited.load());
    }

    void testBudgetIsPassedByNoMoreThanTheRequestsInFlight()
    {
        // 2.5 and 10 dollars per million tokens; a budget of a few hundred requests' worth.
        const std::string body = R"({"model":"portico-echo","messages":[{"role":"user","content":"count me"}]})";
        const std::string probe = createKey(R"({"models":["portico-echo"]})");
        const HttpResult first = httpRequest(a_->port(), "POST", "/v1/chat/completions", body,
                                             {{"Authorization", "Bearer " + probe}});
        CPPUNIT_ASSERT_EQUAL(200, first.status);
        const auto usage = json(first.body)->getObject("usage");
        const std::int64_t costPico = usage->getValue<std::int64_t>("prompt_tokens") * 2'500'000 +
                                      usage->getValue<std::int64_t>("completion_tokens") * 10'000'000;
        const std::int64_t budgetMicros = 100 * costPico / 1'000'000; // about 100 requests
        const HttpResult created = httpRequest(adminPort_, "POST", "/admin/keys",
                                               R"({"models":["portico-echo"],"budget_usd":")" + formatUsd(budgetMicros) +
                                                   R"("})",
                                               admin());
        CPPUNIT_ASSERT_EQUAL_MESSAGE(created.body, 201, created.status);
        const std::string keyId = json(created.body)->getValue<std::string>("id");
        const std::string key = json(created.body)->getValue<std::string>("key");
        waitUntilKnown(*b_, key);

        constexpr int Clients = 50;
        std::atomic<int> ok{0}, quota{0}, other{0};
        std::atomic<bool> refusedEverywhere{false};
        std::vector<std::thread> clients;
        for (int c = 0; c < Clients; ++c)
            clients.emplace_back([&, c] {
                PorticodProcess& server = c % 2 ? *a_ : *b_;
                for (int i = 0; i < 40 && !refusedEverywhere; ++i)
                {
                    // Settled: the connection's next request (GET /healthz) is served only once this
                    // one's completion hooks, its spend's commit among them, are over. So each
                    // client has at most one request in flight, from its check to its spend.
                    const HttpResult result = httpRequestSettled(server.port(), "POST", "/v1/chat/completions", body,
                                                                 {{"Authorization", "Bearer " + key}}, "/healthz");
                    if (result.status == 200)
                        ++ok;
                    else if (result.status == 429 && result.body.find("insufficient_quota") != std::string::npos)
                    {
                        if (++quota >= 2 * Clients)
                            refusedEverywhere = true;
                    }
                    else
                        ++other;
                }
            });
        for (auto& thread : clients)
            thread.join();
        CPPUNIT_ASSERT_EQUAL(0, other.load());
        CPPUNIT_ASSERT(quota.load() > 0);
        const HttpResult shown = httpRequest(adminPort_, "GET", "/admin/keys/" + keyId, "", admin());
        const double spentUsd = json(shown.body)->getValue<double>("spend_usd");
        const std::int64_t spentMicros = static_cast<std::int64_t>(spentUsd * 1e6 + 0.5);
        // Requests admitted beyond the budget: at most one per client (its one in flight).
        const std::int64_t requestsOver = (ok.load() * costPico - budgetMicros * 1'000'000 + costPico - 1) / costPico;
        std::cout << "budget of " << budgetMicros << " micro-dollars across two instances, 50 clients: " << ok
                  << " served (" << spentMicros << " micro-dollars, " << std::max<std::int64_t>(0, requestsOver)
                  << " request(s) past the budget), " << quota << " refused" << std::endl;
        CPPUNIT_ASSERT_EQUAL((ok.load() * costPico + 500'000) / 1'000'000, spentMicros);
        CPPUNIT_ASSERT(ok.load() * costPico >= budgetMicros * 1'000'000);
        CPPUNIT_ASSERT(requestsOver <= Clients);
    }

    void testTpmIsOneBucketAcrossInstances()
    {
        // Requests one after another, alternating between the instances: the shared bucket admits
        // them while it is above zero, so ceil(tpm / tokens per answer) pass, wherever they land.
        const std::string body = R"({"model":"portico-echo","messages":[{"role":"user","content":"a few words"}]})";
        const std::string key = createKey(R"({"tpm":100,"models":["portico-echo"]})");
        int admitted = 0;
        std::int64_t tokensPerAnswer = 0;
        for (int i = 0; i < 100; ++i)
        {
            PorticodProcess& server = i % 2 ? *a_ : *b_;
            const HttpResult result = httpRequestSettled(server.port(), "POST", "/v1/chat/completions", body,
                                                         {{"Authorization", "Bearer " + key}}, "/healthz");
            if (result.status == 429)
            {
                CPPUNIT_ASSERT(result.body.find("tokens per minute") != std::string::npos);
                break;
            }
            CPPUNIT_ASSERT_EQUAL_MESSAGE(result.body, 200, result.status);
            tokensPerAnswer = json(result.body)->getObject("usage")->getValue<std::int64_t>("total_tokens");
            ++admitted;
        }
        CPPUNIT_ASSERT(tokensPerAnswer > 0);
        CPPUNIT_ASSERT_EQUAL(static_cast<int>((100 + tokensPerAnswer - 1) / tokensPerAnswer), admitted);
    }

protected:
    static inline const std::string AdminKey = "sk-portico-AdminRedisCounters0123456789abcdefghi";

    std::map<std::string, std::string> admin() const { return {{"Authorization", "Bearer " + AdminKey}}; }

    std::string config(bool servesAdminApi) const
    {
        std::string text = "[server]\nlisten = 127.0.0.1:{port}\n[plugins]\norder = auth, openai\n[auth]\nkeys_file = " +
                           dir_->write("keys", "") + "\n[admin]\n" + storeLines() +
                           "prices.portico-echo.input = 2.5\nprices.portico-echo.output = 10\n";
        if (servesAdminApi)
            text += "listen = 127.0.0.1:" + std::to_string(adminPort_) + "\nkey_file = " + dir_->file("admin.key") + "\n";
        return text + "[redis]\nurl = " + redis_->url() + "\n";
    }

    /// The [admin] lines that choose where keys and counters live.
    virtual std::string storeLines() const { return "store = " + dir_->file("keys.db") + "\ncounters = redis\n"; }

    static std::string formatUsd(std::int64_t micros)
    {
        std::string fraction = std::to_string(1'000'000 + micros % 1'000'000).substr(1);
        return std::to_string(micros / 1'000'000) + "." + fraction;
    }

    /// A new key through A's admin API, once B knows it too (within its refresh_ms).
    std::string createKey(const std::string& policy, std::string* id = nullptr)
    {
        const HttpResult created = httpRequest(adminPort_, "POST", "/admin/keys", policy, admin());
        CPPUNIT_ASSERT_EQUAL_MESSAGE(created.body, 201, created.status);
        const std::string key = json(created.body)->getValue<std::string>("key");
        if (id)
            *id = json(created.body)->getValue<std::string>("id");
        waitUntilKnown(*b_, key);
        return key;
    }

    /// Waits until `server` knows `key` (a key limited to portico-echo): a request for another
    /// model gets 403 from a server that knows it, before its rpm or budget is looked at, and
    /// 401 from one that does not yet.
    static void waitUntilKnown(PorticodProcess& server, const std::string& key)
    {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (httpRequest(server.port(), "POST", "/v1/chat/completions", R"({"model":"probe-other"})",
                           {{"Authorization", "Bearer " + key}})
                   .status == 401)
        {
            CPPUNIT_ASSERT(std::chrono::steady_clock::now() < deadline);
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }

    std::unique_ptr<RedisServer> redis_;
    std::unique_ptr<TempDir> dir_;
    unsigned short adminPort_ = 0;
    std::unique_ptr<PorticodProcess> a_;
    std::unique_ptr<PorticodProcess> b_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(VirtualKeysRedisIntegrationTest);

/// The same, with [admin] store = redis: the instances share no file, only Redis.
class RedisKeyStoreIntegrationTest : public VirtualKeysRedisIntegrationTest
{
    CPPUNIT_TEST_SUB_SUITE(RedisKeyStoreIntegrationTest, VirtualKeysRedisIntegrationTest);
    CPPUNIT_TEST(testRevokedKeyIsRefusedByEveryInstanceWithinASecond);
    CPPUNIT_TEST(testKeysAreServedWhileRedisIsStalled);
    CPPUNIT_TEST_SUITE_END();

public:
    void testRevokedKeyIsRefusedByEveryInstanceWithinASecond()
    {
        std::string id;
        const std::string key = createKey(R"({"models":["portico-echo"]})", &id);
        const std::map<std::string, std::string> client{{"Authorization", "Bearer " + key}};
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(b_->port(), "GET", "/v1/models", "", client).status);
        const auto revoked = std::chrono::steady_clock::now();
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(adminPort_, "DELETE", "/admin/keys/" + id, "", admin()).status);
        // A, which took the DELETE, refuses at once; B once it has seen the revision move.
        CPPUNIT_ASSERT_EQUAL(401, httpRequest(a_->port(), "GET", "/v1/models", "", client).status);
        while (httpRequest(b_->port(), "GET", "/v1/models", "", client).status != 401)
        {
            CPPUNIT_ASSERT(std::chrono::steady_clock::now() - revoked < std::chrono::seconds(1));
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        const auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - revoked).count();
        std::cout << "\nrevoked key refused by the other instance after " << ms << " ms" << std::endl;
        const HttpResult refused = httpRequest(b_->port(), "GET", "/v1/models", "", client);
        CPPUNIT_ASSERT(refused.body.find("revoked_api_key") != std::string::npos);
    }

    void testKeysAreServedWhileRedisIsStalled()
    {
        const std::string key = createKey(R"({"models":["portico-echo"]})");
        const std::map<std::string, std::string> client{{"Authorization", "Bearer " + key}};
        // A stalled Redis (SIGSTOP: connections held, nothing answered): the keys loaded stay in
        // force, each call waits no longer than the [redis] timeouts, the server keeps serving.
        redis_->pause();
        const auto started = std::chrono::steady_clock::now();
        const HttpResult served = httpRequest(b_->port(), "POST", "/v1/chat/completions",
                                              R"({"model":"portico-echo","messages":[{"role":"user","content":"hi"}]})",
                                              client);
        const auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
        CPPUNIT_ASSERT_EQUAL_MESSAGE(served.body, 200, served.status);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(ms) + " ms", ms < 3000);
        CPPUNIT_ASSERT_EQUAL(401, httpRequest(b_->port(), "GET", "/v1/models", "",
                                              {{"Authorization", "Bearer sk-portico-unknown0123456789abcdefghijklmnop"}})
                                      .status);
        const HttpResult adminDown = httpRequest(adminPort_, "GET", "/admin/keys", "", admin());
        CPPUNIT_ASSERT_EQUAL_MESSAGE(adminDown.body, 503, adminDown.status);
        redis_->resume();
        // Back: the admin API answers again, without a restart.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
        while (httpRequest(adminPort_, "GET", "/admin/keys", "", admin()).status != 200)
        {
            CPPUNIT_ASSERT(std::chrono::steady_clock::now() < deadline);
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }

protected:
    std::string storeLines() const override { return "store = redis\n"; }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RedisKeyStoreIntegrationTest);

/// The Redis store below the HTTP layer: the store contract, and kill -9 of a porticod on it.
class RedisKeyStoreTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(RedisKeyStoreTest);
    CPPUNIT_TEST(testRedisStoreKeepsTheContract);
    CPPUNIT_TEST(testSettledSpendSurvivesKill9);
    CPPUNIT_TEST(testUnreachableRedisIsNamed);
    CPPUNIT_TEST(testStartsWhileRedisIsDownAndLoadsWhenItComesBack);
    CPPUNIT_TEST(testCliOverTheRedisStore);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override { redis_ = std::make_unique<RedisServer>(); }
    void tearDown() override { redis_.reset(); }

    void testRedisStoreKeepsTheContract()
    {
        portico::RedisSettings settings;
        settings.port = redis_->port();
        const auto pool = std::make_shared<portico::RedisPool>(settings);
        portico::auth::test::checkKeyStoreContract(
            [&] { return std::make_unique<portico::auth::RedisKeyStore>(pool); });
    }

    void testSettledSpendSurvivesKill9()
    {
        TempDir dir;
        portico::auth::test::checkSettledSpendSurvivesKill9(dir, "store = redis\n", "[redis]\nurl = " + redis_->url() + "\n");
    }

    void testUnreachableRedisIsNamed()
    {
        portico::RedisSettings settings;
        settings.port = freePort();
        portico::auth::RedisKeyStore store(std::make_shared<portico::RedisPool>(settings));
        CPPUNIT_ASSERT_EQUAL("Redis 127.0.0.1:" + std::to_string(settings.port) + "/0", store.describe());
        try
        {
            store.revision();
            CPPUNIT_FAIL("read a key store on a Redis that is not there");
        }
        catch (const portico::RedisUnavailable& e)
        {
            const std::string what = e.what();
            CPPUNIT_ASSERT_MESSAGE(what, what.find("127.0.0.1:" + std::to_string(settings.port)) != std::string::npos);
        }
    }

    void testStartsWhileRedisIsDownAndLoadsWhenItComesBack()
    {
        TempDir dir;
        const std::string adminKey = "sk-portico-AdminRedisOutage0123456789abcdefghijk";
        dir.write("admin.key", adminKey + "\n");
        const unsigned short adminPort = freePort();
        redis_->stop();
        PorticodProcess porticod("[server]\nlisten = 127.0.0.1:{port}\n[plugins]\norder = auth, openai\n[auth]\nkeys_file = " +
                                 dir.write("keys", "") + "\n[admin]\nstore = redis\nlisten = 127.0.0.1:" +
                                 std::to_string(adminPort) + "\nkey_file = " + dir.file("admin.key") +
                                 "\n[redis]\nurl = " + redis_->url() + "\n");
        const std::map<std::string, std::string> admin{{"Authorization", "Bearer " + adminKey}};
        // Serving, not ready, and a key it cannot check yet is a 503, not a 401.
        const HttpResult notReady = httpRequest(porticod.port(), "GET", "/readyz");
        CPPUNIT_ASSERT_EQUAL(503, notReady.status);
        CPPUNIT_ASSERT_MESSAGE(notReady.body, notReady.body.find("Redis") != std::string::npos);
        const HttpResult unchecked = httpRequest(porticod.port(), "GET", "/v1/models", "",
                                                 {{"Authorization", "Bearer sk-portico-some0123456789abcdefghijklmnopqr"}});
        CPPUNIT_ASSERT_EQUAL(503, unchecked.status);
        CPPUNIT_ASSERT(unchecked.body.find("keys_unavailable") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(503, httpRequest(adminPort, "POST", "/admin/keys", "{}", admin).status);

        redis_->start();
        const auto back = std::chrono::steady_clock::now();
        while (httpRequest(porticod.port(), "GET", "/readyz").status != 200)
        {
            CPPUNIT_ASSERT(std::chrono::steady_clock::now() - back < std::chrono::seconds(3));
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        const HttpResult created = httpRequest(adminPort, "POST", "/admin/keys", "{}", admin);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(created.body, 201, created.status);
        const std::string key = Poco::JSON::Parser().parse(created.body).extract<Poco::JSON::Object::Ptr>()->getValue<std::string>("key");
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(porticod.port(), "GET", "/v1/models", "", {{"Authorization", "Bearer " + key}}).status);
    }

    void testCliOverTheRedisStore()
    {
        // portico-keys --config with store = redis: a key it makes works on a running porticod
        // of that Redis, and its revocation reaches it within a second.
        TempDir dir;
        const std::string text = "[server]\nlisten = 127.0.0.1:{port}\n[plugins]\norder = auth, openai\n[auth]\nkeys_file = " +
                                 dir.write("keys", "") + "\n[admin]\nstore = redis\n[redis]\nurl = " + redis_->url() + "\n";
        const std::string config = dir.write("portico.ini", text); // the CLI reads [admin] and [redis] only
        PorticodProcess porticod(text);
        const auto cli = [&](std::vector<std::string> args) {
            args.insert(args.begin(), "--config=" + config);
            return runProgram(stageDir() + "/sbin/portico-keys", args);
        };
        const CommandResult created = cli({"create", R"({"models":["portico-echo"]})"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(created.output, 0, created.exitCode);
        const auto answer = Poco::JSON::Parser()
                                .parse(created.output.substr(0, created.output.find('\n')))
                                .extract<Poco::JSON::Object::Ptr>();
        const std::map<std::string, std::string> client{{"Authorization", "Bearer " + answer->getValue<std::string>("key")}};
        const auto until = [&](int status) {
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
            while (httpRequest(porticod.port(), "GET", "/v1/models", "", client).status != status)
            {
                if (std::chrono::steady_clock::now() >= deadline)
                    return false;
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
            return true;
        };
        CPPUNIT_ASSERT(until(200));
        const CommandResult listed = cli({"list"});
        CPPUNIT_ASSERT_EQUAL(0, listed.exitCode);
        CPPUNIT_ASSERT(listed.output.find(answer->getValue<std::string>("id")) != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(0, cli({"revoke", answer->getValue<std::string>("id")}).exitCode);
        CPPUNIT_ASSERT(until(401));
        // Redis gone: exit 69, saying so.
        redis_->stop();
        const CommandResult unreachable = cli({"list"});
        CPPUNIT_ASSERT_EQUAL(69, unreachable.exitCode);
        CPPUNIT_ASSERT_MESSAGE(unreachable.output, unreachable.output.find("Redis") != std::string::npos);
    }

private:
    std::unique_ptr<RedisServer> redis_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(RedisKeyStoreTest);
