// Request body parsing (malformed, not an object, too deep) and typed field access with
// OpenAI's messages and params; the plugin's config keys and their errors.

#include "JsonBody.h"
#include "OpenAiConfig.h"
#include "TestAsserts.h"
#include "TestPluginContext.h"
#include <cppunit/extensions/HelperMacros.h>

using portico::openai::FieldReader;
using portico::openai::OpenAiConfig;
using portico::openai::parseJsonObject;
using portico::openai::RequestError;
using portico::test::messageOf;
using portico::test::TestPluginContext;

namespace {

RequestError errorOf(const std::function<void()>& action)
{
    try
    {
        action();
    }
    catch (const RequestError& e)
    {
        return e;
    }
    CPPUNIT_FAIL("expected a RequestError");
    return RequestError(0, "", "", "");
}

OpenAiConfig configFrom(const std::string& lines)
{
    TestPluginContext context("[openai]\n" + lines, "openai");
    return OpenAiConfig::from(context.config());
}

} // namespace

class JsonBodyConfigTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(JsonBodyConfigTest);
    CPPUNIT_TEST(testMalformedJson);
    CPPUNIT_TEST(testBodyMustBeAnObject);
    CPPUNIT_TEST(testDepthIsBounded);
    CPPUNIT_TEST(testMissingAndWrongTypes);
    CPPUNIT_TEST(testIntegerBounds);
    CPPUNIT_TEST(testNullIsAbsent);
    CPPUNIT_TEST(testUnknownParameter);
    CPPUNIT_TEST(testConfigDefaults);
    CPPUNIT_TEST(testConfigValues);
    CPPUNIT_TEST(testConfigErrorsNameTheKey);
    CPPUNIT_TEST_SUITE_END();

public:
    void testMalformedJson()
    {
        for (const char* body : {"{", "{\"a\":1} trailing", "{\"a\":nul}", "", "  ", "{'a':1}"})
        {
            const auto e = errorOf([&] { parseJsonObject(body, 64); });
            CPPUNIT_ASSERT_EQUAL(400, e.status());
            CPPUNIT_ASSERT_EQUAL(std::string("invalid_json"), e.code());
        }
    }

    void testBodyMustBeAnObject()
    {
        const auto e = errorOf([] { parseJsonObject("[1,2]", 64); });
        PORTICO_ASSERT_CONTAINS(e.what(), "must be a JSON object, but it is an array");
    }

    void testDepthIsBounded()
    {
        const std::string deep = "{\"a\":" + std::string(100, '[') + std::string(100, ']') + "}";
        const auto e = errorOf([&] { parseJsonObject(deep, 64); });
        PORTICO_ASSERT_CONTAINS(e.what(), "nested deeper than 64 levels");
        // A hundred thousand brackets are refused without a deep recursion.
        const std::string hostile(100000, '[');
        CPPUNIT_ASSERT_EQUAL(400, errorOf([&] { parseJsonObject(hostile, 64); }).status());
        CPPUNIT_ASSERT(!parseJsonObject("{\"a\":[[[1]]]}", 64).isNull());
    }

    void testMissingAndWrongTypes()
    {
        const auto body = parseJsonObject(R"({"s":1,"n":"x","b":"true","a":{},"o":[]})", 64);
        const FieldReader fields(*body);
        auto e = errorOf([&] { fields.requiredString("model"); });
        CPPUNIT_ASSERT_EQUAL(std::string("model"), e.param());
        CPPUNIT_ASSERT_EQUAL(std::string("missing_required_parameter"), e.code());
        e = errorOf([&] { fields.string("s"); });
        CPPUNIT_ASSERT_EQUAL(std::string("Invalid type for 's': expected a string, but got an integer instead."),
                             std::string(e.what()));
        CPPUNIT_ASSERT_EQUAL(std::string("invalid_type"), e.code());
        CPPUNIT_ASSERT_EQUAL(std::string("n"), errorOf([&] { fields.number("n", 0, 1); }).param());
        CPPUNIT_ASSERT_EQUAL(std::string("b"), errorOf([&] { fields.boolean("b"); }).param());
        CPPUNIT_ASSERT_EQUAL(std::string("a"), errorOf([&] { fields.array("a"); }).param());
        CPPUNIT_ASSERT_EQUAL(std::string("o"), errorOf([&] { fields.object("o"); }).param());
        const FieldReader nested(*body, "messages[2]");
        CPPUNIT_ASSERT_EQUAL(std::string("messages[2].s"), errorOf([&] { nested.string("s"); }).param());
    }

    void testIntegerBounds()
    {
        const auto body = parseJsonObject(R"({"zero":0,"big":99999999999,"huge":18446744073709551615,"half":2.5,"whole":3.0})", 64);
        const FieldReader fields(*body);
        auto e = errorOf([&] { fields.integer("zero", 1, 10); });
        CPPUNIT_ASSERT_EQUAL(std::string("integer_below_min_value"), e.code());
        PORTICO_ASSERT_CONTAINS(e.what(), "Expected a value >= 1, but got 0 instead.");
        CPPUNIT_ASSERT_EQUAL(std::string("integer_above_max_value"), errorOf([&] { fields.integer("big", 1, 10); }).code());
        CPPUNIT_ASSERT_EQUAL(std::string("integer_above_max_value"), errorOf([&] { fields.integer("huge", 1, 10); }).code());
        CPPUNIT_ASSERT_EQUAL(std::string("invalid_type"), errorOf([&] { fields.integer("half", 1, 10); }).code());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), *fields.integer("whole", 1, 10));
    }

    void testNullIsAbsent()
    {
        const auto body = parseJsonObject(R"({"x":null})", 64);
        CPPUNIT_ASSERT(!FieldReader(*body).integer("x", 0, 1));
        CPPUNIT_ASSERT(!FieldReader(*body).present("x"));
    }

    void testUnknownParameter()
    {
        const auto body = parseJsonObject(R"({"model":"m","tempreature":1})", 64);
        const auto e = errorOf([&] { FieldReader(*body).rejectUnknown({"model", "temperature"}); });
        CPPUNIT_ASSERT_EQUAL(std::string("tempreature"), e.param());
        CPPUNIT_ASSERT_EQUAL(std::string("Unknown parameter: 'tempreature'."), std::string(e.what()));
    }

    void testConfigDefaults()
    {
        const auto config = configFrom("");
        CPPUNIT_ASSERT(config.local.enabled);
        CPPUNIT_ASSERT_EQUAL(0, config.local.tokenDelayMs);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(32768), config.local.maxOutputTokens);
        CPPUNIT_ASSERT_EQUAL(256, config.local.embedDefaultDimensions);
        CPPUNIT_ASSERT_EQUAL(3072, config.local.embedMaxDimensions);
        CPPUNIT_ASSERT_EQUAL(2048, config.local.embedMaxInputs);
        CPPUNIT_ASSERT_EQUAL(8192, config.local.embedMaxInputTokens);
        CPPUNIT_ASSERT_EQUAL(64, config.maxJsonDepth);
    }

    void testConfigValues()
    {
        const auto config = configFrom("local.enabled = false\nlocal.token_delay_ms = 30\n"
                                       "local.max_output_tokens = 100\nlocal.embed.default_dimensions = 64\n"
                                       "local.embed.max_dimensions = 128\nlocal.embed.max_inputs = 10\n"
                                       "local.embed.max_input_tokens = 50\nmax_json_depth = 16\n");
        CPPUNIT_ASSERT(!config.local.enabled);
        CPPUNIT_ASSERT_EQUAL(30, config.local.tokenDelayMs);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(100), config.local.maxOutputTokens);
        CPPUNIT_ASSERT_EQUAL(64, config.local.embedDefaultDimensions);
        CPPUNIT_ASSERT_EQUAL(128, config.local.embedMaxDimensions);
        CPPUNIT_ASSERT_EQUAL(10, config.local.embedMaxInputs);
        CPPUNIT_ASSERT_EQUAL(50, config.local.embedMaxInputTokens);
        CPPUNIT_ASSERT_EQUAL(16, config.maxJsonDepth);
    }

    void testConfigErrorsNameTheKey()
    {
        auto message = messageOf([] { configFrom("local.token_delay_ms = -1\n"); });
        PORTICO_ASSERT_CONTAINS(message, "[openai] local.token_delay_ms");
        message = messageOf([] { configFrom("local.embed.default_dimensions = 512\nlocal.embed.max_dimensions = 256\n"); });
        PORTICO_ASSERT_CONTAINS(message, "local.embed.default_dimensions");
        PORTICO_ASSERT_CONTAINS(message, "must not exceed local.embed.max_dimensions (256)");
        message = messageOf([] { configFrom("local.enabled = maybe\n"); });
        PORTICO_ASSERT_CONTAINS(message, "local.enabled");
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(JsonBodyConfigTest);
