// The store contract run against the Redis store (each test on its own redis-server), and what
// is particular to it: every entry carries its expiry, two stores on one Redis (two porticod)
// share entries and tokens, scripts survive SCRIPT FLUSH, an unreachable Redis throws
// RedisUnavailable and makes the store not ready, and the config and registry wiring.

#include "IdempotencyKey.h"
#include "RedisServer.h"
#include "RedisStore.h"
#include "StoreContract.h"
#include "StoreRegistry.h"
#include "TestAsserts.h"
#include "TestPluginContext.h"
#include <thread>

namespace portico::idempotency::test {

namespace {

using State = BeginResult::State;
using std::chrono::milliseconds;
const milliseconds Long{60000};
const std::string Fingerprint = bodyFingerprint("body");
const std::string Prefix = "portico:idempotency:";

std::shared_ptr<RedisPool> poolFor(const portico::test::RedisServer& server, const std::string& extra = "")
{
    portico::test::TestPluginContext context("[redis]\nurl = " + server.url() + "\n" + extra, "redis");
    return std::make_shared<RedisPool>(RedisSettings::from(context.config()));
}

StoredAnswer answerOf(std::string body)
{
    StoredAnswer answer;
    answer.status = 200;
    answer.contentType = "application/json";
    answer.body = std::move(body);
    return answer;
}

long long pttl(const portico::test::RedisServer& server, const std::string& key)
{
    return std::stoll(server.command({"PTTL", Prefix + key}));
}

} // namespace

class RedisStoreContractTest : public StoreContract
{
    CPPUNIT_TEST_SUB_SUITE(RedisStoreContractTest, StoreContract);
    CPPUNIT_TEST_SUITE_END();

protected:
    std::unique_ptr<IdempotencyStore> makeStore() override
    {
        return std::make_unique<RedisStore>(poolFor(server_), Prefix);
    }
    bool purgeCountsEntries() const override { return false; }

private:
    portico::test::RedisServer server_;
};

class RedisStoreTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(RedisStoreTest);
    CPPUNIT_TEST(testEveryEntryHasItsExpiry);
    CPPUNIT_TEST(testTwoStoresOnOneRedisShareEntries);
    CPPUNIT_TEST(testScriptsRunAfterScriptFlush);
    CPPUNIT_TEST(testUnreachableRedisThrowsAndIsNotReady);
    CPPUNIT_TEST(testMarkerOfATimedOutBeginIsReleasedWhenRedisReturns);
    CPPUNIT_TEST(testConfigAndRegistry);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override { store_ = std::make_unique<RedisStore>(poolFor(server_), Prefix); }

    void testEveryEntryHasItsExpiry()
    {
        const auto begun = store_->begin("k", Fingerprint, milliseconds(5000));
        CPPUNIT_ASSERT(begun.state == State::Reserved);
        const long long marker = pttl(server_, "k");
        CPPUNIT_ASSERT_MESSAGE(std::to_string(marker), marker > 4000 && marker <= 5000);
        CPPUNIT_ASSERT(store_->complete("k", begun.token, answerOf("{}"), milliseconds(90000)) ==
                       CompleteResult::Stored);
        const long long answer = pttl(server_, "k");
        CPPUNIT_ASSERT_MESSAGE(std::to_string(answer), answer > 85000 && answer <= 90000);
        // One string per identity, under the prefix.
        CPPUNIT_ASSERT_EQUAL(std::string("string"), server_.command({"TYPE", Prefix + "k"}));
        CPPUNIT_ASSERT_EQUAL(std::string("1"), server_.command({"DBSIZE"}));
    }

    void testTwoStoresOnOneRedisShareEntries()
    {
        RedisStore other(poolFor(server_), Prefix); // another porticod
        const auto mine = store_->begin("shared", Fingerprint, Long);
        CPPUNIT_ASSERT(mine.state == State::Reserved);
        const auto theirs = other.begin("shared", Fingerprint, Long);
        CPPUNIT_ASSERT(theirs.state == State::InFlight);
        CPPUNIT_ASSERT_EQUAL(Fingerprint, theirs.fingerprint);
        // Tokens are unique across processes: the other store cannot act on ours.
        other.release("shared", mine.token + "x");
        CPPUNIT_ASSERT(other.lookup("shared") && !other.lookup("shared")->completed);
        CPPUNIT_ASSERT(store_->complete("shared", mine.token, answerOf("{\"n\":1}"), Long) == CompleteResult::Stored);
        const auto replay = other.begin("shared", Fingerprint, Long);
        CPPUNIT_ASSERT(replay.state == State::Completed);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"n\":1}"), replay.answer.body);
        const auto again = other.begin("fresh", Fingerprint, Long);
        CPPUNIT_ASSERT(again.token != mine.token);
    }

    void testScriptsRunAfterScriptFlush()
    {
        const auto first = store_->begin("a", Fingerprint, Long);
        server_.command({"SCRIPT", "FLUSH"}); // what a restarted Redis looks like to EVALSHA
        CPPUNIT_ASSERT(store_->complete("a", first.token, answerOf("kept"), Long) == CompleteResult::Stored);
        CPPUNIT_ASSERT(store_->begin("a", Fingerprint, Long).state == State::Completed);
        const auto second = store_->begin("b", Fingerprint, Long);
        server_.command({"SCRIPT", "FLUSH"});
        store_->release("b", second.token);
        CPPUNIT_ASSERT(!store_->lookup("b"));
    }

    void testUnreachableRedisThrowsAndIsNotReady()
    {
        CPPUNIT_ASSERT_EQUAL(std::string(), store_->notReadyReason());
        server_.stop();
        CPPUNIT_ASSERT_THROW(store_->begin("k", Fingerprint, Long), RedisUnavailable);
        CPPUNIT_ASSERT_THROW(store_->lookup("k"), RedisUnavailable);
        PORTICO_ASSERT_CONTAINS(store_->notReadyReason(), "127.0.0.1:" + std::to_string(server_.port()));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), store_->purge()); // no Redis call: never throws
        server_.start();
        std::this_thread::sleep_for(milliseconds(300));
        CPPUNIT_ASSERT(store_->begin("k", Fingerprint, Long).state == State::Reserved);
        CPPUNIT_ASSERT_EQUAL(std::string(), store_->notReadyReason());
    }

    void testMarkerOfATimedOutBeginIsReleasedWhenRedisReturns()
    {
        RedisStore store(poolFor(server_, "command_timeout_ms = 200\n"), Prefix);
        CPPUNIT_ASSERT(store.begin("warm-up", Fingerprint, Long).state == State::Reserved);
        server_.pause(); // a hung server: it queues the command and runs it when it resumes
        try
        {
            store.begin("late", Fingerprint, Long);
            CPPUNIT_FAIL("a paused server answered");
        }
        catch (const RedisUnavailable& e)
        {
            CPPUNIT_ASSERT(e.mayHaveRun());
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), store.orphans());
        server_.resume();
        std::this_thread::sleep_for(milliseconds(300));
        // The queued SET NX ran: a marker nobody owns, which would answer 409 for a minute...
        CPPUNIT_ASSERT_EQUAL(std::string("1"), server_.command({"EXISTS", Prefix + "late"}));
        // ...until the next begin() releases it.
        CPPUNIT_ASSERT(store.begin("other", Fingerprint, Long).state == State::Reserved);
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), store.orphans());
        CPPUNIT_ASSERT(store.begin("late", Fingerprint, Long).state == State::Reserved);
        // A call refused before it was sent leaves nothing to release.
        server_.stop();
        CPPUNIT_ASSERT_THROW(store.begin("never-sent", Fingerprint, Long), RedisUnavailable);
        CPPUNIT_ASSERT_THROW(store.begin("never-sent", Fingerprint, Long), RedisUnavailable);
        CPPUNIT_ASSERT(store.orphans() <= 1); // the first may have been cut mid-call
    }

    void testConfigAndRegistry()
    {
        portico::test::TestPluginContext context(
            "[idempotency]\nstore = redis\nredis_failure = fail_open\n[redis]\nurl = " + server_.url() + "\n",
            "idempotency");
        const auto config = IdempotencyConfig::from(context.config());
        CPPUNIT_ASSERT(config.store == StoreKind::Redis);
        CPPUNIT_ASSERT(config.redisFailure == RedisFailurePolicy::FailOpen);
        const auto store = openStore(config, context.config());
        CPPUNIT_ASSERT_EQUAL(std::string("redis"), store->kind());
        CPPUNIT_ASSERT(store->begin("via-registry", Fingerprint, Long).state == State::Reserved);
        CPPUNIT_ASSERT_EQUAL(std::string("1"), server_.command({"EXISTS", Prefix + "via-registry"}));

        portico::test::TestPluginContext defaults("[idempotency]\nstore = redis\n", "idempotency");
        CPPUNIT_ASSERT(IdempotencyConfig::from(defaults.config()).redisFailure == RedisFailurePolicy::FailClosed);
        portico::test::TestPluginContext bad("[idempotency]\nredis_failure = open\n", "idempotency");
        PORTICO_ASSERT_CONTAINS(portico::test::messageOf([&] { IdempotencyConfig::from(bad.config()); }),
                                "[idempotency] redis_failure: expected fail_open or fail_closed");
        portico::test::TestPluginContext typo("[idempotency]\nstore = redis\n[redis]\nurl = redis://127.0.0.1:1\n"
                                              "pool = 3\n",
                                              "idempotency");
        PORTICO_ASSERT_CONTAINS(portico::test::messageOf([&] {
                                    openStore(IdempotencyConfig::from(typo.config()), typo.config());
                                }),
                                "[redis] pool: unknown key");
    }

private:
    portico::test::RedisServer server_;
    std::unique_ptr<RedisStore> store_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(RedisStoreContractTest);
CPPUNIT_TEST_SUITE_REGISTRATION(RedisStoreTest);

} // namespace portico::idempotency::test
