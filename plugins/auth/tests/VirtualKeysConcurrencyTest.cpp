// Virtual keys under concurrency (ctest -L concurrency, also run under TSan): the ledger's group
// commit from many threads, and many threads checking one key while the admin API changes it
// (index swaps) and its in-flight places are taken and given back.

#include "AuthPlugin.h"
#include "AuthTestSupport.h"
#include "SpendLedger.h"
#include "SqliteKeyStore.h"
#include "api/ExchangeControl.h"
#include "TempDir.h"
#include "portico/Attributes.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include <atomic>
#include <cppunit/extensions/HelperMacros.h>
#include <thread>

using namespace portico::auth;
using portico::auth::test::Context;
using portico::auth::test::request;

class VirtualKeysConcurrencyTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(VirtualKeysConcurrencyTest);
    CPPUNIT_TEST(testLedgerGroupCommitFromManyThreads);
    CPPUNIT_TEST(testRequestsWhileTheAdminApiChangesTheKey);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override { dir_ = std::make_unique<portico::test::TempDir>(); }
    void tearDown() override { dir_.reset(); }

    void testLedgerGroupCommitFromManyThreads()
    {
        Poco::Logger& logger = Poco::Logger::get("portico.auth.test");
        SpendLedger ledger(std::make_unique<SqliteKeyStore>(dir_->file("keys.db")), logger);
        constexpr int Threads = 8, PerThread = 50;
        std::atomic<int> written{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < Threads; ++t)
            threads.emplace_back([&, t] {
                for (int i = 0; i < PerThread; ++i)
                {
                    SpendEntry entry{"vk_" + std::string(24, static_cast<char>('a' + t % 2)), "m", "2026-12-06", 3, 1, 7};
                    if (ledger.record(entry))
                        ++written;
                }
            });
        for (auto& thread : threads)
            thread.join();
        CPPUNIT_ASSERT_EQUAL(Threads * PerThread, written.load());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(0), ledger.failures());
        // Another connection (another process) reads it all.
        SqliteKeyStore other(dir_->file("keys.db"));
        const auto rows = other.spendRows({});
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), rows.size());
        std::int64_t requests = 0, cost = 0;
        for (const auto& row : rows)
        {
            requests += row.requests;
            cost += row.costPico;
        }
        CPPUNIT_ASSERT_EQUAL(std::int64_t(Threads * PerThread), requests);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(Threads * PerThread * 7), cost);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(Threads * PerThread / 2 * 7), other.spendSince("")[std::string("vk_") + std::string(24, 'a')]);
        CPPUNIT_ASSERT(other.spendSince("2026-12-07").empty());
    }

    void testRequestsWhileTheAdminApiChangesTheKey()
    {
        const std::string adminKey = "sk-portico-AdminConcurrency0123456789abcdefghijk";
        Context context("[auth]\nkeys_file = " + dir_->write("keys", "") + "\n[admin]\nlisten = 127.0.0.1:18001\n"
                        "key_file = " + dir_->write("admin.key", adminKey + "\n") + "\nstore = " +
                            dir_->file("keys.db") + "\n",
                        "auth");
        AuthPlugin plugin(context);
        plugin.start();
        auto route = [&](const std::string& method, const std::string& pattern) -> const portico::Route& {
            for (const auto& candidate : context.routes())
                if (candidate.method == method && candidate.pattern == pattern)
                    return candidate;
            throw std::logic_error("no route " + method + " " + pattern);
        };
        auto created = request("POST", "/admin/keys", {}, R"({"rpm":1000,"max_in_flight":3})");
        route("POST", "/admin/keys").handler(*created);
        CPPUNIT_ASSERT_EQUAL(201, created->response().status);
        const auto answer = Poco::JSON::Parser().parse(created->response().body).extract<Poco::JSON::Object::Ptr>();
        const std::string id = answer->getValue<std::string>("id");
        const std::string key = answer->getValue<std::string>("key");

        constexpr int Threads = 6, PerThread = 100;
        std::atomic<int> admitted{0}, inFlightRefusals{0}, other{0};
        std::atomic<bool> done{false};
        std::thread admin([&] {
            // PATCHes that keep the limits: each one swaps the index under the requests.
            while (!done)
            {
                auto patch = request("PATCH", "/admin/keys/{id}", {}, R"({"metadata":{"n":1}})");
                portico::ExchangeControl::addPathParam(*patch, "id", id);
                route("PATCH", "/admin/keys/{id}").handler(*patch);
                if (patch->response().status != 200)
                    ++other;
            }
        });
        std::vector<std::thread> clients;
        for (int t = 0; t < Threads; ++t)
            clients.emplace_back([&] {
                for (int i = 0; i < PerThread; ++i)
                {
                    auto exchange = request("GET", "/v1/models", {{"Authorization", "Bearer " + key}});
                    plugin.onRequest(*exchange);
                    if (!exchange->answered())
                        ++admitted;
                    else if (exchange->response().body.find("max_in_flight_exceeded") != std::string::npos)
                        ++inFlightRefusals;
                    else
                        ++other;
                    plugin.onComplete(*exchange, portico::Outcome::Completed);
                }
            });
        for (auto& thread : clients)
            thread.join();
        done = true;
        admin.join();
        plugin.stop();
        CPPUNIT_ASSERT_EQUAL(0, other.load());
        // The bucket holds 1000: the 600 requests are admitted unless three others are in flight.
        CPPUNIT_ASSERT_EQUAL(Threads * PerThread, admitted.load() + inFlightRefusals.load());
        CPPUNIT_ASSERT(admitted.load() > 0);
        // Every in-flight place was given back: three more requests fit at once.
        std::vector<std::unique_ptr<portico::Exchange>> held;
        for (int i = 0; i < 3; ++i)
        {
            held.push_back(request("GET", "/v1/models", {{"Authorization", "Bearer " + key}}));
            plugin.onRequest(*held.back());
            CPPUNIT_ASSERT(!held.back()->answered());
        }
    }

private:
    std::unique_ptr<portico::test::TempDir> dir_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(VirtualKeysConcurrencyTest);
