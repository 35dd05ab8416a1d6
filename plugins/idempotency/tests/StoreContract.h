#pragma once
// The behaviour every IdempotencyStore must have, written once and run against each store: a
// subclass per store supplies makeStore() and registers itself with CPPUNIT_TEST_SUB_SUITE
// (MemoryStoreTest.cpp, SqliteStoreTest.cpp; the Redis store adds its own subclass).

#include "IdempotencyStore.h"
#include <cppunit/extensions/HelperMacros.h>
#include <memory>

namespace portico::idempotency::test {

class StoreContract : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(StoreContract);
    CPPUNIT_TEST(testBeginReservesAFreeKey);
    CPPUNIT_TEST(testSecondBeginSeesTheMarkerAndItsFingerprint);
    CPPUNIT_TEST(testCompletedAnswerComesBackByteForByte);
    CPPUNIT_TEST(testLargeAnswerRoundTrips);
    CPPUNIT_TEST(testEmptyBodyRoundTrips);
    CPPUNIT_TEST(testCompleteWithAnotherTokenIsLost);
    CPPUNIT_TEST(testCompleteTwiceIsLost);
    CPPUNIT_TEST(testReleaseFreesTheKey);
    CPPUNIT_TEST(testReleaseWithAnotherTokenKeepsTheMarker);
    CPPUNIT_TEST(testReleaseNeverRemovesAnAnswer);
    CPPUNIT_TEST(testAnswerExpires);
    CPPUNIT_TEST(testExpiredMarkerIsTakenOver);
    CPPUNIT_TEST(testPurgeRemovesExpiredEntriesOnly);
    CPPUNIT_TEST(testKeysAreIndependent);
    CPPUNIT_TEST(testLookupDoesNotChangeAnything);
    CPPUNIT_TEST(testConcurrentBeginsReserveExactlyOnce);
    CPPUNIT_TEST(testConcurrentUseOfManyKeys);
    CPPUNIT_TEST_SUITE_END_ABSTRACT();

public:
    void setUp() override;
    void tearDown() override;

    void testBeginReservesAFreeKey();
    void testSecondBeginSeesTheMarkerAndItsFingerprint();
    void testCompletedAnswerComesBackByteForByte();
    void testLargeAnswerRoundTrips();
    void testEmptyBodyRoundTrips();
    void testCompleteWithAnotherTokenIsLost();
    void testCompleteTwiceIsLost();
    void testReleaseFreesTheKey();
    void testReleaseWithAnotherTokenKeepsTheMarker();
    void testReleaseNeverRemovesAnAnswer();
    void testAnswerExpires();
    void testExpiredMarkerIsTakenOver();
    void testPurgeRemovesExpiredEntriesOnly();
    void testKeysAreIndependent();
    void testLookupDoesNotChangeAnything();
    void testConcurrentBeginsReserveExactlyOnce();
    void testConcurrentUseOfManyKeys();

protected:
    /// A fresh, empty store (bounds large enough for every test here).
    virtual std::unique_ptr<IdempotencyStore> makeStore() = 0;
    /// False for a store whose backend expires entries itself and cannot count them (Redis).
    virtual bool purgeCountsEntries() const { return true; }

    IdempotencyStore& store() { return *store_; }

private:
    std::unique_ptr<IdempotencyStore> store_;
};

} // namespace portico::idempotency::test
