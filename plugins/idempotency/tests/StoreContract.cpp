#include "StoreContract.h"
#include "IdempotencyKey.h"
#include "PluginHarness.h"
#include <atomic>
#include <set>
#include <thread>
#include <vector>

namespace portico::idempotency::test {

namespace {

using State = BeginResult::State;
using std::chrono::milliseconds;

const milliseconds Long{60000};
const std::string FingerprintA = bodyFingerprint("{\"input\":\"a\"}");
const std::string FingerprintB = bodyFingerprint("{\"input\":\"b\"}");

StoredAnswer answer(int status, std::string body, std::string contentType = "application/json")
{
    StoredAnswer result;
    result.status = status;
    result.contentType = std::move(contentType);
    result.body = std::move(body);
    return result;
}

std::string everyByte()
{
    std::string bytes;
    for (int i = 0; i < 256; ++i)
        bytes += static_cast<char>(i);
    return bytes;
}

} // namespace

void StoreContract::setUp()
{
    store_ = makeStore();
}

void StoreContract::tearDown()
{
    store_.reset();
}

void StoreContract::testBeginReservesAFreeKey()
{
    const auto begun = store().begin(uniqueKey(), FingerprintA, Long);
    CPPUNIT_ASSERT(begun.state == State::Reserved);
    CPPUNIT_ASSERT(!begun.token.empty());
    CPPUNIT_ASSERT_EQUAL(FingerprintA, begun.fingerprint);
}

void StoreContract::testSecondBeginSeesTheMarkerAndItsFingerprint()
{
    const std::string key = uniqueKey();
    const auto first = store().begin(key, FingerprintA, Long);
    const auto same = store().begin(key, FingerprintA, Long);
    const auto other = store().begin(key, FingerprintB, Long);
    CPPUNIT_ASSERT(first.state == State::Reserved);
    CPPUNIT_ASSERT(same.state == State::InFlight);
    CPPUNIT_ASSERT(other.state == State::InFlight);
    CPPUNIT_ASSERT_EQUAL(FingerprintA, same.fingerprint);
    CPPUNIT_ASSERT_EQUAL(FingerprintA, other.fingerprint); // the owner's, not the caller's
    CPPUNIT_ASSERT(same.token.empty());
}

void StoreContract::testCompletedAnswerComesBackByteForByte()
{
    const std::string key = uniqueKey();
    const auto first = store().begin(key, FingerprintA, Long);
    const std::string body = "data: {\"x\":1}\n\n" + everyByte() + everyByte();
    CPPUNIT_ASSERT(store().complete(key, first.token, answer(201, body, "text/event-stream"), Long) ==
                   CompleteResult::Stored);
    const auto again = store().begin(key, FingerprintA, Long);
    CPPUNIT_ASSERT(again.state == State::Completed);
    CPPUNIT_ASSERT_EQUAL(FingerprintA, again.fingerprint);
    CPPUNIT_ASSERT_EQUAL(201, again.answer.status);
    CPPUNIT_ASSERT_EQUAL(std::string("text/event-stream"), again.answer.contentType);
    CPPUNIT_ASSERT_EQUAL(body.size(), again.answer.body.size());
    CPPUNIT_ASSERT(body == again.answer.body);
}

void StoreContract::testLargeAnswerRoundTrips()
{
    const std::string key = uniqueKey();
    std::string body;
    for (int i = 0; body.size() < 2 * 1024 * 1024; ++i)
        body += "data: {\"i\":" + std::to_string(i) + "}\n\n";
    const auto first = store().begin(key, FingerprintA, Long);
    CPPUNIT_ASSERT(store().complete(key, first.token, answer(200, body), Long) == CompleteResult::Stored);
    const auto entry = store().lookup(key);
    CPPUNIT_ASSERT(entry && entry->completed);
    CPPUNIT_ASSERT(body == entry->answer.body);
}

void StoreContract::testEmptyBodyRoundTrips()
{
    const std::string key = uniqueKey();
    const auto first = store().begin(key, FingerprintA, Long);
    CPPUNIT_ASSERT(store().complete(key, first.token, answer(204, "", ""), Long) == CompleteResult::Stored);
    const auto again = store().begin(key, FingerprintA, Long);
    CPPUNIT_ASSERT(again.state == State::Completed);
    CPPUNIT_ASSERT_EQUAL(204, again.answer.status);
    CPPUNIT_ASSERT(again.answer.body.empty());
}

void StoreContract::testCompleteWithAnotherTokenIsLost()
{
    const std::string key = uniqueKey();
    const auto first = store().begin(key, FingerprintA, Long);
    CPPUNIT_ASSERT(store().complete(key, first.token + "x", answer(200, "{}"), Long) == CompleteResult::Lost);
    CPPUNIT_ASSERT(store().complete(uniqueKey(), first.token, answer(200, "{}"), Long) == CompleteResult::Lost);
    CPPUNIT_ASSERT(store().begin(key, FingerprintA, Long).state == State::InFlight);
}

void StoreContract::testCompleteTwiceIsLost()
{
    const std::string key = uniqueKey();
    const auto first = store().begin(key, FingerprintA, Long);
    CPPUNIT_ASSERT(store().complete(key, first.token, answer(200, "one"), Long) == CompleteResult::Stored);
    CPPUNIT_ASSERT(store().complete(key, first.token, answer(200, "two"), Long) == CompleteResult::Lost);
    CPPUNIT_ASSERT_EQUAL(std::string("one"), store().lookup(key)->answer.body);
}

void StoreContract::testReleaseFreesTheKey()
{
    const std::string key = uniqueKey();
    const auto first = store().begin(key, FingerprintA, Long);
    store().release(key, first.token);
    CPPUNIT_ASSERT(!store().lookup(key));
    const auto again = store().begin(key, FingerprintB, Long);
    CPPUNIT_ASSERT(again.state == State::Reserved);
    CPPUNIT_ASSERT(again.token != first.token);
}

void StoreContract::testReleaseWithAnotherTokenKeepsTheMarker()
{
    const std::string key = uniqueKey();
    const auto first = store().begin(key, FingerprintA, Long);
    store().release(key, first.token + "x");
    CPPUNIT_ASSERT(store().begin(key, FingerprintA, Long).state == State::InFlight);
}

void StoreContract::testReleaseNeverRemovesAnAnswer()
{
    const std::string key = uniqueKey();
    const auto first = store().begin(key, FingerprintA, Long);
    CPPUNIT_ASSERT(store().complete(key, first.token, answer(200, "kept"), Long) == CompleteResult::Stored);
    store().release(key, first.token);
    const auto entry = store().lookup(key);
    CPPUNIT_ASSERT(entry && entry->completed);
    CPPUNIT_ASSERT_EQUAL(std::string("kept"), entry->answer.body);
}

void StoreContract::testAnswerExpires()
{
    const std::string key = uniqueKey();
    const auto first = store().begin(key, FingerprintA, Long);
    CPPUNIT_ASSERT(store().complete(key, first.token, answer(200, "short"), milliseconds(150)) ==
                   CompleteResult::Stored);
    CPPUNIT_ASSERT(store().begin(key, FingerprintA, Long).state == State::Completed);
    std::this_thread::sleep_for(milliseconds(400));
    CPPUNIT_ASSERT(!store().lookup(key));
    CPPUNIT_ASSERT(store().begin(key, FingerprintB, Long).state == State::Reserved);
}

void StoreContract::testExpiredMarkerIsTakenOver()
{
    const std::string key = uniqueKey();
    const auto stale = store().begin(key, FingerprintA, milliseconds(150));
    std::this_thread::sleep_for(milliseconds(400));
    const auto fresh = store().begin(key, FingerprintA, Long);
    CPPUNIT_ASSERT(fresh.state == State::Reserved);
    CPPUNIT_ASSERT(fresh.token != stale.token);
    // The stale holder can neither store over nor free the new reservation.
    CPPUNIT_ASSERT(store().complete(key, stale.token, answer(200, "stale"), Long) == CompleteResult::Lost);
    store().release(key, stale.token);
    CPPUNIT_ASSERT(store().begin(key, FingerprintA, Long).state == State::InFlight);
    CPPUNIT_ASSERT(store().complete(key, fresh.token, answer(200, "fresh"), Long) == CompleteResult::Stored);
    CPPUNIT_ASSERT_EQUAL(std::string("fresh"), store().lookup(key)->answer.body);
}

void StoreContract::testPurgeRemovesExpiredEntriesOnly()
{
    std::vector<std::string> expiring;
    for (int i = 0; i < 3; ++i)
    {
        expiring.push_back(uniqueKey());
        const auto begun = store().begin(expiring.back(), FingerprintA, Long);
        store().complete(expiring.back(), begun.token, answer(200, "x"), milliseconds(100));
    }
    const std::string marker = uniqueKey();
    store().begin(marker, FingerprintA, milliseconds(100)); // an expiring in-flight marker
    const std::string live = uniqueKey();
    const auto begun = store().begin(live, FingerprintA, Long);
    store().complete(live, begun.token, answer(200, "live"), Long);
    std::this_thread::sleep_for(milliseconds(300));

    const std::size_t removed = store().purge();
    if (purgeCountsEntries())
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), removed);
    for (const auto& key : expiring)
        CPPUNIT_ASSERT(!store().lookup(key));
    CPPUNIT_ASSERT(!store().lookup(marker));
    CPPUNIT_ASSERT(store().lookup(live));
    if (purgeCountsEntries())
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), store().purge());
}

void StoreContract::testKeysAreIndependent()
{
    const std::string principal = uniqueKey("principal");
    const std::string alice = identityKey(principal + "a", "POST /v1/embeddings", "same");
    const std::string bob = identityKey(principal + "b", "POST /v1/embeddings", "same");
    const auto first = store().begin(alice, FingerprintA, Long);
    store().complete(alice, first.token, answer(200, "alice's"), Long);
    CPPUNIT_ASSERT(store().begin(bob, FingerprintA, Long).state == State::Reserved);
    CPPUNIT_ASSERT_EQUAL(std::string("alice's"), store().lookup(alice)->answer.body);
    CPPUNIT_ASSERT(!store().lookup(bob)->completed);
}

void StoreContract::testLookupDoesNotChangeAnything()
{
    const std::string key = uniqueKey();
    CPPUNIT_ASSERT(!store().lookup(key));
    CPPUNIT_ASSERT(!store().lookup(key)); // a lookup does not reserve
    const auto first = store().begin(key, FingerprintB, Long);
    const auto marker = store().lookup(key);
    CPPUNIT_ASSERT(marker && !marker->completed);
    CPPUNIT_ASSERT_EQUAL(FingerprintB, marker->fingerprint);
    CPPUNIT_ASSERT(store().complete(key, first.token, answer(200, "done"), Long) == CompleteResult::Stored);
    const auto done = store().lookup(key);
    CPPUNIT_ASSERT(done && done->completed);
    CPPUNIT_ASSERT_EQUAL(200, done->answer.status);
}

void StoreContract::testConcurrentBeginsReserveExactlyOnce()
{
    const std::string key = uniqueKey();
    constexpr int Threads = 32;
    std::atomic<int> ready{0};
    std::atomic<int> reserved{0};
    std::atomic<int> inFlight{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < Threads; ++i)
        threads.emplace_back([&] {
            ++ready;
            while (ready.load() < Threads)
                std::this_thread::yield();
            const auto begun = store().begin(key, FingerprintA, Long);
            if (begun.state == State::Reserved)
                ++reserved;
            else if (begun.state == State::InFlight)
                ++inFlight;
        });
    for (auto& thread : threads)
        thread.join();
    CPPUNIT_ASSERT_EQUAL(1, reserved.load());
    CPPUNIT_ASSERT_EQUAL(Threads - 1, inFlight.load());
}

void StoreContract::testConcurrentUseOfManyKeys()
{
    constexpr int Threads = 8;
    constexpr int KeysPerThread = 40;
    const std::string prefix = uniqueKey("many");
    std::atomic<int> stored{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < Threads; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < KeysPerThread; ++i)
            {
                const std::string key = prefix + "/" + std::to_string(t) + "/" + std::to_string(i);
                const auto begun = store().begin(key, FingerprintA, Long);
                if (begun.state != State::Reserved)
                    continue;
                if (i % 4 == 3)
                    store().release(key, begun.token);
                else if (store().complete(key, begun.token, answer(200, key), Long) == CompleteResult::Stored)
                    ++stored;
            }
        });
    for (auto& thread : threads)
        thread.join();
    CPPUNIT_ASSERT_EQUAL(Threads * KeysPerThread * 3 / 4, stored.load());
    for (int t = 0; t < Threads; ++t)
        for (int i = 0; i < KeysPerThread; ++i)
        {
            const std::string key = prefix + "/" + std::to_string(t) + "/" + std::to_string(i);
            const auto entry = store().lookup(key);
            if (i % 4 == 3)
                CPPUNIT_ASSERT(!entry);
            else
                CPPUNIT_ASSERT(entry && entry->answer.body == key);
        }
}

} // namespace portico::idempotency::test
