// peekRequest (JsonObjectScanner) against the full parse it stands in for: for every body it
// answers, it must find the model and stream flag that Poco::JSON and FieldReader find; bodies
// it is unsure of (or that are invalid) it must leave to the full parse.

#include "JsonBody.h"
#include "JsonObjectScanner.h"
#include "RequestPeek.h"
#include <cppunit/extensions/HelperMacros.h>

using namespace portico::openai;

namespace {

constexpr std::size_t depth = 32;

/// What the full parse says: the model and stream flag, or nothing when it refuses the body.
std::optional<RequestPeek> fullParse(const std::string& body)
{
    try
    {
        return readRequestPeek(*parseJsonObject(body, depth));
    }
    catch (const RequestError&)
    {
        return std::nullopt;
    }
}

} // namespace

class RequestPeekTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(RequestPeekTest);
    CPPUNIT_TEST(testReadsModelAndStream);
    CPPUNIT_TEST(testAgreesWithFullParse);
    CPPUNIT_TEST(testLeavesDoubtfulBodiesToFullParse);
    CPPUNIT_TEST(testDepthLimit);
    CPPUNIT_TEST(testIntegers);
    CPPUNIT_TEST_SUITE_END();

public:
    void testReadsModelAndStream()
    {
        const auto peek = peekRequest(
            R"({"model":"gpt-x","messages":[{"role":"user","content":"Grüße \"q\" \u00e9"}],"stream":true})", depth);
        CPPUNIT_ASSERT(peek);
        CPPUNIT_ASSERT_EQUAL(std::string("gpt-x"), peek->model);
        CPPUNIT_ASSERT(peek->stream);
        const auto plain = peekRequest(" {\n\"stream\" : false , \"model\" : \"m\" }\r\n", depth);
        CPPUNIT_ASSERT(plain);
        CPPUNIT_ASSERT_EQUAL(std::string("m"), plain->model);
        CPPUNIT_ASSERT(!plain->stream);
    }

    void testAgreesWithFullParse()
    {
        const char* const bodies[] = {
            R"({"model":"a","messages":[]})",
            R"({"model":"a","stream":"true"})",
            R"({"model":"a","stream":1})",
            R"({"model":"a","stream":null})",
            R"({"model":"","n":-0.5e+3,"x":[1,2.25,-3E2,true,false,null,{},[]]})",
            R"({"model":"a","nested":{"model":"b","stream":true}})",
            R"({"messages":[{"content":"\"model\":\"b\""}],"model":"a"})",
            R"({"model":"a\u0062"})",
            R"({"model":"a","model":"b"})",
            R"({"mod\u0065l":"b"})",
            R"({"model":1})",
            R"({"model":null})",
            R"({})",
            R"([{"model":"a"}])",
            R"("model")",
            R"({"model":"a",})",
            R"({"model":"a"} x)",
            R"({"model":"a"}{})",
            R"({"model" "a"})",
            R"({"model":"a","x":01})",
            R"({"model":"a","x":1.})",
            R"({"model":"a","x":.5})",
            R"({"model":"a","x":tru})",
            R"({"model":"a","x":"\x"})",
            R"({"model":"a","x":"\ud83d\ude00"})",
            R"({"model":"a","x":"\u0000"})",
            R"({"model":"a","x":12345678901234567890})",
            R"({"model":"a" /* c */})",
            "{\"model\":\"a\",\"x\":\"tab\there\"}",
            "{\"model\":\"a\",\"x\":\"\xff\"}",
            "{\"model\":\"a\",\"x\":\"\xc0\xaf\"}",
            "{\"model\":\"a\",\"x\":\"\xed\xa0\x80\"}",
            "{\"model\":\"a\",\"x\":\"\xf0\x9f\x98\x80\"}",
            "",
            "   ",
            "{\"model\":\"a\"",
        };
        for (const char* body : bodies)
        {
            const auto peek = peekRequest(body, depth);
            if (!peek)
                continue; // left to the full parse: always safe
            const auto full = fullParse(body);
            CPPUNIT_ASSERT_MESSAGE(std::string("peek accepted what the full parse refuses: ") + body, full);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(body, full->model, peek->model);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(body, full->stream, peek->stream);
        }
    }

    void testLeavesDoubtfulBodiesToFullParse()
    {
        const char* const doubtful[] = {
            R"({"model":"a\u0062"})",         // an escaped model: needs decoding
            R"({"model":"a","model":"b"})",   // twice
            R"({"mod\u0065l":"b"})",          // an escaped key
            R"({"model":1})",                 // not a string: the full parse's 400
            R"({"stream":true})",             // no model
            R"({"model":"a","x":"\u0000"})",  // NUL
            R"({"model":"a","x":"\ud800"})",  // surrogate
            R"({"model":"a","x":1e400})",     // fine JSON, but the number is the full parser's call
            R"({"model":"a"} x)",             // trailing content
            R"({"model":"a" /* c */})",       // comment
            "{\"model\":\"a\",\"x\":\"\xc0\xaf\"}", // overlong UTF-8
            "{\"model\":\"a\",\"x\":\"\x01\"}",     // control character
        };
        for (const char* body : doubtful)
            CPPUNIT_ASSERT_MESSAGE(body, !peekRequest(body, depth));
    }

    void testDepthLimit()
    {
        // The scanner gives up one level before the full parser's limit.
        std::string nested = R"({"model":"a","x":)";
        for (int i = 0; i < 3; ++i)
            nested += "[";
        nested += "1";
        for (int i = 0; i < 3; ++i)
            nested += "]";
        nested += "}";
        CPPUNIT_ASSERT(peekRequest(nested, 8)); // levels: object, 3 arrays
        CPPUNIT_ASSERT(!peekRequest(nested, 4));
        CPPUNIT_ASSERT(!peekRequest(nested, 5));
    }

    void testIntegers()
    {
        long long n = 0;
        CPPUNIT_ASSERT(JsonObjectScanner::integer("42", n) && n == 42);
        CPPUNIT_ASSERT(JsonObjectScanner::integer("-7", n) && n == -7);
        CPPUNIT_ASSERT(!JsonObjectScanner::integer("1.0", n));
        CPPUNIT_ASSERT(!JsonObjectScanner::integer("1e3", n));
        CPPUNIT_ASSERT(!JsonObjectScanner::integer("\"3\"", n));
        CPPUNIT_ASSERT(!JsonObjectScanner::integer("1234567890123456", n));
        std::string_view text;
        CPPUNIT_ASSERT(JsonObjectScanner::plainString("\"abc\"", text) && text == "abc");
        CPPUNIT_ASSERT(!JsonObjectScanner::plainString("\"a\\nb\"", text));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RequestPeekTest);
