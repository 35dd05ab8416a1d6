// HeaderList: the answer's header list (Response::headers). Insertion order, case-insensitive
// names, and the NameValueCollection semantics the plugins rely on (set replaces, add appends,
// get throws NotFoundException when absent).

#include "portico/HeaderList.h"
#include "portico/Response.h"
#include <cppunit/extensions/HelperMacros.h>
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
    CPPUNIT_TEST(testClearKeepsCapacityAndSwapExchanges);
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
        std::string replacement(100, 'w');
        const char* replacementData = replacement.data();
        headers.set(std::string("x-long-header-name-beyond-small-string"), std::move(replacement));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), headers.size());
        CPPUNIT_ASSERT(headers.begin()->second.data() == replacementData);
        CPPUNIT_ASSERT_EQUAL(std::string("X-Long-Header-Name-Beyond-Small-String"), headers.begin()->first);
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
