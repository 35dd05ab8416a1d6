// HeaderList: the answer's header list (Response::headers). Insertion order, case-insensitive
// names, and the NameValueCollection semantics the plugins rely on (set replaces, add appends,
// get throws NotFoundException when absent), and the entries a clear or an erase keeps for reuse.

#include "portico/HeaderList.h"
#include "portico/Response.h"
#include <cppunit/extensions/HelperMacros.h>
#include <cstring>
#include <string>
#include <vector>

using portico::HeaderList;

namespace {

std::string joined(const HeaderList& headers)
{
    std::string out;
    for (const auto& [name, value] : headers)
        out += name + "=" + value + ";";
    return out;
}

} // namespace

class HeaderListTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(HeaderListTest);
    CPPUNIT_TEST(testKeepsInsertionOrder);
    CPPUNIT_TEST(testNamesAreCaseInsensitive);
    CPPUNIT_TEST(testSetReplacesEveryHeaderOfThatNameInPlace);
    CPPUNIT_TEST(testSetAppendsWhenAbsent);
    CPPUNIT_TEST(testAddKeepsDuplicates);
    CPPUNIT_TEST(testGetThrowsNotFoundNamingTheHeader);
    CPPUNIT_TEST(testGetWithFallback);
    CPPUNIT_TEST(testFindAndModifyThroughIterator);
    CPPUNIT_TEST(testEraseRemovesAllOfThatNameOnly);
    CPPUNIT_TEST(testMoveOverloadsTakeTheStrings);
    CPPUNIT_TEST(testClearedEntriesAreReusedWithoutAllocating);
    CPPUNIT_TEST(testEraseKeepsTheOthersInOrderAndTheRemovedForReuse);
    CPPUNIT_TEST(testCopiesAndComparesSeeOnlyTheLiveHeaders);
    CPPUNIT_TEST(testClearKeepsCapacityAndSwapExchanges);
    CPPUNIT_TEST(testValueTakenFromItsOwnTextOrAKeptOne);
    CPPUNIT_TEST(testKeptSlotTakesEveryLengthOverEveryLength);
    CPPUNIT_TEST(testSameNameComparesLengthAndAsciiLetters);
    CPPUNIT_TEST(testResponseCarriesAHeaderList);
    CPPUNIT_TEST_SUITE_END();

public:
    void testKeepsInsertionOrder()
    {
        HeaderList headers;
        headers.add("X-Zeta", "1");
        headers.add("Alpha", "2");
        headers.add("x-zeta", "3"); // not grouped with the first X-Zeta, as Poco's ListMap would
        headers.set("Middle", "4");
        CPPUNIT_ASSERT_EQUAL(std::string("X-Zeta=1;Alpha=2;x-zeta=3;Middle=4;"), joined(headers));
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), headers.size());
        CPPUNIT_ASSERT(!headers.empty());
    }

    void testNamesAreCaseInsensitive()
    {
        HeaderList headers;
        headers.add("Content-Language", "en");
        CPPUNIT_ASSERT(headers.has("content-language"));
        CPPUNIT_ASSERT(headers.has("CONTENT-LANGUAGE"));
        CPPUNIT_ASSERT(!headers.has("Content-Languag"));
        CPPUNIT_ASSERT(!headers.has("Content-Languages"));
        CPPUNIT_ASSERT_EQUAL(std::string("en"), headers.get("cOnTeNt-LaNgUaGe"));
    }

    void testSetReplacesEveryHeaderOfThatNameInPlace()
    {
        HeaderList headers;
        headers.add("Retry-After", "9");
        headers.add("X-Other", "o");
        headers.add("retry-after", "8");
        headers.add("X-Last", "l");
        headers.set("RETRY-AFTER", "1");
        // The first keeps its place (and its spelling), the later duplicate is gone.
        CPPUNIT_ASSERT_EQUAL(std::string("Retry-After=1;X-Other=o;X-Last=l;"), joined(headers));
    }

    void testSetAppendsWhenAbsent()
    {
        HeaderList headers;
        headers.add("A", "1");
        headers.set("B", "2");
        CPPUNIT_ASSERT_EQUAL(std::string("A=1;B=2;"), joined(headers));
    }

    void testAddKeepsDuplicates()
    {
        HeaderList headers;
        headers.add("Set-Cookie", "a=1");
        headers.add("Set-Cookie", "b=2");
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), headers.size());
        CPPUNIT_ASSERT_EQUAL(std::string("a=1"), headers.get("set-cookie")); // the first counts
    }

    void testGetThrowsNotFoundNamingTheHeader()
    {
        HeaderList headers;
        headers.add("A", "1");
        try
        {
            headers.get("X-Missing");
            CPPUNIT_FAIL("get() of an absent header must throw");
        }
        catch (const Poco::NotFoundException& e)
        {
            CPPUNIT_ASSERT(e.message().find("X-Missing") != std::string::npos);
        }
    }

    void testGetWithFallback()
    {
        HeaderList headers;
        headers.add("A", "1");
        const std::string fallback = "(none)";
        CPPUNIT_ASSERT_EQUAL(std::string("1"), headers.get("a", fallback));
        CPPUNIT_ASSERT_EQUAL(fallback, headers.get("B", fallback));
    }

    void testFindAndModifyThroughIterator()
    {
        HeaderList headers;
        headers.add("A", "1");
        headers.add("B", "2");
        auto it = headers.find("b");
        CPPUNIT_ASSERT(it != headers.end());
        CPPUNIT_ASSERT_EQUAL(std::string("B"), it->first);
        it->second = "20";
        CPPUNIT_ASSERT_EQUAL(std::string("20"), headers.get("B"));
        CPPUNIT_ASSERT(headers.find("C") == headers.end());
        const HeaderList& constant = headers;
        CPPUNIT_ASSERT(constant.find("a") == constant.begin());
    }

    void testEraseRemovesAllOfThatNameOnly()
    {
        HeaderList headers;
        headers.add("A", "1");
        headers.add("B", "2");
        headers.add("a", "3");
        headers.add("C", "4");
        headers.erase("A");
        CPPUNIT_ASSERT_EQUAL(std::string("B=2;C=4;"), joined(headers));
        headers.erase("absent");
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), headers.size());
    }

    void testMoveOverloadsTakeTheStrings()
    {
        HeaderList headers;
        std::string name = "X-Long-Header-Name-Beyond-Small-String";
        std::string value(100, 'v');
        const char* valueData = value.data();
        headers.add(std::move(name), std::move(value));
        CPPUNIT_ASSERT(headers.begin()->second.data() == valueData); // moved, not copied
        // A longer value than the one there: its buffer is taken.
        std::string longer(200, 'w');
        const char* longerData = longer.data();
        headers.set(std::string("x-long-header-name-beyond-small-string"), std::move(longer));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), headers.size());
        CPPUNIT_ASSERT(headers.begin()->second.data() == longerData);
        CPPUNIT_ASSERT_EQUAL(std::string("X-Long-Header-Name-Beyond-Small-String"), headers.begin()->first);
        // One that fits the buffer there is copied into it: the buffer stays.
        headers.set(std::string("X-Long-Header-Name-Beyond-Small-String"), std::string(150, 'x'));
        CPPUNIT_ASSERT(headers.begin()->second.data() == longerData);
        CPPUNIT_ASSERT_EQUAL(std::string(150, 'x'), headers.begin()->second);
    }

    void testClearedEntriesAreReusedWithoutAllocating()
    {
        HeaderList headers;
        headers.add("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
        headers.add("X-RateLimit-Remaining-Requests", "999999");
        const char* nameData = headers.begin()->first.data();
        const char* valueData = headers.begin()->second.data();
        headers.clear();
        CPPUNIT_ASSERT(headers.empty());
        CPPUNIT_ASSERT(headers.begin() == headers.end());
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), headers.slots());
        CPPUNIT_ASSERT(!headers.has("Strict-Transport-Security")); // kept, but not there

        headers.add(std::string_view("Content-Security-Policy"), std::string_view("default-src 'none'"));
        CPPUNIT_ASSERT_EQUAL(std::string("Content-Security-Policy=default-src 'none';"), joined(headers));
        CPPUNIT_ASSERT(headers.begin()->first.data() == nameData); // the same buffers, assigned
        CPPUNIT_ASSERT(headers.begin()->second.data() == valueData);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), headers.slots());
        headers.add("A", "1");
        headers.add("B", "2"); // past the kept entries: appended
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), headers.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), headers.slots());
        CPPUNIT_ASSERT_EQUAL(std::string("Content-Security-Policy=default-src 'none';A=1;B=2;"), joined(headers));
    }

    void testEraseKeepsTheOthersInOrderAndTheRemovedForReuse()
    {
        HeaderList headers{{"A", "1"}, {"X-Gone", "2"}, {"B", "3"}, {"x-gone", "4"}, {"C", "5"}};
        headers.erase("X-GONE");
        CPPUNIT_ASSERT_EQUAL(std::string("A=1;B=3;C=5;"), joined(headers));
        CPPUNIT_ASSERT_EQUAL(std::size_t(5), headers.slots());
        headers.set("B", "6");
        headers.add("D", "7");
        CPPUNIT_ASSERT_EQUAL(std::string("A=1;B=6;C=5;D=7;"), joined(headers));
        CPPUNIT_ASSERT_EQUAL(std::size_t(5), headers.slots());
        headers.add("Z", "8");
        headers.set("z", "9"); // the first Z takes the value; nothing after it is Z
        CPPUNIT_ASSERT_EQUAL(std::string("A=1;B=6;C=5;D=7;Z=9;"), joined(headers));
        headers.add("z", "10");
        headers.set("Z", "11"); // the later z goes
        CPPUNIT_ASSERT_EQUAL(std::string("A=1;B=6;C=5;D=7;Z=11;"), joined(headers));
    }

    void testCopiesAndComparesSeeOnlyTheLiveHeaders()
    {
        HeaderList headers{{"A", "1"}, {"B", "2"}, {"C", "3"}};
        headers.clear();
        headers.add("A", "1");
        const HeaderList copy(headers);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), copy.slots());
        CPPUNIT_ASSERT(copy == headers);
        CPPUNIT_ASSERT(headers == HeaderList({{"A", "1"}}));
        CPPUNIT_ASSERT(headers != HeaderList({{"A", "1"}, {"B", "2"}}));

        HeaderList assigned{{"Q", "0"}, {"R", "0"}};
        assigned = headers;
        CPPUNIT_ASSERT_EQUAL(std::string("A=1;"), joined(assigned));
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), assigned.slots()); // into its own entries
        assigned = {{"S", "1"}, {"T", "2"}, {"U", "3"}};
        CPPUNIT_ASSERT_EQUAL(std::string("S=1;T=2;U=3;"), joined(assigned));

        HeaderList moved(std::move(assigned));
        CPPUNIT_ASSERT_EQUAL(std::string("S=1;T=2;U=3;"), joined(moved));
        CPPUNIT_ASSERT(assigned.empty()); // NOLINT(bugprone-use-after-move): moved-from is empty
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), assigned.slots());
        assigned.add("V", "4");
        CPPUNIT_ASSERT_EQUAL(std::string("V=4;"), joined(assigned));
        moved = std::move(assigned);
        CPPUNIT_ASSERT_EQUAL(std::string("V=4;"), joined(moved));
    }

    void testClearKeepsCapacityAndSwapExchanges()
    {
        HeaderList headers;
        headers.reserve(8);
        headers.add("A", "1");
        headers.clear();
        CPPUNIT_ASSERT(headers.empty());
        CPPUNIT_ASSERT(headers.capacity() >= 8);

        HeaderList other{{"B", "2"}};
        headers.swap(other);
        CPPUNIT_ASSERT_EQUAL(std::string("B=2;"), joined(headers));
        CPPUNIT_ASSERT(other.empty());
        CPPUNIT_ASSERT(other.capacity() >= 8);
        CPPUNIT_ASSERT(headers == HeaderList({{"B", "2"}}));
        CPPUNIT_ASSERT(headers != other);
    }

    // set() and add() copy into kept buffers; a value that is a view of the very text it
    // replaces (or of a part of it) must come out whole, not cleared before it is read.
    void testValueTakenFromItsOwnTextOrAKeptOne()
    {
        HeaderList headers;
        headers.add("X-Long", "a value long enough to live outside the small-string buffer");
        headers.set("X-Long", headers.get("X-Long"));
        CPPUNIT_ASSERT_EQUAL(std::string("a value long enough to live outside the small-string buffer"),
                             headers.get("X-Long"));
        headers.set("X-Long", std::string_view(headers.get("X-Long")).substr(8, 10));
        CPPUNIT_ASSERT_EQUAL(std::string("long enoug"), headers.get("X-Long"));
        const std::string same = headers.get("X-Long");
        headers.set("X-Long", std::string_view(headers.get("X-Long")).substr(0, 0));
        CPPUNIT_ASSERT_EQUAL(std::string(), headers.get("X-Long"));

        // A kept entry's buffer takes a longer text, then a shorter one, then another's text.
        headers.clear();
        headers.add("A", "1");
        headers.clear();
        headers.add(std::string_view("Name-" + same), std::string_view(same + same + same));
        CPPUNIT_ASSERT_EQUAL(std::string("Name-long enoug"), headers.begin()->first);
        CPPUNIT_ASSERT_EQUAL(same + same + same, headers.begin()->second);
        headers.add("B", std::string_view(headers.begin()->second).substr(0, 4));
        CPPUNIT_ASSERT_EQUAL(std::string("Name-long enoug=long enouglong enouglong enoug;B=long;"), joined(headers));
    }

    void testKeptSlotTakesEveryLengthOverEveryLength()
    {
        // A recycled slot keeps its last name and value: a text as long or shorter is copied
        // over them (copyShort, 16/8/4-byte copies that overlap) and the length cut; a longer
        // one is appended. Every pairing of old and new length from 0 to 40, with distinct
        // bytes, so that a byte left over or copied twice from the wrong place shows.
        const auto text = [](std::size_t size, char first) {
            std::string out;
            for (std::size_t i = 0; i < size; ++i)
                out += static_cast<char>(first + i % 26);
            return out;
        };
        HeaderList headers;
        for (std::size_t old = 0; old <= 40; ++old)
            for (std::size_t size = 0; size <= 40; ++size)
            {
                headers.clear();
                headers.add(text(old + 1, 'A'), text(old, 'a'));
                headers.clear();
                const std::string name = text(size + 1, 'B');
                const std::string value = text(size, 'b');
                headers.add(std::string_view(name), std::string_view(value));
                const std::string where = std::to_string(old) + " then " + std::to_string(size);
                CPPUNIT_ASSERT_EQUAL_MESSAGE(where, std::size_t(1), headers.slots());
                CPPUNIT_ASSERT_EQUAL_MESSAGE(where, name, headers.begin()->first);
                CPPUNIT_ASSERT_EQUAL_MESSAGE(where, value, headers.begin()->second);
                CPPUNIT_ASSERT_EQUAL_MESSAGE(where, size, std::strlen(headers.begin()->second.c_str()));
            }
    }

    void testSameNameComparesLengthAndAsciiLetters()
    {
        CPPUNIT_ASSERT(HeaderList::sameName("X-Trace-Id", "x-trace-id"));
        CPPUNIT_ASSERT(!HeaderList::sameName("X-Trace-Id", "X-Trace-Ids"));
        CPPUNIT_ASSERT(!HeaderList::sameName("X-Trace-Id", "X-Trace_Id"));
        // '[' and '{' differ from each other by the same 0x20 bit as letters but are not letters.
        CPPUNIT_ASSERT(!HeaderList::sameName("A[", "a{"));
        CPPUNIT_ASSERT(HeaderList::sameName("", ""));
    }

    void testResponseCarriesAHeaderList()
    {
        portico::Response response;
        response.headers.set("X-Frame-Options", "DENY");
        response.headers.add("X-Request-Id", "abc");
        CPPUNIT_ASSERT_EQUAL(std::string("X-Frame-Options=DENY;X-Request-Id=abc;"), joined(response.headers));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(HeaderListTest);
