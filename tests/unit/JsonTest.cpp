// Json helpers: string escaping (always valid JSON, invalid UTF-8 becomes U+FFFD) and the
// OpenAI error body.

#include "portico/Json.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include <cppunit/extensions/HelperMacros.h>

using portico::jsonString;

namespace {

const std::string replacement = "\xEF\xBF\xBD";

/// Parses `literal` (a JSON string literal) back with Poco's parser.
std::string parseBack(const std::string& literal)
{
    Poco::JSON::Parser parser;
    return parser.parse("[" + literal + "]").extract<Poco::JSON::Array::Ptr>()->getElement<std::string>(0);
}

} // namespace

class JsonTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(JsonTest);
    CPPUNIT_TEST(testPlainText);
    CPPUNIT_TEST(testEscapes);
    CPPUNIT_TEST(testControlCharacters);
    CPPUNIT_TEST(testValidUtf8IsKept);
    CPPUNIT_TEST(testInvalidUtf8BecomesReplacementCharacter);
    CPPUNIT_TEST(testEveryByteGivesValidJson);
    CPPUNIT_TEST(testOpenAiErrorBody);
    CPPUNIT_TEST(testErrorTypes);
    CPPUNIT_TEST(testAnthropicErrors);
    CPPUNIT_TEST_SUITE_END();

public:
    void testPlainText()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("\"\""), jsonString(""));
        CPPUNIT_ASSERT_EQUAL(std::string("\"hello / world\""), jsonString("hello / world"));
    }

    void testEscapes()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("\"a\\\"b\\\\c\\nd\\re\\tf\""), jsonString("a\"b\\c\nd\re\tf"));
        CPPUNIT_ASSERT_EQUAL(std::string("a\"b\\c\nd\re\tf"), parseBack(jsonString("a\"b\\c\nd\re\tf")));
    }

    void testControlCharacters()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("\"\\u0000\\u0001\\u001f\x7f\""), jsonString(std::string("\0\x01\x1f\x7f", 4)));
        CPPUNIT_ASSERT_EQUAL(std::string("\"\\u0008\\u000c\""), jsonString("\b\f"));
    }

    void testValidUtf8IsKept()
    {
        const std::string text = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"; // café € 😀
        CPPUNIT_ASSERT_EQUAL("\"" + text + "\"", jsonString(text));
        CPPUNIT_ASSERT_EQUAL(text, parseBack(jsonString(text)));
    }

    void testInvalidUtf8BecomesReplacementCharacter()
    {
        CPPUNIT_ASSERT_EQUAL("\"a" + replacement + "b\"", jsonString("a\xFF" "b"));
        // A lone continuation byte, a truncated sequence at the end, an overlong encoding of '/',
        // a UTF-16 surrogate: each invalid byte becomes one U+FFFD, valid text around is kept.
        CPPUNIT_ASSERT_EQUAL("\"" + replacement + "x\"", jsonString("\x80x"));
        CPPUNIT_ASSERT_EQUAL("\"x" + replacement + replacement + "\"", jsonString("x\xE2\x82"));
        CPPUNIT_ASSERT_EQUAL("\"" + replacement + replacement + "\"", jsonString("\xC0\xAF"));
        const std::string surrogate = jsonString("\xED\xA0\x80");
        CPPUNIT_ASSERT(surrogate.find(replacement) != std::string::npos);
        CPPUNIT_ASSERT(surrogate.find("\xED\xA0\x80") == std::string::npos);
    }

    void testEveryByteGivesValidJson()
    {
        std::string all;
        for (int c = 0; c < 256; ++c)
            all += static_cast<char>(c);
        const std::string parsed = parseBack(jsonString(all));
        // The ASCII half comes back unchanged.
        CPPUNIT_ASSERT_EQUAL(all.substr(0, 128), parsed.substr(0, 128));
        CPPUNIT_ASSERT(parsed.find(replacement) != std::string::npos);
    }

    void testOpenAiErrorBody()
    {
        CPPUNIT_ASSERT_EQUAL(
            std::string("{\"error\":{\"message\":\"Bad \\\"thing\\\"\",\"type\":\"invalid_request_error\","
                        "\"param\":null,\"code\":null}}"),
            portico::openAiErrorBody("Bad \"thing\"", "invalid_request_error", ""));
        const std::string body = portico::openAiErrorBody("m", "t", "c", "model");
        Poco::JSON::Parser parser;
        auto error = parser.parse(body).extract<Poco::JSON::Object::Ptr>()->getObject("error");
        CPPUNIT_ASSERT_EQUAL(std::string("m"), error->getValue<std::string>("message"));
        CPPUNIT_ASSERT_EQUAL(std::string("t"), error->getValue<std::string>("type"));
        CPPUNIT_ASSERT_EQUAL(std::string("c"), error->getValue<std::string>("code"));
        CPPUNIT_ASSERT_EQUAL(std::string("model"), error->getValue<std::string>("param"));
    }

    void testErrorTypes()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("invalid_request_error"), std::string(portico::errorTypeForStatus(400)));
        CPPUNIT_ASSERT_EQUAL(std::string("invalid_request_error"), std::string(portico::errorTypeForStatus(401)));
        CPPUNIT_ASSERT_EQUAL(std::string("invalid_request_error"), std::string(portico::errorTypeForStatus(404)));
        CPPUNIT_ASSERT_EQUAL(std::string("requests"), std::string(portico::errorTypeForStatus(429)));
        CPPUNIT_ASSERT_EQUAL(std::string("server_error"), std::string(portico::errorTypeForStatus(500)));
        CPPUNIT_ASSERT_EQUAL(std::string("server_error"), std::string(portico::errorTypeForStatus(503)));
    }

    void testAnthropicErrors()
    {
        CPPUNIT_ASSERT(portico::isAnthropicApiPath("/v1/messages"));
        CPPUNIT_ASSERT(portico::isAnthropicApiPath("/v1/messages/count_tokens"));
        CPPUNIT_ASSERT(!portico::isAnthropicApiPath("/v1/messagesx"));
        CPPUNIT_ASSERT(!portico::isAnthropicApiPath("/v1/chat/completions"));
        CPPUNIT_ASSERT(!portico::isAnthropicApiPath("/v2/messages"));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"type":"error","error":{"type":"rate_limit_error","message":"Slow \"down\""}})"),
                             portico::anthropicErrorBody(portico::anthropicErrorType(429), "Slow \"down\""));
        const std::pair<int, const char*> types[] = {
            {400, "invalid_request_error"}, {401, "authentication_error"}, {403, "permission_error"},
            {404, "not_found_error"}, {405, "invalid_request_error"}, {409, "invalid_request_error"},
            {413, "request_too_large"}, {429, "rate_limit_error"}, {500, "api_error"}, {502, "api_error"},
            {503, "overloaded_error"}, {529, "overloaded_error"}};
        for (const auto& [status, type] : types)
            CPPUNIT_ASSERT_EQUAL(std::string(type), std::string(portico::anthropicErrorType(status)));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(JsonTest);
