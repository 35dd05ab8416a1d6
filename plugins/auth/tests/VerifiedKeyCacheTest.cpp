// SipHash-2-4 (64- and 128-bit outputs) against the reference test vectors, and the
// verified-key cache: hits, misses, its bound, and concurrent use.

#include "SipHash.h"
#include "VerifiedKeyCache.h"
#include <cppunit/extensions/HelperMacros.h>
#include <string>
#include <thread>
#include <vector>

using portico::auth::SipKey;
using portico::auth::VerifiedKeyCache;

namespace {

std::string key(int n)
{
    return "sk-portico-CacheTestKey" + std::to_string(n) + "-0123456789abcdefghijklmnopq";
}

} // namespace

class VerifiedKeyCacheTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(VerifiedKeyCacheTest);
    CPPUNIT_TEST(testSipHashReferenceVectors);
    CPPUNIT_TEST(testRemembersAndFinds);
    CPPUNIT_TEST(testHoldsNoMoreThanItsCapacity);
    CPPUNIT_TEST(testZeroCapacityHoldsNothing);
    CPPUNIT_TEST(testConcurrentRememberAndFind);
    CPPUNIT_TEST_SUITE_END();

public:
    // The reference implementation's vectors: key bytes 00..0f, message bytes 00..n-1.
    void testSipHashReferenceVectors()
    {
        const SipKey k{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
        std::string message;
        for (int i = 0; i < 16; ++i)
            message += static_cast<char>(i);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{0x726fdb47dd0e0e31ULL}, portico::auth::sipHash24(k, message.substr(0, 0)));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{0x74f839c593dc67fdULL}, portico::auth::sipHash24(k, message.substr(0, 1)));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{0xa129ca6149be45e5ULL}, portico::auth::sipHash24(k, message.substr(0, 15)));

        // vectors_sip128 of the same repository: output bytes 0-7 and 8-15, each read
        // little-endian. Lengths 0, 1, 7 (one partial block), 8 and 9 (a whole block and more).
        const struct
        {
            std::size_t length;
            std::uint64_t first;
            std::uint64_t second;
        } wide[] = {
            {0, 0xe6a825ba047f81a3ULL, 0x930255c71472f66dULL},
            {1, 0x44af996bd8c187daULL, 0x45fc229b11597634ULL},
            {7, 0x53c1dbd8beebf1a1ULL, 0x3982f01fa64ab8c0ULL},
            {8, 0x61f55862baa9623bULL, 0xb49714f364e2830fULL},
            {9, 0xabbad90a06994426ULL, 0xed716dbb028b7fc4ULL},
        };
        for (const auto& vector : wide)
        {
            const portico::auth::SipTag128 tag = portico::auth::sipHash24x128(k, message.substr(0, vector.length));
            CPPUNIT_ASSERT_EQUAL(vector.first, tag.first);
            CPPUNIT_ASSERT_EQUAL(vector.second, tag.second);
        }
    }

    void testRemembersAndFinds()
    {
        VerifiedKeyCache cache(4);
        CPPUNIT_ASSERT_EQUAL(VerifiedKeyCache::NotFound, cache.find(key(1)));
        cache.remember(key(1), 0);
        cache.remember(key(2), 3);
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, cache.find(key(1)));
        CPPUNIT_ASSERT_EQUAL(std::size_t{3}, cache.find(key(2)));
        CPPUNIT_ASSERT_EQUAL(VerifiedKeyCache::NotFound, cache.find(key(3)));
        CPPUNIT_ASSERT_EQUAL(VerifiedKeyCache::NotFound, cache.find(key(1) + "x"));
        CPPUNIT_ASSERT_EQUAL(VerifiedKeyCache::NotFound, cache.find(key(1).substr(1)));
        cache.remember(key(1), 0); // again: no second entry
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, cache.size());
    }

    void testHoldsNoMoreThanItsCapacity()
    {
        VerifiedKeyCache cache(3);
        for (int i = 0; i < 10; ++i)
            cache.remember(key(i), static_cast<std::size_t>(i));
        CPPUNIT_ASSERT_EQUAL(std::size_t{3}, cache.size());
        int found = 0;
        for (int i = 0; i < 10; ++i)
            if (const std::size_t value = cache.find(key(i)); value != VerifiedKeyCache::NotFound)
            {
                CPPUNIT_ASSERT_EQUAL(static_cast<std::size_t>(i), value);
                ++found;
            }
        CPPUNIT_ASSERT_EQUAL(3, found);
        CPPUNIT_ASSERT_EQUAL(VerifiedKeyCache::MaxCapacity, VerifiedKeyCache(1'000'000).capacity());
    }

    void testZeroCapacityHoldsNothing()
    {
        VerifiedKeyCache cache(0);
        cache.remember(key(1), 1);
        CPPUNIT_ASSERT_EQUAL(VerifiedKeyCache::NotFound, cache.find(key(1)));
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, cache.size());
    }

    // Four threads remember and look up overlapping keys: every hit has the right value and the
    // bound holds (run under TSan by the sanitizer build).
    void testConcurrentRememberAndFind()
    {
        constexpr int Keys = 64;
        // Two threads that miss the same key at once may both store it: room for that.
        VerifiedKeyCache cache(4 * Keys);
        std::vector<std::thread> threads;
        std::vector<int> wrong(4, 0);
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&cache, &wrong, t] {
                for (int round = 0; round < 50; ++round)
                    for (int i = 0; i < Keys; ++i)
                    {
                        const int k = (i + t * 16) % Keys;
                        const std::size_t value = cache.find(key(k));
                        if (value == VerifiedKeyCache::NotFound)
                            cache.remember(key(k), static_cast<std::size_t>(k));
                        else if (value != static_cast<std::size_t>(k))
                            ++wrong[t];
                    }
            });
        for (auto& thread : threads)
            thread.join();
        for (int t = 0; t < 4; ++t)
            CPPUNIT_ASSERT_EQUAL(0, wrong[t]);
        CPPUNIT_ASSERT(cache.size() >= std::size_t{Keys} && cache.size() <= std::size_t{4 * Keys});
        for (int i = 0; i < Keys; ++i)
            CPPUNIT_ASSERT_EQUAL(static_cast<std::size_t>(i), cache.find(key(i)));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(VerifiedKeyCacheTest);
