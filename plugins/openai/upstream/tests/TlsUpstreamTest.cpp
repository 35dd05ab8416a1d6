// An https upstream through NetSSL: a TLS server on 127.0.0.1 with a self-signed certificate
// made by the openssl command for this test. Verified against ca_file it works (and the TLS
// connection is pooled); with the system CAs it is refused as 502, without retries.

#include "FakeUpstream.h"
#include "ProxyHarness.h"
#include "TempDir.h"
#include "UpstreamProxy.h"
#include "Poco/Logger.h"
#include "Poco/Net/Context.h"
#include "Poco/Net/NetSSL.h"
#include "Poco/Net/SecureServerSocket.h"
#include "Poco/Pipe.h"
#include "Poco/Process.h"
#include <cppunit/extensions/HelperMacros.h>
#include <prometheus/registry.h>

using namespace portico::openai;
using namespace portico::openai::test;

namespace {

/// Writes cert.pem and key.pem (CN and SAN localhost / 127.0.0.1) into `dir`.
void makeCertificate(const portico::test::TempDir& dir)
{
    Poco::Process::Args args{"req",  "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                             "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                             "-keyout", dir.file("key.pem"), "-out", dir.file("cert.pem")};
    Poco::Pipe quiet;
    auto handle = Poco::Process::launch("openssl", args, nullptr, &quiet, &quiet);
    const int code = handle.wait();
    CPPUNIT_ASSERT_EQUAL_MESSAGE("openssl req", 0, code);
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
    std::unique_ptr<FakeUpstream> server;
};

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
        auto config = testUpstream("https://localhost:" + std::to_string(tls.server->port()) + "/v1");
        config.caFile = dir.file("cert.pem");
        prometheus::Registry registry;
        UpstreamProxy proxy({config}, Poco::Logger::get("test.upstream"), registry);
        for (int i = 0; i < 2; ++i)
        {
            ProxyCall call("{}");
            proxy.forward(*call.exchange, proxy.upstreams()[0], "POST", "/embeddings", false);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(call.body(), 200, call.status());
            CPPUNIT_ASSERT_EQUAL(std::string(R"({"over":"tls","path":"/v1/embeddings"})"), call.body());
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), tls.server->connections());
    }

    void testTlsSessionResumed()
    {
        portico::test::TempDir dir;
        makeCertificate(dir);
        TlsServer tls(dir);
        auto config = testUpstream("https://localhost:" + std::to_string(tls.server->port()) + "/v1");
        config.caFile = dir.file("cert.pem");
        config.poolSize = 0; // a new connection (and handshake) per request
        prometheus::Registry registry;
        UpstreamProxy proxy({config}, Poco::Logger::get("test.upstream"), registry);
        for (int i = 0; i < 3; ++i)
        {
            ProxyCall call("{}");
            proxy.forward(*call.exchange, proxy.upstreams()[0], "POST", "/embeddings", false);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(call.body(), 200, call.status());
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), tls.server->connections());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(3), proxy.pool(config).openedCount());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(2), proxy.pool(config).resumedCount());
    }

    void testUnknownCertificateRefused()
    {
        portico::test::TempDir dir;
        makeCertificate(dir);
        TlsServer tls(dir);
        auto config = testUpstream("https://localhost:" + std::to_string(tls.server->port()) + "/v1");
        config.retries = 3;
        config.retryBackoffMs = 200;
        prometheus::Registry registry;
        UpstreamProxy proxy({config}, Poco::Logger::get("test.upstream"), registry);
        ProxyCall call("{}");
        const auto start = std::chrono::steady_clock::now();
        proxy.forward(*call.exchange, proxy.upstreams()[0], "POST", "/embeddings", false);
        const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        CPPUNIT_ASSERT_EQUAL_MESSAGE(call.body(), 502, call.status());
        CPPUNIT_ASSERT(call.body().find(R"("code":"upstream_unreachable")") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(call.body(), call.body().find("certificate") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE("not retried", ms < 100);
        CPPUNIT_ASSERT(tls.server->requests().empty());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(TlsUpstreamTest);
