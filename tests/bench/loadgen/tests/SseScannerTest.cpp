// SseScanner: events of chat completions and of the Responses API, in every split, with CRLF,
// comments and multi-line data.

#include "SseScanner.h"
#include <cppunit/extensions/HelperMacros.h>
#include <string>
#include <vector>

using portico::loadgen::SseScanner;

namespace {

std::vector<std::pair<std::string, std::string>> scan(const std::string& body, std::size_t piece)
{
    std::vector<std::pair<std::string, std::string>> events;
    SseScanner scanner([&](std::string_view event, std::string_view data) { events.emplace_back(event, data); });
    const std::size_t step = piece == 0 ? body.size() : piece;
    for (std::size_t at = 0; at < body.size(); at += step)
        scanner.feed(std::string_view(body).substr(at, step));
    CPPUNIT_ASSERT_EQUAL(events.size(), static_cast<std::size_t>(scanner.events()));
    return events;
}

} // namespace

class SseScannerTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(SseScannerTest);
    CPPUNIT_TEST(testChatChunksInEverySplit);
    CPPUNIT_TEST(testNamedEventsAndCrLf);
    CPPUNIT_TEST(testCommentsMultiLineDataAndEmptyEvents);
    CPPUNIT_TEST_SUITE_END();

public:
    void testChatChunksInEverySplit()
    {
        const std::string body = "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n"
                                 "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n"
                                 "data: [DONE]\n\n";
        for (std::size_t piece = 0; piece <= body.size(); ++piece)
        {
            const auto events = scan(body, piece);
            CPPUNIT_ASSERT_EQUAL(std::size_t(3), events.size());
            CPPUNIT_ASSERT_EQUAL(std::string(), events[0].first);
            CPPUNIT_ASSERT_EQUAL(std::string("[DONE]"), events[2].second);
        }
    }

    void testNamedEventsAndCrLf()
    {
        const auto events = scan("event: response.created\r\ndata: {\"a\":1}\r\n\r\n"
                                 "event: response.completed\ndata:{\"b\":2}\n\n",
                                 5);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), events.size());
        CPPUNIT_ASSERT_EQUAL(std::string("response.created"), events[0].first);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"a\":1}"), events[0].second);
        CPPUNIT_ASSERT_EQUAL(std::string("response.completed"), events[1].first);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"b\":2}"), events[1].second);
    }

    void testCommentsMultiLineDataAndEmptyEvents()
    {
        const auto events = scan(": keep-alive\n\nid: 7\nretry: 10\n\ndata: one\ndata: two\n\nevent: error\ndata: x\n\n", 0);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), events.size());
        CPPUNIT_ASSERT_EQUAL(std::string("one\ntwo"), events[0].second);
        CPPUNIT_ASSERT_EQUAL(std::string("error"), events[1].first);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SseScannerTest);
