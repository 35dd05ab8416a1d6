// Pass-through routes over real sockets: the staged porticod (tracing, security, metrics, auth,
// ratelimit, openai, as shipped but for auth, which is on) in front of a second, real HTTP
// server (FakeUpstream: a Poco HTTPServer in this process) that exposes a JSON API of its own
// and an event stream that is no OpenAI stream. The answers reach the client byte for byte;
// auth and rate limits apply to the passed-through routes; the upstream gets its own key and
// never the client's; paths no prefix claims stay 404.

#include "FakeUpstream.h"
#include "HttpClient.h"
#include "PorticodProcess.h"
#include "TempDir.h"
#include "Poco/Net/HTTPServerResponse.h"
#include "Poco/SHA2Engine.h"
#include <cppunit/extensions/HelperMacros.h>
#include <chrono>
#include <random>
#include <thread>

using namespace portico::test;
using portico::openai::test::FakeUpstream;
using portico::openai::test::SeenRequest;

namespace {

const std::string ClientKey = "sk-portico-PassThroughClient0123456789abcdefghij";
const std::string UpstreamKey = "sk-upstream-PassThroughService0123456789";

std::string keyLine(const std::string& principal, const std::string& key)
{
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
    engine.update(key);
    return principal + " sha256:" + Poco::DigestEngine::digestToHex(engine.digest());
}

/// A JSON document with spacing, escapes and non-ASCII text that a re-serialiser would change.
const std::string DreamJson = "{ \"id\" : 42,\n  \"dream\": \"flying \\u00e9 over \xc3\xa9t\xc3\xa9\",\"tags\":[ \"a\" ,\"b\" ] }\n";

/// Events of the service's own kind (named events, a comment, ids), not OpenAI's chunks.
std::vector<std::string> dreamEvents()
{
    std::vector<std::string> events{": the service says hello\n\n"};
    for (int i = 0; i < 12; ++i)
        events.push_back("id: " + std::to_string(i) + "\nevent: dream\ndata: {\"frame\": " + std::to_string(i) +
                         ", \"text\": \"" + std::string(static_cast<std::size_t>(i) * 7, 'z') + "\"}\n\n");
    events.push_back("event: end\ndata: bye\n\n");
    return events;
}

/// 3 MiB of deterministic bytes, every value from 0 to 255 (no text assumptions in the relay).
std::string bigBody()
{
    std::string body(3 * 1024 * 1024, '\0');
    std::mt19937 random(20261206);
    for (auto& byte : body)
        byte = static_cast<char>(random() & 0xff);
    return body;
}

/// The second server: the service porticod stands in front of.
void serve(FakeUpstream& self, const SeenRequest& request, Poco::Net::HTTPServerResponse& response)
{
    if (request.uri == "/v1/dreams/42?verbose=1&who=%C3%A9")
    {
        response.set("X-Dream", "lucid");
        response.add("Set-Cookie", "a=1");
        response.add("Set-Cookie", "b=2");
        response.set("X-Request-Id", "service-req-7");
        return FakeUpstream::sendJson(response, 200, DreamJson);
    }
    if (request.uri == "/v1/dreams/stream")
        return self.sendEvents(response, dreamEvents(), 20);
    if (request.uri == "/v1/dreams/big")
    {
        static const std::string body = bigBody();
        response.setChunkedTransferEncoding(true);
        response.setContentType("application/octet-stream");
        std::ostream& out = response.send();
        for (std::size_t at = 0; at < body.size() && out; at += 65536)
            out.write(body.data() + at, static_cast<std::streamsize>(std::min<std::size_t>(65536, body.size() - at)));
        return;
    }
    if (request.uri == "/v1/feedback")
    {
        response.setStatus(Poco::Net::HTTPResponse::HTTP_CREATED);
        response.setContentType("text/plain; charset=utf-8");
        response.setContentLength(static_cast<std::streamsize>(request.body.size() + 9));
        response.send() << "received:" << request.body;
        return;
    }
    if (request.uri == "/v1/dreams/slow")
    {
        // Long enough for the client to go away in the middle.
        std::vector<std::string> events;
        for (int i = 0; i < 200; ++i)
            events.push_back("data: tick " + std::to_string(i) + "\n\n");
        return self.sendEvents(response, events, 25);
    }
    FakeUpstream::sendJson(response, 404, "{\"detail\":\"no such dream\"}");
}

std::string gatewayConfig(const TempDir& dir, unsigned short servicePort, const std::string& ratelimit)
{
    return "[server]\nlisten = 127.0.0.1:{port}\n"
           "[plugins]\norder = tracing, security, metrics, auth, ratelimit, openai\n"
           "[auth]\nenabled = true\nkeys_file = " +
           dir.path() + "/keys\n" + "[ratelimit]\n" + ratelimit +
           "[openai]\n"
           "upstreams.svc.url = http://127.0.0.1:" +
           std::to_string(servicePort) +
           "/v1\n"
           "upstreams.svc.api_key_file = " +
           dir.path() +
           "/upstream.key\n"
           "upstreams.gone.url = http://127.0.0.1:" +
           std::to_string(freePort()) +
           "/v1\n"
           "passthrough.dreams.prefix = /v1/dreams\n"
           "passthrough.dreams.upstream = svc\n"
           "passthrough.feedback.prefix = /v1/feedback\n"
           "passthrough.feedback.upstream = svc\n"
           "passthrough.feedback.methods = POST\n"
           "passthrough.gone.prefix = /v1/gone\n"
           "passthrough.gone.upstream = gone\n";
}

std::map<std::string, std::string> withKey(std::map<std::string, std::string> headers = {})
{
    headers["Authorization"] = "Bearer " + ClientKey;
    return headers;
}

std::string rawGet(const std::string& path, const std::string& extra = "")
{
    return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + ClientKey + "\r\n" + extra +
           "Connection: close\r\n\r\n";
}

std::string bodyOf(const RawResult& result)
{
    const auto end = result.raw.find("\r\n\r\n");
    return end == std::string::npos ? std::string() : dechunk(result.raw.substr(end + 4));
}

} // namespace

class PassThroughIntegrationTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(PassThroughIntegrationTest);
    CPPUNIT_TEST(testJsonApiByteForByte);
    CPPUNIT_TEST(testPostBodyAndStatus);
    CPPUNIT_TEST(testEventStreamByteForByte);
    CPPUNIT_TEST(testLargeBinaryAnswer);
    CPPUNIT_TEST(testUpstreamErrorsPassedOn);
    CPPUNIT_TEST(testAuthApplies);
    CPPUNIT_TEST(testUnclaimedPathsStay404);
    CPPUNIT_TEST(testUnreachableUpstream);
    CPPUNIT_TEST(testClientGoneClosesTheUpstreamCall);
    CPPUNIT_TEST(testUpstreamNeverSeesTheClientsKey);
    CPPUNIT_TEST(testRateLimitsApply);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override
    {
        dir_ = std::make_unique<TempDir>();
        dir_->write("keys", keyLine("team-a", ClientKey) + "\n");
        dir_->write("upstream.key", "# the service's own key\n" + UpstreamKey + "\n");
        service_ = std::make_unique<FakeUpstream>(
            [this](const SeenRequest& request, Poco::Net::HTTPServerResponse& response) {
                serve(*service_, request, response);
            });
        // Shipped rate limits (20/s, burst 40): more than this suite sends to one route.
        gateway_ = std::make_unique<PorticodProcess>(
            gatewayConfig(*dir_, service_->port(), "enabled = true\n"));
    }

    void tearDown() override
    {
        checkNoClientKeyUpstream();
        gateway_.reset();
        service_.reset();
        dir_.reset();
    }

    void testJsonApiByteForByte()
    {
        const HttpResult result = httpRequest(gateway_->port(), "GET", "/v1/dreams/42?verbose=1&who=%C3%A9", "",
                                              withKey({{"X-Client-Note", "hi"}}));
        CPPUNIT_ASSERT_EQUAL(200, result.status);
        CPPUNIT_ASSERT_EQUAL(DreamJson, result.body);
        CPPUNIT_ASSERT_EQUAL(std::to_string(DreamJson.size()), result.header("Content-Length"));
        CPPUNIT_ASSERT_EQUAL(std::string("application/json"), result.header("Content-Type"));
        CPPUNIT_ASSERT_EQUAL(std::string("lucid"), result.header("X-Dream"));
        // The gateway's own headers are there too (tracing, security, rate limits).
        CPPUNIT_ASSERT(!result.header("X-Trace-Id").empty());
        CPPUNIT_ASSERT(!result.header("X-Request-Id").empty());
        CPPUNIT_ASSERT(result.header("X-Request-Id") != "service-req-7");
        CPPUNIT_ASSERT_EQUAL(std::string("service-req-7"), result.header("X-Upstream-Request-Id"));
        CPPUNIT_ASSERT(!result.header("x-ratelimit-limit-requests").empty());
        CPPUNIT_ASSERT(!result.header("X-Content-Type-Options").empty());

        const auto seen = service_->requests();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), seen.size());
        CPPUNIT_ASSERT_EQUAL(std::string("GET"), seen[0].method);
        CPPUNIT_ASSERT_EQUAL(std::string("hi"), seen[0].headers.get("X-Client-Note", ""));
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"), seen[0].headers.get("X-Forwarded-For", ""));
        CPPUNIT_ASSERT_EQUAL(std::string("identity"), seen[0].headers.get("Accept-Encoding", ""));
        // The gateway's trace continues upstream.
        const std::string traceparent = seen[0].headers.get("traceparent", "");
        CPPUNIT_ASSERT(traceparent.find(result.header("X-Trace-Id")) != std::string::npos);
    }

    void testPostBodyAndStatus()
    {
        const std::string body = "{\"rating\": 5, \"comment\": \"\xc3\xa9l\xc3\xa9gant\"}";
        const HttpResult result = httpRequest(gateway_->port(), "POST", "/v1/feedback", body,
                                              withKey({{"Content-Type", "application/json"}}));
        CPPUNIT_ASSERT_EQUAL(201, result.status);
        CPPUNIT_ASSERT_EQUAL("received:" + body, result.body);
        CPPUNIT_ASSERT_EQUAL(std::string("text/plain; charset=utf-8"), result.header("Content-Type"));
        CPPUNIT_ASSERT_EQUAL(body, service_->requests().at(0).body);
        CPPUNIT_ASSERT_EQUAL(std::string("application/json"), service_->requests().at(0).headers.get("Content-Type", ""));
        // Only POST is passed through on /v1/feedback: another method is a 405 that names it.
        const HttpResult get = httpRequest(gateway_->port(), "GET", "/v1/feedback", "", withKey());
        CPPUNIT_ASSERT_EQUAL(405, get.status);
        CPPUNIT_ASSERT_EQUAL(std::string("POST"), get.header("Allow"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), service_->requests().size());
    }

    void testEventStreamByteForByte()
    {
        const RawResult result = rawRequest(gateway_->port(), rawGet("/v1/dreams/stream"), 20);
        CPPUNIT_ASSERT_EQUAL(200, result.status);
        std::string expected;
        for (const auto& event : dreamEvents())
            expected += event;
        CPPUNIT_ASSERT_EQUAL(expected, bodyOf(result));
        CPPUNIT_ASSERT(result.raw.find("Content-Type: text/event-stream") != std::string::npos);
        CPPUNIT_ASSERT(result.raw.find("Transfer-Encoding: chunked") != std::string::npos);
        // Relayed as it came, not at the end: the events arrived over the service's 20 ms gaps.
        CPPUNIT_ASSERT(result.arrivals.size() >= 5);
        CPPUNIT_ASSERT(result.arrivals.back().ms - result.arrivals.front().ms >= 150.0);
    }

    void testLargeBinaryAnswer()
    {
        const RawResult result = rawRequest(gateway_->port(), rawGet("/v1/dreams/big"), 30);
        CPPUNIT_ASSERT_EQUAL(200, result.status);
        const std::string body = bodyOf(result);
        CPPUNIT_ASSERT_EQUAL(bigBody().size(), body.size());
        CPPUNIT_ASSERT(bigBody() == body);
        CPPUNIT_ASSERT(result.raw.find("Content-Type: application/octet-stream") != std::string::npos);
    }

    void testUpstreamErrorsPassedOn()
    {
        const HttpResult result = httpRequest(gateway_->port(), "GET", "/v1/dreams/nope", "", withKey());
        CPPUNIT_ASSERT_EQUAL(404, result.status);
        // The service's own error, not the gateway's.
        CPPUNIT_ASSERT_EQUAL(std::string("{\"detail\":\"no such dream\"}"), result.body);
        // HEAD comes with GET.
        const HttpResult head = httpRequest(gateway_->port(), "HEAD", "/v1/dreams/42?verbose=1&who=%C3%A9", "", withKey());
        CPPUNIT_ASSERT_EQUAL(200, head.status);
        CPPUNIT_ASSERT(head.body.empty());
        CPPUNIT_ASSERT_EQUAL(std::string("HEAD"), service_->requests().back().method);
    }

    void testAuthApplies()
    {
        CPPUNIT_ASSERT_EQUAL(401, httpRequest(gateway_->port(), "GET", "/v1/dreams/42", "").status);
        CPPUNIT_ASSERT_EQUAL(401, httpRequest(gateway_->port(), "GET", "/v1/dreams/42", "",
                                              {{"Authorization", "Bearer sk-portico-wrong0123456789abcdefghijklmnop"}})
                                      .status);
        CPPUNIT_ASSERT_EQUAL(401, httpRequest(gateway_->port(), "POST", "/v1/feedback", "{}").status);
        CPPUNIT_ASSERT(service_->requests().empty());
    }

    void testUnclaimedPathsStay404()
    {
        for (const char* path : {"/v1/dreamsX", "/v1/dream", "/v2/dreams", "/v1/other"})
        {
            const HttpResult result = httpRequest(gateway_->port(), "GET", path, "", withKey());
            CPPUNIT_ASSERT_EQUAL_MESSAGE(path, 404, result.status);
            CPPUNIT_ASSERT(result.body.find("not_found") != std::string::npos);
        }
        // A dot segment could leave the prefix upstream: refused here.
        const HttpResult dots = httpRequest(gateway_->port(), "GET", "/v1/dreams/../admin", "", withKey());
        CPPUNIT_ASSERT_EQUAL(400, dots.status);
        CPPUNIT_ASSERT(dots.body.find("invalid_path") != std::string::npos);
        // The OpenAI routes are still the plugin's own.
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(gateway_->port(), "GET", "/v1/models", "", withKey()).status);
        CPPUNIT_ASSERT(service_->requests().empty());
    }

    void testUnreachableUpstream()
    {
        const HttpResult result = httpRequest(gateway_->port(), "GET", "/v1/gone/x", "", withKey(), 20);
        CPPUNIT_ASSERT_EQUAL(502, result.status);
        CPPUNIT_ASSERT(result.body.find("upstream_unreachable") != std::string::npos);
        CPPUNIT_ASSERT(result.body.find(UpstreamKey) == std::string::npos);
        // An upstream that is down logs at most one warning a second per route, not one per
        // request: eight more failures, then the log is read.
        const auto started = std::chrono::steady_clock::now();
        for (int i = 0; i < 8; ++i)
            CPPUNIT_ASSERT_EQUAL(502, httpRequest(gateway_->port(), "GET", "/v1/gone/x", "", withKey(), 20).status);
        const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started);
        CPPUNIT_ASSERT(gateway_->waitForOutput("(pass-through GET /v1/gone/x)", 5));
        std::size_t warnings = 0;
        const std::string output = gateway_->output();
        for (auto at = output.find("(pass-through GET /v1/gone/x)"); at != std::string::npos;
             at = output.find("(pass-through GET /v1/gone/x)", at + 1))
            ++warnings;
        CPPUNIT_ASSERT(warnings >= 1);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(warnings) + " warnings in " + std::to_string(seconds.count()) + " s",
                               warnings <= static_cast<std::size_t>(seconds.count()) + 2);
        CPPUNIT_ASSERT(warnings < 9);
        // And the gateway goes on serving.
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(gateway_->port(), "GET", "/v1/dreams/42?verbose=1&who=%C3%A9", "",
                                              withKey()).status);
    }

    void testClientGoneClosesTheUpstreamCall()
    {
        // Read the head and a few events, then hang up: the service's next write fails.
        const RawResult partial = rawRequest(gateway_->port(), rawGet("/v1/dreams/slow"), 1);
        CPPUNIT_ASSERT_EQUAL(200, partial.status);
        for (int i = 0; i < 100 && !service_->sawClientGone(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        CPPUNIT_ASSERT(service_->sawClientGone());
    }

    void testUpstreamNeverSeesTheClientsKey()
    {
        httpRequest(gateway_->port(), "GET", "/v1/dreams/42?verbose=1&who=%C3%A9", "", withKey());
        // Raw, since an HTTP client library sets Connection itself: X-Secret is named by it, so
        // it is a hop-by-hop field of this connection.
        const RawResult post = rawRequest(gateway_->port(),
                                          "POST /v1/feedback HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                                              ClientKey + "\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\nX-Secret: " +
                                              ClientKey + "\r\nConnection: X-Secret, close\r\nContent-Length: 1\r\n\r\nx");
        CPPUNIT_ASSERT_EQUAL(201, post.status);
        const auto seen = service_->requests();
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), seen.size());
        for (const auto& request : seen)
        {
            CPPUNIT_ASSERT_EQUAL(std::string("Bearer " + UpstreamKey), request.headers.get("Authorization", ""));
            CPPUNIT_ASSERT(!request.headers.has("Proxy-Authorization"));
            CPPUNIT_ASSERT(!request.headers.has("X-Secret"));
        }
    }

    void testRateLimitsApply()
    {
        // Rate limits are this test's subject: a small burst, on a gateway of its own.
        PorticodProcess limited(
            gatewayConfig(*dir_, service_->port(), "enabled = true\nrequests_per_second = 1\nburst = 3\n"));
        int admitted = 0;
        int limitedCount = 0;
        for (int i = 0; i < 5; ++i)
        {
            const HttpResult result = httpRequest(limited.port(), "GET", "/v1/dreams/42?verbose=1&who=%C3%A9", "", withKey());
            if (result.status == 200)
                ++admitted;
            else if (result.status == 429)
            {
                ++limitedCount;
                CPPUNIT_ASSERT(!result.header("Retry-After").empty());
            }
        }
        // 1 token per second refills at most one during the five quick requests.
        CPPUNIT_ASSERT(admitted == 3 || admitted == 4);
        CPPUNIT_ASSERT_EQUAL(5 - admitted, limitedCount);
        CPPUNIT_ASSERT_EQUAL(static_cast<std::size_t>(admitted), service_->requests().size());
    }

private:
    void checkNoClientKeyUpstream()
    {
        for (const auto& request : service_->requests())
            for (const auto& [name, value] : request.headers)
                CPPUNIT_ASSERT_MESSAGE(name, value.find(ClientKey) == std::string::npos);
    }

    std::unique_ptr<TempDir> dir_;
    std::unique_ptr<FakeUpstream> service_;
    std::unique_ptr<PorticodProcess> gateway_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(PassThroughIntegrationTest);
