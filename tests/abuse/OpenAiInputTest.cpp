// Hostile JSON bodies on the openai endpoints: invalid UTF-8 (in values and in keys, truncated,
// overlong, surrogates) and nesting far deeper than any real request. Each must be a 400 in
// OpenAI's shape, never a 200 that passes the bytes on, a 500, or a crashed worker.
// Needs plugins/openai.so in the stage; without it the suite says so and checks nothing.

#include "PorticodProcess.h"
#include "HttpClient.h"
#include "TestAsserts.h"
#include "Poco/File.h"
#include <cppunit/extensions/HelperMacros.h>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

using namespace portico::test;

namespace {

const std::string openAiIni = R"([server]
listen = 127.0.0.1:{port}
max_body_bytes = 4194304
[plugins]
path = {plugins}
order = tracing, security, openai
)";

struct Endpoint
{
    const char* path;
    const char* model;
    /// The body with `TEXT` standing for a string value the request must carry.
    const char* shape;
};

const Endpoint endpoints[] = {
    {"/v1/chat/completions", "portico-echo", R"({"model":"portico-echo","messages":[{"role":"user","content":"TEXT"}]})"},
    {"/v1/responses", "portico-echo", R"({"model":"portico-echo","input":"TEXT"})"},
    {"/v1/embeddings", "portico-embed", R"({"model":"portico-embed","input":"TEXT"})"},
};

std::string withText(const Endpoint& endpoint, const std::string& text)
{
    std::string body = endpoint.shape;
    return body.replace(body.find("TEXT"), 4, text);
}

/// Byte sequences that are not UTF-8, each inside otherwise plain text.
const std::vector<std::pair<std::string, std::string>> invalidUtf8 = {
    {"a lone continuation byte", "abc\x80xyz"},
    {"0xff", "abc\xff xyz"},
    {"a truncated sequence at the end", "abc\xe2\x82"},
    {"a truncated sequence mid-text", "abc\xe2\x82 xyz"},
    {"an overlong '/'", "abc\xc0\xaf xyz"},
    {"an overlong NUL", "abc\xe0\x80\x80 xyz"},
    {"a UTF-16 surrogate", "abc\xed\xa0\x80 xyz"},
    {"a code point above U+10FFFF", "abc\xf4\x90\x80\x80 xyz"},
    {"Latin-1 text", "caf\xe9"},
};

bool haveOpenAiPlugin()
{
    if (Poco::File(stagePluginDir() + "/openai.so").exists())
        return true;
    std::cerr << "\n  SKIPPED: " << stagePluginDir() << "/openai.so is not staged; nothing checked\n";
    return false;
}

void assertBadRequest(const HttpResult& result, const std::string& what)
{
    CPPUNIT_ASSERT_EQUAL_MESSAGE(what + ": " + result.body, 400, result.status);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(what, std::string("application/json"), result.header("Content-Type"));
    PORTICO_ASSERT_CONTAINS(result.body, "{\"error\":{\"message\":");
    PORTICO_ASSERT_CONTAINS(result.body, "\"type\":\"invalid_request_error\"");
}

} // namespace

class OpenAiInputTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(OpenAiInputTest);
    CPPUNIT_TEST(testValidTextIsAccepted);
    CPPUNIT_TEST(testInvalidUtf8InAValueIs400);
    CPPUNIT_TEST(testInvalidUtf8InAKeyIs400);
    CPPUNIT_TEST(testDeeplyNestedArraysAre400);
    CPPUNIT_TEST(testDeeplyNestedObjectsAre400);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override
    {
        if (haveOpenAiPlugin())
            porticod_ = std::make_unique<PorticodProcess>(openAiIni);
    }
    void tearDown() override
    {
        if (porticod_)
            CPPUNIT_ASSERT_MESSAGE("porticod died:\n" + porticod_->output(), porticod_->running());
        porticod_.reset();
    }

    /// The baseline: the same bodies with clean (non-ASCII) UTF-8 are answered 200.
    void testValidTextIsAccepted()
    {
        if (!porticod_)
            return;
        for (const auto& endpoint : endpoints)
        {
            const HttpResult result = post(endpoint.path, withText(endpoint, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(std::string(endpoint.path) + ": " + result.body, 200, result.status);
        }
    }

    void testInvalidUtf8InAValueIs400()
    {
        if (!porticod_)
            return;
        for (const auto& endpoint : endpoints)
            for (const auto& [name, text] : invalidUtf8)
                assertBadRequest(post(endpoint.path, withText(endpoint, text)), std::string(endpoint.path) + ", " + name);
    }

    void testInvalidUtf8InAKeyIs400()
    {
        if (!porticod_)
            return;
        for (const auto& endpoint : endpoints)
        {
            std::string body = withText(endpoint, "hello");
            body.insert(1, "\"met\xff\xfe\":1,");
            assertBadRequest(post(endpoint.path, body), std::string(endpoint.path) + ", a key with 0xff 0xfe");
        }
    }

    void testDeeplyNestedArraysAre400()
    {
        if (!porticod_)
            return;
        // 100,000 levels: far past max_json_depth (64), and deep enough to overflow a worker's
        // stack if the parser recursed without a bound.
        const std::size_t depth = 100000;
        for (const auto& endpoint : endpoints)
        {
            std::string body = withText(endpoint, "x");
            const std::string nested = std::string(depth, '[') + std::string(depth, ']');
            body.insert(body.size() - 1, ",\"metadata\":" + nested);
            assertBadRequest(post(endpoint.path, body), std::string(endpoint.path) + ", nested arrays");
        }
    }

    void testDeeplyNestedObjectsAre400()
    {
        if (!porticod_)
            return;
        const std::size_t depth = 100000;
        for (const auto& endpoint : endpoints)
        {
            std::string nested;
            nested.reserve(depth * 7);
            for (std::size_t i = 0; i < depth; ++i)
                nested += "{\"a\":";
            nested += "1" + std::string(depth, '}');
            std::string body = withText(endpoint, "x");
            body.insert(body.size() - 1, ",\"metadata\":" + nested);
            assertBadRequest(post(endpoint.path, body), std::string(endpoint.path) + ", nested objects");
        }
    }

private:
    HttpResult post(const std::string& path, const std::string& body)
    {
        return httpRequest(porticod_->port(), "POST", path, body, {{"Content-Type", "application/json"}}, 20);
    }

    std::unique_ptr<PorticodProcess> porticod_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(OpenAiInputTest);
