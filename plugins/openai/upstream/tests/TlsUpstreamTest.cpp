// An https upstream through the core's client (libssl on the event loop): a TLS server on
// 127.0.0.1 with a self-signed certificate made by the openssl command for this test. Verified
// against ca_file it works, the connection is pooled, and new connections resume the TLS
// session; with the system CAs it is refused as 502, without retries.

#include "FakeUpstream.h"
#include "ProxyTestSupport.h"
#include "SelfSignedCertificate.h"
#include "TempDir.h"
#include "Poco/Net/Context.h"
#include "Poco/Net/NetSSL.h"
#include "Poco/Net/SecureServerSocket.h"
#include <cppunit/extensions/HelperMacros.h>

using namespace portico::openai;
using namespace portico::openai::test;

namespace {

/// Writes cert.pem and key.pem (CN and SAN localhost / 127.0.0.1) into `dir`.
void makeCertificate(const portico::test::TempDir& dir)
{
    portico::test::writeSelfSignedCertificate(dir.file("cert.pem"), dir.file("key.pem"), "localhost",
                                              "DNS:localhost,IP:127.0.0.1");
}

class TlsServer
{
public:
    explicit TlsServer(const portico::test::TempDir& dir)
    {
        Poco::Net::initializeSSL();
        Poco::Net::Context::Ptr context = new Poco::Net::Context(
            Poco::Net::Context::TLS_SERVER_USE, dir.file("key.pem"), dir.file("cert.pem"), "",
            Poco::Net::Context::VERIFY_NONE);
        context->enableSessionCache(true, "portico-upstream-test");
        Poco::Net::SecureServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0), 64, context);
        server = std::make_unique<FakeUpstream>(
            [](const SeenRequest& request, Poco::Net::HTTPServerResponse& response) {
                FakeUpstream::sendJson(response, 200, R"({"over":"tls","path":")" + request.uri + R"("})");
            },
            socket);
    }
    ~TlsServer()
    {
        server.reset();
        Poco::Net::uninitializeSSL();
    }
    std::string url() const { return "https://localhost:" + std::to_string(server->port()) + "/v1"; }
    std::unique_ptr<FakeUpstream> server;
};

const char* const Embeddings = R"({"model":"m","input":"x"})";

} // namespace

class TlsUpstreamTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(TlsUpstreamTest);
    CPPUNIT_TEST(testVerifiedWithCaFile);
    CPPUNIT_TEST(testTlsSessionResumed);
    CPPUNIT_TEST(testUnknownCertificateRefused);
    CPPUNIT_TEST_SUITE_END();

public:
    void testVerifiedWithCaFile()
    {
        portico::test::TempDir dir;
        makeCertificate(dir);
        TlsServer tls(dir);
        OpenAiHarness harness(upstreamSection(tls.url(), {{"upstream.ca_file", dir.file("cert.pem")}}));
        for (int i = 0; i < 2; ++i)
        {
            auto result = runRequest(harness, "POST", "/v1/embeddings", Embeddings);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(result->body(), 200, result->status());
            CPPUNIT_ASSERT_EQUAL(std::string(R"({"over":"tls","path":"/v1/embeddings"})"), result->body());
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), tls.server->connections());
    }

    void testTlsSessionResumed()
    {
        portico::test::TempDir dir;
        makeCertificate(dir);
        TlsServer tls(dir);
        // A new connection (and handshake) per request.
        OpenAiHarness harness(
            upstreamSection(tls.url(), {{"upstream.ca_file", dir.file("cert.pem")}, {"upstream.pool_size", "0"}}));
        for (int i = 0; i < 3; ++i)
        {
            auto result = runRequest(harness, "POST", "/v1/embeddings", Embeddings);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(result->body(), 200, result->status());
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), tls.server->connections());
        const auto pool = poolOf(harness);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(3), pool->opened);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(2), pool->resumed);
    }

    void testUnknownCertificateRefused()
    {
        portico::test::TempDir dir;
        makeCertificate(dir);
        TlsServer tls(dir);
        OpenAiHarness harness(
            upstreamSection(tls.url(), {{"upstream.retries", "3"}, {"upstream.retry_backoff_ms", "1000"}}));
        const auto start = std::chrono::steady_clock::now();
        auto result = runRequest(harness, "POST", "/v1/embeddings", Embeddings);
        const double ms = msSince(start);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(result->body(), 502, result->status());
        CPPUNIT_ASSERT(contains(result->body(), R"("code":"upstream_unreachable")"));
        CPPUNIT_ASSERT_MESSAGE(result->body(), contains(result->body(), "certificate"));
        // A retry would have waited at least 500 ms first.
        CPPUNIT_ASSERT_MESSAGE("not retried: " + std::to_string(ms) + " ms", ms < 400);
        CPPUNIT_ASSERT(tls.server->requests().empty());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(TlsUpstreamTest);
