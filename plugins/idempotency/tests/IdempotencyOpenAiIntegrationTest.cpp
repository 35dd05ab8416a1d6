// The seed's check, with the real openai plugin behind idempotency in the installed porticod:
// two identical POST /v1/embeddings with one Idempotency-Key return the same bytes, and the
// second is a replay. Also a streamed chat completion replays event for event.

#include "HttpClient.h"
#include "IntegrationSupport.h"
#include "PorticodProcess.h"
#include "Poco/File.h"
#include <cppunit/extensions/HelperMacros.h>

namespace portico::idempotency::test {

using portico::test::HttpResult;
using portico::test::PorticodProcess;

class IdempotencyOpenAiIntegrationTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(IdempotencyOpenAiIntegrationTest);
    CPPUNIT_TEST(testTwoIdenticalEmbeddingsWithOneKeyReturnTheSameBytes);
    CPPUNIT_TEST(testStreamedChatCompletionIsReplayedIdentically);
    CPPUNIT_TEST_SUITE_END();

public:
    static std::string config()
    {
        CPPUNIT_ASSERT_MESSAGE("openai.so is not staged", Poco::File(portico::test::stagePluginDir() + "/openai.so").exists());
        return "[server]\nlisten = 127.0.0.1:{port}\n[plugins]\norder = tracing, idempotency, openai\n";
    }

    void testTwoIdenticalEmbeddingsWithOneKeyReturnTheSameBytes()
    {
        PorticodProcess porticod(config());
        const std::string key = freshKey("seed");
        const std::string body = "{\"model\":\"portico-embed\",\"input\":\"the seed's check\"}";
        const HttpResult first = postWithKey(porticod.port(), "/v1/embeddings", body, key);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(first.body, 200, first.status);
        CPPUNIT_ASSERT(first.body.find("\"embedding\"") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(key, first.header("Idempotency-Key"));
        const HttpResult second = postWithKey(porticod.port(), "/v1/embeddings", body, key);
        CPPUNIT_ASSERT_EQUAL(200, second.status);
        CPPUNIT_ASSERT_EQUAL(first.body, second.body);
        CPPUNIT_ASSERT_EQUAL(std::string("true"), second.header("Idempotent-Replayed"));
    }

    void testStreamedChatCompletionIsReplayedIdentically()
    {
        PorticodProcess porticod(config());
        const std::string key = freshKey("chat");
        const std::string body = "{\"model\":\"portico-echo\",\"stream\":true,"
                                 "\"messages\":[{\"role\":\"user\",\"content\":\"say it twice\"}]}";
        const HttpResult first = postWithKey(porticod.port(), "/v1/chat/completions", body, key);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(first.body, 200, first.status);
        CPPUNIT_ASSERT(first.body.find("data: [DONE]") != std::string::npos);
        const HttpResult second = postWithKey(porticod.port(), "/v1/chat/completions", body, key);
        CPPUNIT_ASSERT_EQUAL(first.body, second.body);
        CPPUNIT_ASSERT_EQUAL(std::string("true"), second.header("Idempotent-Replayed"));
        CPPUNIT_ASSERT(second.header("Content-Type").find("text/event-stream") == 0);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(IdempotencyOpenAiIntegrationTest);

} // namespace portico::idempotency::test
