// The store contract run against the SQLite store, and what is particular to it: durability
// across reopening, WAL mode, markers left by crashed processes, two connections on one file.

#include "IdempotencyKey.h"
#include "PluginHarness.h"
#include "SqliteStore.h"
#include "StoreContract.h"
#include "StoreRegistry.h"
#include "TempDir.h"
#include "Poco/Data/SQLite/Connector.h"
#include "Poco/Data/Session.h"
#include <atomic>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace portico::idempotency::test {

namespace {

using State = BeginResult::State;
const std::chrono::milliseconds Long{60000};
const std::string Fingerprint = bodyFingerprint("body");

/// A pid that belonged to a process which has exited.
long deadPid()
{
    const pid_t child = fork();
    if (child == 0)
        _exit(0);
    int status = 0;
    waitpid(child, &status, 0);
    return static_cast<long>(child);
}

SqliteStore::Owner ownerWith(std::string host, long pid, std::string nonce)
{
    SqliteStore::Owner owner;
    owner.host = std::move(host);
    owner.pid = pid;
    owner.nonce = std::move(nonce);
    return owner;
}

} // namespace

class SqliteStoreContractTest : public StoreContract
{
    CPPUNIT_TEST_SUB_SUITE(SqliteStoreContractTest, StoreContract);
    CPPUNIT_TEST_SUITE_END();

protected:
    std::unique_ptr<IdempotencyStore> makeStore() override
    {
        return std::make_unique<SqliteStore>(dir_.file("idempotency.db"), false);
    }

private:
    portico::test::TempDir dir_;
};

class SqliteStoreTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(SqliteStoreTest);
    CPPUNIT_TEST(testAnswersAndMarkersSurviveReopening);
    CPPUNIT_TEST(testDatabaseIsInWalMode);
    CPPUNIT_TEST(testMarkerOfADeadProcessIsTakenOver);
    CPPUNIT_TEST(testMarkerOfAnEarlierProcessWithOurPidIsTakenOver);
    CPPUNIT_TEST(testMarkerOfALiveProcessHolds);
    CPPUNIT_TEST(testMarkerFromAnotherHostHoldsUntilItExpires);
    CPPUNIT_TEST(testTwoConnectionsOnOneFileReserveOnce);
    CPPUNIT_TEST(testUnusablePathIsAConfigErrorNamingTheKey);
    CPPUNIT_TEST(testRegistryKeepsOneStorePerFile);
    CPPUNIT_TEST_SUITE_END();

public:
    void testAnswersAndMarkersSurviveReopening()
    {
        const std::string path = dir_.file("durable.db");
        const auto otherHost = ownerWith("elsewhere", 1, "n");
        {
            SqliteStore store(path, true);
            const auto begun = store.begin("answered", Fingerprint, Long);
            StoredAnswer answer;
            answer.status = 200;
            answer.contentType = "application/json";
            answer.body = "{\"kept\":true}";
            CPPUNIT_ASSERT(store.complete("answered", begun.token, answer, Long) == CompleteResult::Stored);
            SqliteStore(path, true, otherHost).begin("running", Fingerprint, Long);
        }
        SqliteStore reopened(path, false);
        const auto again = reopened.begin("answered", Fingerprint, Long);
        CPPUNIT_ASSERT(again.state == State::Completed);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"kept\":true}"), again.answer.body);
        CPPUNIT_ASSERT(reopened.begin("running", Fingerprint, Long).state == State::InFlight);
    }

    void testDatabaseIsInWalMode()
    {
        const std::string path = dir_.file("wal.db");
        SqliteStore store(path, false);
        Poco::Data::SQLite::Connector::registerConnector();
        Poco::Data::Session session("SQLite", path);
        std::string mode;
        session << "PRAGMA journal_mode", Poco::Data::Keywords::into(mode), Poco::Data::Keywords::now;
        CPPUNIT_ASSERT_EQUAL(std::string("wal"), mode);
    }

    void testMarkerOfADeadProcessIsTakenOver()
    {
        const std::string path = dir_.file("dead.db");
        const auto self = SqliteStore::Owner::self();
        SqliteStore crashed(path, false, ownerWith(self.host, deadPid(), "crashed"));
        CPPUNIT_ASSERT(crashed.begin("k", Fingerprint, Long).state == State::Reserved);
        SqliteStore restarted(path, false);
        CPPUNIT_ASSERT(restarted.begin("k", Fingerprint, Long).state == State::Reserved);
    }

    void testMarkerOfAnEarlierProcessWithOurPidIsTakenOver()
    {
        const std::string path = dir_.file("samepid.db");
        const auto self = SqliteStore::Owner::self();
        SqliteStore earlier(path, false, ownerWith(self.host, self.pid, "an-earlier-nonce"));
        CPPUNIT_ASSERT(earlier.begin("k", Fingerprint, Long).state == State::Reserved);
        SqliteStore now(path, false);
        CPPUNIT_ASSERT(now.begin("k", Fingerprint, Long).state == State::Reserved);
    }

    void testMarkerOfALiveProcessHolds()
    {
        const std::string path = dir_.file("alive.db");
        const auto self = SqliteStore::Owner::self();
        SqliteStore parent(path, false, ownerWith(self.host, static_cast<long>(getppid()), "parent"));
        CPPUNIT_ASSERT(parent.begin("k", Fingerprint, Long).state == State::Reserved);
        SqliteStore us(path, false);
        CPPUNIT_ASSERT(us.begin("k", Fingerprint, Long).state == State::InFlight);
        // Our own markers hold too, of course.
        CPPUNIT_ASSERT(us.begin("mine", Fingerprint, Long).state == State::Reserved);
        CPPUNIT_ASSERT(us.begin("mine", Fingerprint, Long).state == State::InFlight);
    }

    void testMarkerFromAnotherHostHoldsUntilItExpires()
    {
        const std::string path = dir_.file("remote.db");
        SqliteStore remote(path, false, ownerWith("another-host", deadPid(), "remote"));
        CPPUNIT_ASSERT(remote.begin("k", Fingerprint, std::chrono::milliseconds(300)).state == State::Reserved);
        SqliteStore local(path, false);
        CPPUNIT_ASSERT(local.begin("k", Fingerprint, Long).state == State::InFlight);
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        CPPUNIT_ASSERT(local.begin("k", Fingerprint, Long).state == State::Reserved);
    }

    void testTwoConnectionsOnOneFileReserveOnce()
    {
        const std::string path = dir_.file("shared.db");
        SqliteStore first(path, false);
        SqliteStore second(path, false);
        for (int round = 0; round < 5; ++round)
        {
            const std::string key = "k" + std::to_string(round);
            std::atomic<int> reserved{0};
            std::atomic<int> ready{0};
            std::vector<std::thread> threads;
            for (int i = 0; i < 16; ++i)
                threads.emplace_back([&, i] {
                    ++ready;
                    while (ready.load() < 16)
                        std::this_thread::yield();
                    SqliteStore& store = i % 2 ? first : second;
                    if (store.begin(key, Fingerprint, Long).state == State::Reserved)
                        ++reserved;
                });
            for (auto& thread : threads)
                thread.join();
            CPPUNIT_ASSERT_EQUAL(1, reserved.load());
        }
    }

    void testUnusablePathIsAConfigErrorNamingTheKey()
    {
        prometheus::Registry registry;
        TestContext context({{"store", "sqlite"}, {"sqlite_path", dir_.file("missing/dir/x.db")}}, registry);
        const auto config = IdempotencyConfig::from(context.config());
        try
        {
            openStore(config, context.config());
            CPPUNIT_FAIL("opening a database in a missing directory succeeded");
        }
        catch (const ConfigError& e)
        {
            const std::string message = e.what();
            CPPUNIT_ASSERT_MESSAGE(message, message.find("[idempotency] sqlite_path") != std::string::npos);
            CPPUNIT_ASSERT_MESSAGE(message, message.find("missing/dir/x.db") != std::string::npos);
        }
    }

    void testRegistryKeepsOneStorePerFile()
    {
        prometheus::Registry registry;
        TestContext a({{"store", "sqlite"}, {"sqlite_path", dir_.file("reg.db")}}, registry);
        TestContext b({{"store", "sqlite"}, {"sqlite_path", dir_.file("reg.db")}, {"sqlite_synchronous", "full"}},
                      registry);
        TestContext c({{"store", "sqlite"}, {"sqlite_path", dir_.file("other.db")}}, registry);
        const auto storeA = openStore(IdempotencyConfig::from(a.config()), a.config());
        const auto storeB = openStore(IdempotencyConfig::from(b.config()), b.config());
        const auto storeC = openStore(IdempotencyConfig::from(c.config()), c.config());
        CPPUNIT_ASSERT(storeA.get() == storeB.get());
        CPPUNIT_ASSERT(storeA.get() != storeC.get());
        CPPUNIT_ASSERT_EQUAL(std::string("sqlite"), storeA->kind());
    }

private:
    portico::test::TempDir dir_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(SqliteStoreContractTest);
CPPUNIT_TEST_SUITE_REGISTRATION(SqliteStoreTest);

} // namespace portico::idempotency::test
