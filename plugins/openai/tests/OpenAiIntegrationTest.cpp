// The openai plugin in the installed porticod over real sockets: every endpoint, streams that
// arrive event by event at the configured per-token delay, the error answers (400, 404, 405,
// 413), a client that leaves mid-stream, and config errors that name the key.

#include "HttpClient.h"
#include "PorticodProcess.h"
#include "TestAsserts.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include "Poco/Net/SocketAddress.h"
#include "Poco/Net/StreamSocket.h"
#include <cppunit/extensions/HelperMacros.h>
#include <memory>

using portico::test::HttpResult;
using portico::test::httpRequest;
using portico::test::PorticodProcess;

namespace {

const char* config = R"([server]
listen = 127.0.0.1:{port}
max_body_bytes = 65536
[plugins]
order = tracing, openai
[openai]
local.token_delay_ms = 50
)";

Poco::JSON::Object::Ptr json(const std::string& text)
{
    return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

std::string streamingRequest(const std::string& path, const std::string& body)
{
    return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

/// Milliseconds at which each chunk holding `marker` arrived.
std::vector<double> arrivalsOf(const portico::test::RawResult& raw, const std::string& marker)
{
    std::vector<double> times;
    for (const auto& arrival : raw.arrivals)
        for (auto at = arrival.bytes.find(marker); at != std::string::npos; at = arrival.bytes.find(marker, at + 1))
            times.push_back(arrival.ms);
    return times;
}

} // namespace

class OpenAiIntegrationTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(OpenAiIntegrationTest);
    CPPUNIT_TEST(testModels);
    CPPUNIT_TEST(testEmbeddings);
    CPPUNIT_TEST(testResponsesAndChat);
    CPPUNIT_TEST(testResponsesStreamArrivesEventByEvent);
    CPPUNIT_TEST(testChatStreamArrivesChunkByChunk);
    CPPUNIT_TEST(testErrorAnswers);
    CPPUNIT_TEST(testClientLeavingMidStream);
    CPPUNIT_TEST(testConfigErrorsNameTheKey);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override
    {
        if (!server_)
            server_ = std::make_unique<PorticodProcess>(config);
    }

    void testModels()
    {
        auto result = httpRequest(port(), "GET", "/v1/models");
        CPPUNIT_ASSERT_EQUAL(200, result.status);
        CPPUNIT_ASSERT_EQUAL(std::string("application/json"), result.header("Content-Type"));
        CPPUNIT_ASSERT(!result.header("X-Trace-Id").empty());
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), json(result.body)->getArray("data")->size());
        result = httpRequest(port(), "GET", "/v1/models/portico-echo");
        CPPUNIT_ASSERT_EQUAL(std::string("portico-echo"), json(result.body)->getValue<std::string>("id"));
        result = httpRequest(port(), "GET", "/v1/models/gpt-4o");
        CPPUNIT_ASSERT_EQUAL(404, result.status);
        PORTICO_ASSERT_CONTAINS(result.body, "\"code\":\"model_not_found\"");
        result = httpRequest(port(), "HEAD", "/v1/models");
        CPPUNIT_ASSERT_EQUAL(200, result.status);
        CPPUNIT_ASSERT(result.body.empty());
    }

    void testEmbeddings()
    {
        const auto result = httpRequest(port(), "POST", "/v1/embeddings",
                                        R"({"model":"portico-embed","input":["a","b"],"encoding_format":"base64","dimensions":8})");
        CPPUNIT_ASSERT_EQUAL(200, result.status);
        const auto body = json(result.body);
        // 8 float32 = 32 bytes = 44 base64 characters.
        CPPUNIT_ASSERT_EQUAL(std::size_t(44), body->getArray("data")->getObject(1)->getValue<std::string>("embedding").size());
    }

    void testResponsesAndChat()
    {
        auto result = httpRequest(port(), "POST", "/v1/responses", R"({"model":"portico-echo","input":"over the wire"})");
        CPPUNIT_ASSERT_EQUAL(200, result.status);
        PORTICO_ASSERT_CONTAINS(result.body, "\"text\":\"over the wire\"");
        result = httpRequest(port(), "POST", "/v1/chat/completions",
                             R"({"model":"portico-echo","messages":[{"role":"user","content":"chat wire"}]})");
        CPPUNIT_ASSERT_EQUAL(200, result.status);
        PORTICO_ASSERT_CONTAINS(result.body, "\"content\":\"chat wire\"");
    }

    void testResponsesStreamArrivesEventByEvent()
    {
        const auto raw = portico::test::rawRequest(
            port(), streamingRequest("/v1/responses", R"({"model":"portico-echo","input":"one two three four five six","stream":true})"));
        CPPUNIT_ASSERT_EQUAL(200, raw.status);
        const std::string head = raw.raw.substr(0, raw.raw.find("\r\n\r\n"));
        PORTICO_ASSERT_CONTAINS(head, "Content-Type: text/event-stream");
        PORTICO_ASSERT_CONTAINS(head, "Transfer-Encoding: chunked");
        PORTICO_ASSERT_CONTAINS(head, "X-Trace-Id: ");
        const auto deltas = arrivalsOf(raw, "event: response.output_text.delta");
        CPPUNIT_ASSERT_EQUAL(std::size_t(6), deltas.size());
        // Each delta arrives on its own, about one delay (50 ms) after the previous one.
        for (std::size_t i = 1; i < deltas.size(); ++i)
            CPPUNIT_ASSERT_MESSAGE("gap " + std::to_string(deltas[i] - deltas[i - 1]), deltas[i] - deltas[i - 1] >= 25);
        CPPUNIT_ASSERT(deltas.back() - deltas.front() >= 200);
        const auto created = arrivalsOf(raw, "event: response.created");
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), created.size());
        CPPUNIT_ASSERT(created.front() < deltas.front());
        const std::string body = portico::test::dechunk(raw.raw.substr(raw.raw.find("\r\n\r\n") + 4));
        PORTICO_ASSERT_CONTAINS(body, "event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":13,");
        PORTICO_ASSERT_NOT_CONTAINS(body, "[DONE]");
        PORTICO_ASSERT_NOT_CONTAINS(body, "\nid:");
    }

    void testChatStreamArrivesChunkByChunk()
    {
        const auto raw = portico::test::rawRequest(
            port(), streamingRequest("/v1/chat/completions",
                                     R"({"model":"portico-echo","messages":[{"role":"user","content":"w1 w2 w3 w4"}],"stream":true,"stream_options":{"include_usage":true}})"));
        CPPUNIT_ASSERT_EQUAL(200, raw.status);
        const auto content = arrivalsOf(raw, "\"delta\":{\"content\":");
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), content.size());
        CPPUNIT_ASSERT(content.back() - content.front() >= 120);
        const std::string body = portico::test::dechunk(raw.raw.substr(raw.raw.find("\r\n\r\n") + 4));
        PORTICO_ASSERT_CONTAINS(body, "\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":4");
        CPPUNIT_ASSERT(body.size() > 14 && body.compare(body.size() - 14, 14, "data: [DONE]\n\n") == 0);
    }

    void testErrorAnswers()
    {
        auto result = httpRequest(port(), "POST", "/v1/responses", "{\"model\":");
        CPPUNIT_ASSERT_EQUAL(400, result.status);
        PORTICO_ASSERT_CONTAINS(result.body, "\"code\":\"invalid_json\"");
        result = httpRequest(port(), "POST", "/v1/chat/completions", R"({"model":"portico-echo","messages":[],"stream":true})");
        CPPUNIT_ASSERT_EQUAL(400, result.status); // before the first event: a plain JSON error
        CPPUNIT_ASSERT_EQUAL(std::string("application/json"), result.header("Content-Type"));
        PORTICO_ASSERT_CONTAINS(result.body, "\"param\":\"messages\"");
        result = httpRequest(port(), "POST", "/v1/responses", R"({"model":"nope","input":"x","stream":true})");
        CPPUNIT_ASSERT_EQUAL(404, result.status);
        result = httpRequest(port(), "GET", "/v1/embeddings");
        CPPUNIT_ASSERT_EQUAL(405, result.status);
        // Over server.max_body_bytes: the declared length alone gets the 413 (the body is never
        // read, so none is sent here: a client still writing it would meet a closed socket).
        const auto tooLarge = portico::test::rawRequest(
            port(), "POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    "Content-Length: 70000\r\n\r\n");
        CPPUNIT_ASSERT_EQUAL(413, tooLarge.status);
        PORTICO_ASSERT_CONTAINS(tooLarge.raw, "\"code\":\"request_too_large\"");
    }

    void testClientLeavingMidStream()
    {
        {
            Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port()));
            std::string words;
            for (int i = 0; i < 100; ++i)
                words += " word";
            const std::string request = streamingRequest(
                "/v1/responses", R"({"model":"portico-echo","input":")" + words + R"(","stream":true})");
            socket.sendBytes(request.data(), static_cast<int>(request.size()));
            char buffer[4096];
            socket.setReceiveTimeout(Poco::Timespan(5, 0));
            std::string got;
            while (got.find("response.output_text.delta") == std::string::npos)
            {
                const int n = socket.receiveBytes(buffer, sizeof buffer);
                CPPUNIT_ASSERT(n > 0);
                got.append(buffer, static_cast<std::size_t>(n));
            }
            socket.close();
        }
        // The server stops generating for the closed connection and keeps serving.
        const auto result = httpRequest(port(), "GET", "/healthz");
        CPPUNIT_ASSERT_EQUAL(200, result.status);
        CPPUNIT_ASSERT(server_->running());
    }

    void testConfigErrorsNameTheKey()
    {
        portico::test::TempDir dir;
        auto path = dir.write("bad.ini", "[plugins]\norder = openai\n[openai]\nlocal.token_delay = 5\n");
        auto result = portico::test::runPorticod({"--config=" + path, "--check-config"});
        CPPUNIT_ASSERT(result.exitCode != 0);
        PORTICO_ASSERT_CONTAINS(result.output, "local.token_delay");
        path = dir.write("bad2.ini", "[plugins]\norder = openai\n[openai]\nlocal.embed.max_dimensions = 0\n");
        result = portico::test::runPorticod({"--config=" + path, "--check-config"});
        CPPUNIT_ASSERT(result.exitCode != 0);
        PORTICO_ASSERT_CONTAINS(result.output, "[openai] local.embed.max_dimensions");
    }

private:
    static unsigned short port() { return server_->port(); }
    static std::unique_ptr<PorticodProcess> server_;
};

std::unique_ptr<PorticodProcess> OpenAiIntegrationTest::server_;

CPPUNIT_TEST_SUITE_REGISTRATION(OpenAiIntegrationTest);
