// Two porticod instances on one key store and one Redis ([admin] counters = redis): a key's rpm
// is one bucket across both (exactly rpm of many concurrent requests pass), and a budget is
// passed by no more than the requests in flight when it is reached.

#include "HttpClient.h"
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

private:
    static inline const std::string AdminKey = "sk-portico-AdminRedisCounters0123456789abcdefghi";

    std::map<std::string, std::string> admin() const { return {{"Authorization", "Bearer " + AdminKey}}; }

    std::string config(bool servesAdminApi) const
    {
        std::string text = "[server]\nlisten = 127.0.0.1:{port}\n[plugins]\norder = auth, openai\n[auth]\nkeys_file = " +
                           dir_->write("keys", "") + "\n[admin]\nstore = " + dir_->file("keys.db") +
                           "\ncounters = redis\nprices.portico-echo.input = 2.5\nprices.portico-echo.output = 10\n";
        if (servesAdminApi)
            text += "listen = 127.0.0.1:" + std::to_string(adminPort_) + "\nkey_file = " + dir_->file("admin.key") + "\n";
        return text + "[redis]\nurl = " + redis_->url() + "\n";
    }

    static std::string formatUsd(std::int64_t micros)
    {
        std::string fraction = std::to_string(1'000'000 + micros % 1'000'000).substr(1);
        return std::to_string(micros / 1'000'000) + "." + fraction;
    }

    /// A new key through A's admin API, once B knows it too (within its refresh_ms).
    std::string createKey(const std::string& policy)
    {
        const HttpResult created = httpRequest(adminPort_, "POST", "/admin/keys", policy, admin());
        CPPUNIT_ASSERT_EQUAL_MESSAGE(created.body, 201, created.status);
        const std::string key = json(created.body)->getValue<std::string>("key");
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
