// Spend below the HTTP layer: money as integers (Money.h), the price table, and the auth plugin writing a request's spend when it completes and
// refusing a key whose budget is spent, through real Exchanges.

#include "AuthPlugin.h"
#include "AuthTestSupport.h"
#include "Money.h"
#include "PriceTable.h"
#include "SqliteKeyStore.h"
#include "TempDir.h"
#include "Poco/Data/SQLite/Connector.h"
#include "Poco/Data/Session.h"
#include "portico/Attributes.h"
#include <cppunit/extensions/HelperMacros.h>

using namespace portico::auth;
using portico::auth::test::Context;
using portico::auth::test::request;

class SpendTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(SpendTest);
    CPPUNIT_TEST(testMoneyIsExactIntegers);
    CPPUNIT_TEST(testPriceTable);
    CPPUNIT_TEST(testCompletedRequestsSpendAndBudgetRefuses);
    CPPUNIT_TEST(testBudgetPeriods);
    CPPUNIT_TEST(testCachedInputIsPricedApart);
    CPPUNIT_TEST(testOlderStoreGainsTheCachedColumn);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override { dir_ = std::make_unique<portico::test::TempDir>(); }
    void tearDown() override { dir_.reset(); }

    void testMoneyIsExactIntegers()
    {
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2'500'000), *parseMicros("2.5"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(150'000), *parseMicros("0.15"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), *parseMicros("0.000001"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(10'000'000), *parseMicros("10"));
        for (const char* bad : {"", "-1", "1e3", "0.0000001", "1.", ".5", "1,5", "1234567890", " 1"})
            CPPUNIT_ASSERT_MESSAGE(bad, !parseMicros(bad));
        CPPUNIT_ASSERT_EQUAL(std::string("2.5"), formatMicros(2'500'000));
        CPPUNIT_ASSERT_EQUAL(std::string("0.000001"), formatMicros(1));
        CPPUNIT_ASSERT_EQUAL(std::string("3"), formatMicros(3'000'000));
        CPPUNIT_ASSERT_EQUAL(std::string("0"), formatMicros(0));
        // Half up to the micro-dollar, from the exact pico-dollars.
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), picoToMicros(1'500'000));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), picoToMicros(1'499'999));
        // 0.1 + 0.2 is 0.3 here: 10 tokens at $0.01/1M then 20 more.
        const PriceTable::Price price{10'000, 0};
        CPPUNIT_ASSERT_EQUAL(PriceTable::costPico(price, 30, 0, 0),
                             PriceTable::costPico(price, 10, 0, 0) + PriceTable::costPico(price, 20, 0, 0));
    }

    void testPriceTable()
    {
        Context context("[auth]\n[admin]\nstore = x\nprices.gpt-4.1.input = 2\nprices.gpt-4.1.output = 8\n"
                        "prices.portico-echo.input = 2.5\nprices.portico-echo.output = 10\n",
                        "auth");
        const AdminConfig config = AdminConfig::from(context.config());
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), config.prices.size());
        const auto* dotted = config.prices.find("gpt-4.1");
        CPPUNIT_ASSERT(dotted);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(8'000'000), dotted->outputMicros);
        const auto* echo = config.prices.find("portico-echo");
        // 12 input and 3 output tokens: 12 * 2.5 + 3 * 10 = 60 micro-dollars.
        CPPUNIT_ASSERT_EQUAL(std::int64_t(60'000'000), PriceTable::costPico(*echo, 12, 0, 3));
        CPPUNIT_ASSERT(!config.prices.find("gpt-4"));
        // Without a cached_input price, cached tokens cost the input price.
        CPPUNIT_ASSERT_EQUAL(std::int64_t(60'000'000), PriceTable::costPico(*echo, 12, 10, 3));
        // Hostile counts: negative ones are 0, no more cached than input, huge ones capped.
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), PriceTable::costPico(*echo, -5, 0, -1));
        CPPUNIT_ASSERT_EQUAL(PriceTable::costPico(*echo, 12, 12, 0), PriceTable::costPico(*echo, 12, 99, 0));
        CPPUNIT_ASSERT_EQUAL(PriceTable::MaxTokens * 10'000'000,
                             PriceTable::costPico(*echo, 0, 0, 999'999'999'999'999));

        Context cachedPrices("[auth]\n[admin]\nstore = x\nprices.gpt-4.1.input = 2\nprices.gpt-4.1.cached_input = 0.5\n"
                             "prices.gpt-4.1.output = 8\n",
                             "auth");
        const AdminConfig withCache = AdminConfig::from(cachedPrices.config());
        const auto* cachedPrice = withCache.prices.find("gpt-4.1");
        CPPUNIT_ASSERT(cachedPrice);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(500'000), cachedPrice->cachedInputMicros);
        // 2006 input of which 1920 cached, 300 output: 86 * 2 + 1920 * 0.5 + 300 * 8 = 3532 micro-dollars.
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3'532'000'000), PriceTable::costPico(*cachedPrice, 2006, 1920, 300));

        for (const std::string& bad :
             {std::string("prices.m.input = 1\n"), std::string("prices.m.input = -1\nprices.m.output = 1\n"),
              std::string("prices.m.cached = 1\n"), std::string("prices.input = 1\n"),
              std::string("prices.m.cached_input = 1\n"),
              std::string("prices.m.input = 10000.000001\nprices.m.output = 1\n")})
        {
            Context broken("[auth]\n[admin]\n" + bad, "auth");
            try
            {
                AdminConfig::from(broken.config());
                CPPUNIT_FAIL("accepted: " + bad);
            }
            catch (const portico::ConfigError& e)
            {
                CPPUNIT_ASSERT_MESSAGE(e.what(), std::string(e.what()).find("[admin] prices.") != std::string::npos);
            }
        }
    }

    void testCompletedRequestsSpendAndBudgetRefuses()
    {
        const std::string store = dir_->file("keys.db");
        const std::string key = "sk-portico-Budget0123456789abcdefghijklmnopqrstuv";
        VirtualKey budgeted;
        budgeted.id = newVirtualKeyId();
        budgeted.budgetMicros = 100; // $0.0001
        SqliteKeyStore(store).insert(budgeted, KeyStore::digestOf(key));

        Context context("[auth]\nkeys_file = " + dir_->write("keys", "") + "\n[admin]\nstore = " + store +
                            "\nprices.portico-echo.input = 2.5\nprices.portico-echo.output = 10\n",
                        "auth");
        AuthPlugin plugin(context);
        // The hooks stay on the event loop; a request that can have usage completes on a worker,
        // where onComplete waits for the ledger.
        CPPUNIT_ASSERT(plugin.blocking() == portico::Blocking::Never);
        const std::string body = R"({"model":"portico-echo"})";
        int served = 0;
        for (; served < 10; ++served)
        {
            auto exchange = request("POST", "/v1/chat/completions", {{"Authorization", "Bearer " + key}}, body);
            plugin.onRequest(*exchange);
            if (exchange->answered())
            {
                CPPUNIT_ASSERT_EQUAL(429, exchange->response().status);
                CPPUNIT_ASSERT(exchange->response().body.find("\"code\":\"insufficient_quota\"") != std::string::npos);
                CPPUNIT_ASSERT(exchange->response().body.find("\"type\":\"insufficient_quota\"") != std::string::npos);
                CPPUNIT_ASSERT(exchange->response().body.find(key) == std::string::npos);
                break;
            }
            CPPUNIT_ASSERT(exchange->completesOnWorker());
            // What the openai plugin sets: 8 input and 2 output tokens = 8 * 2.5 + 2 * 10 = 40 micro-dollars.
            exchange->set(portico::attr::Model, "portico-echo");
            exchange->set(portico::attr::UsageInputTokens, "8");
            exchange->set(portico::attr::UsageOutputTokens, "2");
            plugin.onComplete(*exchange, portico::Outcome::Completed);
        }
        // 40 + 40 < 100 <= 40 + 40 + 40: the fourth request is refused, and counted.
        CPPUNIT_ASSERT_EQUAL(3, served);
        CPPUNIT_ASSERT_EQUAL(1.0, refusals(context, "budget"));
        CPPUNIT_ASSERT_EQUAL(0.0, refusals(context, "rpm"));
        const auto rows = SqliteKeyStore(store).spendRows({budgeted.id, "", "", ""});
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), rows.size());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), rows[0].requests);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(24), rows[0].inputTokens);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(120'000'000), rows[0].costPico);
        // A request without usage (a GET, an error) spends nothing and writes nothing.
        auto models = request("GET", "/v1/models", {{"Authorization", "Bearer " + key}});
        plugin.onComplete(*models, portico::Outcome::Completed);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), SqliteKeyStore(store).spendRows({})[0].requests);

        // Another instance starting on the store sees the spend at once.
        AuthPlugin restarted(context);
        auto refused = request("POST", "/v1/chat/completions", {{"Authorization", "Bearer " + key}}, body);
        restarted.onRequest(*refused);
        CPPUNIT_ASSERT_EQUAL(429, refused->response().status);
    }

    void testCachedInputIsPricedApart()
    {
        const std::string store = dir_->file("keys.db");
        const std::string key = "sk-portico-Cached0123456789abcdefghijklmnopqrstuv";
        VirtualKey cachedKey;
        cachedKey.id = newVirtualKeyId();
        SqliteKeyStore(store).insert(cachedKey, KeyStore::digestOf(key));
        Context context("[auth]\nkeys_file = " + dir_->write("keys", "") + "\n[admin]\nstore = " + store +
                            "\nprices.gpt-4.1.input = 2\nprices.gpt-4.1.cached_input = 0.5\nprices.gpt-4.1.output = 8\n",
                        "auth");
        AuthPlugin plugin(context);
        // What the openai proxy sets from an answer's usage: 2006 prompt tokens, 1920 of them
        // cached, and 300 completion tokens; then one answer without a cached count.
        const std::vector<std::vector<std::string>> usages = {{"2006", "1920", "300"}, {"100", "", "10"}};
        for (const auto& usage : usages)
        {
            auto exchange = request("POST", "/v1/chat/completions", {{"Authorization", "Bearer " + key}},
                                    R"({"model":"gpt-4.1"})");
            plugin.onRequest(*exchange);
            CPPUNIT_ASSERT(!exchange->answered());
            exchange->set(portico::attr::Model, "gpt-4.1");
            exchange->set(portico::attr::UsageInputTokens, usage[0]);
            if (!usage[1].empty())
                exchange->set(portico::attr::UsageCachedInputTokens, usage[1]);
            exchange->set(portico::attr::UsageOutputTokens, usage[2]);
            plugin.onComplete(*exchange, portico::Outcome::Completed);
        }
        // A body-less request cannot have usage: all its hooks stay on the event loop.
        auto models = request("GET", "/v1/models", {{"Authorization", "Bearer " + key}});
        plugin.onRequest(*models);
        CPPUNIT_ASSERT(!models->answered());
        CPPUNIT_ASSERT(!models->completesOnWorker());
        plugin.onComplete(*models, portico::Outcome::Completed);
        const auto rows = SqliteKeyStore(store).spendRows({cachedKey.id, "", "", ""});
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), rows.size());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), rows[0].requests);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2106), rows[0].inputTokens);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1920), rows[0].cachedInputTokens);
        // (86 * 2 + 1920 * 0.5 + 300 * 8) + (100 * 2 + 10 * 8) = 3532 + 280 micro-dollars.
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3'812'000'000), rows[0].costPico);
    }

    void testOlderStoreGainsTheCachedColumn()
    {
        // A key store written before cached input was priced: its spend table lacks the column.
        const std::string store = dir_->file("old.db");
        {
            Poco::Data::SQLite::Connector::registerConnector();
            Poco::Data::Session session("SQLite", store);
            session << "CREATE TABLE spend (key_id TEXT NOT NULL, model TEXT NOT NULL, day TEXT NOT NULL,"
                       " requests INTEGER NOT NULL, input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,"
                       " cost_pico INTEGER NOT NULL, PRIMARY KEY (key_id, model, day))",
                Poco::Data::Keywords::now;
            session << "INSERT INTO spend VALUES ('vk_old', 'gpt-4.1', '2026-12-01', 2, 50, 5, 7000)",
                Poco::Data::Keywords::now;
        }
        SqliteKeyStore upgraded(store);
        SpendEntry entry;
        entry.keyId = "vk_old";
        entry.model = "gpt-4.1";
        entry.day = "2026-12-01";
        entry.inputTokens = 10;
        entry.cachedInputTokens = 4;
        entry.costPico = 1000;
        upgraded.recordSpend({entry});
        const auto rows = upgraded.spendRows({});
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), rows.size());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), rows[0].requests);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(60), rows[0].inputTokens);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(4), rows[0].cachedInputTokens);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(8000), rows[0].costPico);
    }

    void testBudgetPeriods()
    {
        // 2026-12-06 is a Sunday.
        const std::int64_t sunday = 1'796'518'800; // 2026-12-06T01:00:00Z
        CPPUNIT_ASSERT_EQUAL(std::string("2026-12-06"), dayOf(sunday));
        CPPUNIT_ASSERT_EQUAL(std::string("2026-12-06"), periodStart(BudgetPeriod::Day, sunday));
        CPPUNIT_ASSERT_EQUAL(std::string("2026-11-30"), periodStart(BudgetPeriod::Week, sunday));
        CPPUNIT_ASSERT_EQUAL(std::string("2026-12-01"), periodStart(BudgetPeriod::Month, sunday));
        CPPUNIT_ASSERT_EQUAL(std::string(""), periodStart(BudgetPeriod::Total, sunday));
        CPPUNIT_ASSERT_EQUAL(std::string("2026-11-30"), periodStart(BudgetPeriod::Week, sunday - 6 * 86400));
    }

private:
    /// portico_virtual_key_refusals_total{reason} in the context's registry.
    static double refusals(const Context& context, const std::string& reason)
    {
        for (const auto& family : context.metrics().Collect())
            if (family.name == "portico_virtual_key_refusals_total")
                for (const auto& metric : family.metric)
                    for (const auto& label : metric.label)
                        if (label.name == "reason" && label.value == reason)
                            return metric.counter.value;
        CPPUNIT_FAIL("no portico_virtual_key_refusals_total{reason=\"" + reason + "\"}");
        return -1;
    }

    std::unique_ptr<portico::test::TempDir> dir_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(SpendTest);
