// The store contract run against the memory store, and what is particular to it: the LRU
// bounds and the process-wide registry that keeps it across reloads.

#include "IdempotencyKey.h"
#include "MemoryStore.h"
#include "PluginHarness.h"
#include "StoreContract.h"
#include "StoreRegistry.h"

namespace portico::idempotency::test {

namespace {

using State = BeginResult::State;
const std::chrono::milliseconds Long{60000};
const std::string Fingerprint = bodyFingerprint("body");

StoredAnswer answerOf(std::string body)
{
    StoredAnswer answer;
    answer.status = 200;
    answer.contentType = "application/json";
    answer.body = std::move(body);
    return answer;
}

void storeAnswer(MemoryStore& store, const std::string& key, const std::string& body)
{
    const auto begun = store.begin(key, Fingerprint, Long);
    CPPUNIT_ASSERT(begun.state == State::Reserved);
    CPPUNIT_ASSERT(store.complete(key, begun.token, answerOf(body), Long) == CompleteResult::Stored);
}

} // namespace

class MemoryStoreContractTest : public StoreContract
{
    CPPUNIT_TEST_SUB_SUITE(MemoryStoreContractTest, StoreContract);
    CPPUNIT_TEST_SUITE_END();

protected:
    std::unique_ptr<IdempotencyStore> makeStore() override
    {
        return std::make_unique<MemoryStore>(100000, 256ull * 1024 * 1024);
    }
};

class MemoryStoreTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(MemoryStoreTest);
    CPPUNIT_TEST(testEvictsLeastRecentlyUsedBeyondMaxEntries);
    CPPUNIT_TEST(testReplayMakesAnAnswerRecentlyUsed);
    CPPUNIT_TEST(testEvictsBeyondMaxBytes);
    CPPUNIT_TEST(testInFlightMarkersAreNeverEvicted);
    CPPUNIT_TEST(testAnswerLargerThanTheStoreIsRefusedAndFreesTheKey);
    CPPUNIT_TEST(testShrinkingTheLimitsEvictsAtOnce);
    CPPUNIT_TEST(testRegistryKeepsOneMemoryStoreAcrossReloads);
    CPPUNIT_TEST_SUITE_END();

public:
    void testEvictsLeastRecentlyUsedBeyondMaxEntries()
    {
        MemoryStore store(3, 1 << 20);
        for (const char* key : {"a", "b", "c", "d"})
            storeAnswer(store, key, key);
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), store.answerCount());
        CPPUNIT_ASSERT(!store.lookup("a"));
        for (const char* key : {"b", "c", "d"})
            CPPUNIT_ASSERT(store.lookup(key));
    }

    void testReplayMakesAnAnswerRecentlyUsed()
    {
        MemoryStore store(3, 1 << 20);
        for (const char* key : {"a", "b", "c"})
            storeAnswer(store, key, key);
        CPPUNIT_ASSERT(store.begin("a", Fingerprint, Long).state == State::Completed); // a replay of "a"
        storeAnswer(store, "d", "d");
        CPPUNIT_ASSERT(store.lookup("a"));
        CPPUNIT_ASSERT(!store.lookup("b"));
    }

    void testEvictsBeyondMaxBytes()
    {
        const std::string body(1000, 'x');
        const std::uint64_t one = MemoryStore::accountedBytes("k1", Fingerprint, answerOf(body));
        MemoryStore store(1000, one * 2 + one / 2); // room for two
        storeAnswer(store, "k1", body);
        storeAnswer(store, "k2", body);
        storeAnswer(store, "k3", body);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), store.answerCount());
        CPPUNIT_ASSERT(store.answerBytes() <= one * 2 + one / 2);
        CPPUNIT_ASSERT(!store.lookup("k1"));
        CPPUNIT_ASSERT(store.lookup("k3"));
    }

    void testInFlightMarkersAreNeverEvicted()
    {
        MemoryStore store(2, 1 << 20);
        const auto held = store.begin("held", Fingerprint, Long);
        for (const char* key : {"a", "b", "c", "d"})
            storeAnswer(store, key, key);
        CPPUNIT_ASSERT(store.begin("held", Fingerprint, Long).state == State::InFlight);
        CPPUNIT_ASSERT(store.complete("held", held.token, answerOf("late"), Long) == CompleteResult::Stored);
        CPPUNIT_ASSERT(store.lookup("held"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), store.answerCount());
    }

    void testAnswerLargerThanTheStoreIsRefusedAndFreesTheKey()
    {
        MemoryStore store(10, 8192);
        const auto begun = store.begin("big", Fingerprint, Long);
        CPPUNIT_ASSERT(store.complete("big", begun.token, answerOf(std::string(10000, 'x')), Long) ==
                       CompleteResult::TooLarge);
        CPPUNIT_ASSERT(!store.lookup("big"));
        CPPUNIT_ASSERT(store.begin("big", Fingerprint, Long).state == State::Reserved);
    }

    void testShrinkingTheLimitsEvictsAtOnce()
    {
        MemoryStore store(10, 1 << 20);
        for (const char* key : {"a", "b", "c", "d", "e"})
            storeAnswer(store, key, key);
        store.setLimits(2, 1 << 20);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), store.answerCount());
        CPPUNIT_ASSERT(store.lookup("e") && store.lookup("d") && !store.lookup("c"));
    }

    void testRegistryKeepsOneMemoryStoreAcrossReloads()
    {
        prometheus::Registry registry;
        TestContext first({{"max_entries", "500"}}, registry);
        TestContext second({{"max_entries", "700"}}, registry);
        const auto config1 = IdempotencyConfig::from(first.config());
        const auto config2 = IdempotencyConfig::from(second.config());
        const auto store1 = openStore(config1, first.config());
        const auto store2 = openStore(config2, second.config());
        CPPUNIT_ASSERT(store1.get() == store2.get());
        CPPUNIT_ASSERT_EQUAL(std::string("memory"), store2->kind());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(MemoryStoreContractTest);
CPPUNIT_TEST_SUITE_REGISTRATION(MemoryStoreTest);

} // namespace portico::idempotency::test
