// StreamUsage: asking a chat stream for its usage on the client's behalf (the request body),
// and the events as the client would have had them without asking.

#include "StreamUsage.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include <cppunit/extensions/HelperMacros.h>

using namespace portico::openai;

namespace {

Poco::JSON::Object::Ptr parse(const std::string& json)
{
    return Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
}

/// The client's view of `event`, or "(hidden)".
std::string view(const std::string& event)
{
    std::string out;
    return clientView(event, out) ? out : "(hidden)";
}

} // namespace

class StreamUsageTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(StreamUsageTest);
    CPPUNIT_TEST(testAskedAlreadyIsLeftAlone);
    CPPUNIT_TEST(testAddedWhenMissing);
    CPPUNIT_TEST(testAddedToExistingOptions);
    CPPUNIT_TEST(testUnusualBodiesGoThroughTheParser);
    CPPUNIT_TEST(testUsageChunkHidden);
    CPPUNIT_TEST(testNullUsageRemoved);
    CPPUNIT_TEST(testOtherEventsUnchanged);
    CPPUNIT_TEST_SUITE_END();

public:
    void testAskedAlreadyIsLeftAlone()
    {
        CPPUNIT_ASSERT(!withStreamUsage(R"({"model":"m","stream":true,"stream_options":{"include_usage":true}})", 64));
        CPPUNIT_ASSERT(!withStreamUsage(R"({"stream_options": { "x":1, "include_usage" : true }})", 64));
    }

    void testAddedWhenMissing()
    {
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"stream_options":{"include_usage":true},"model":"m","stream":true})"),
                             *withStreamUsage(R"({"model":"m","stream":true})", 64));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"stream_options":{"include_usage":true}})"), *withStreamUsage("{}", 64));
        CPPUNIT_ASSERT_EQUAL(std::string(R"( {"stream_options":{"include_usage":true} } )"),
                             *withStreamUsage(" { } ", 64));
    }

    void testAddedToExistingOptions()
    {
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"model":"m","stream_options":{"include_usage":true,"include_obfuscation":false}})"),
                             *withStreamUsage(R"({"model":"m","stream_options":{"include_obfuscation":false}})", 64));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"stream_options":{"include_usage":true}})"),
                             *withStreamUsage(R"({"stream_options":{}})", 64));
        // An explicit false: the parser sets it true (the scanner would see a duplicate key).
        const auto falseBefore = withStreamUsage(R"({"model":"m","stream_options":{"include_usage":false}})", 64);
        CPPUNIT_ASSERT(falseBefore);
        CPPUNIT_ASSERT(parse(*falseBefore)->getObject("stream_options")->getValue<bool>("include_usage"));
        CPPUNIT_ASSERT_EQUAL(std::string("m"), parse(*falseBefore)->getValue<std::string>("model"));
    }

    void testUnusualBodiesGoThroughTheParser()
    {
        // An escaped key and a duplicated stream_options: Poco decides, include_usage is set.
        for (const char* body : {R"({"mod\u0065l":"m","stream":true})",
                                 R"({"stream_options":{},"stream_options":{"include_usage":false}})"})
        {
            const auto rewritten = withStreamUsage(body, 64);
            CPPUNIT_ASSERT_MESSAGE(body, rewritten.has_value());
            CPPUNIT_ASSERT_MESSAGE(body, parse(*rewritten)->getObject("stream_options")->getValue<bool>("include_usage"));
        }
        // Asked already, behind an escape: left alone.
        CPPUNIT_ASSERT(!withStreamUsage(R"({"stre\u0061m_options":{"include_usage":true}})", 64));
    }

    void testUsageChunkHidden()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("(hidden)"),
                             view("data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":3}}\n\n"));
        CPPUNIT_ASSERT_EQUAL(std::string("(hidden)"),
                             view("data: {\"id\": \"c\", \"choices\": [ ], \"usage\": {\"prompt_tokens\": 3}}\r\n\r\n"));
    }

    void testNullUsageRemoved()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n"),
                             view("data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}],\"usage\":null}\n\n"));
        CPPUNIT_ASSERT_EQUAL(std::string("data: {\"choices\": [{\"delta\": {}}]}\r\n\r\n"),
                             view("data: {\"choices\": [{\"delta\": {}}], \"usage\": null}\r\n\r\n"));
    }

    void testOtherEventsUnchanged()
    {
        for (const char* event : {"data: [DONE]\n\n", "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n",
                                  ": keep-alive\n\n", "event: error\ndata: {\"error\":{\"message\":\"m\"}}\n\n",
                                  // usage:null not at the end, and a usage object with choices: left alone
                                  "data: {\"usage\":null,\"choices\":[]}\n\n",
                                  "data: {\"choices\":[{\"index\":0}],\"usage\":{\"prompt_tokens\":1}}\n\n"})
            CPPUNIT_ASSERT_EQUAL(std::string(event), view(event));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(StreamUsageTest);
