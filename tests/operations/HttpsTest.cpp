// HTTPS: porticod serves server.listen over TLS with a self-signed certificate the test makes,
// refuses TLS 1.1, and serves plain HTTP on plain_listen beside it.

#include "HttpClient.h"
#include "PorticodProcess.h"
#include "RawConnection.h"
#include "SelfSignedCertificate.h"
#include "Poco/Net/Context.h"
#include "Poco/Net/HTTPRequest.h"
#include "Poco/Net/HTTPResponse.h"
#include "Poco/Net/HTTPSClientSession.h"
#include "Poco/Net/NetSSL.h"
#include "Poco/Net/SSLException.h"
#include "Poco/StreamCopier.h"
#include <cppunit/extensions/HelperMacros.h>
#include <chrono>
#include <sstream>

using namespace portico::test;

namespace {

struct HttpsAnswer
{
    int status = 0;
    std::string body;
    Poco::Net::NameValueCollection headers;
};

HttpsAnswer httpsGet(unsigned short port, const std::string& path, Poco::Net::Context::Ptr context)
{
    Poco::Net::HTTPSClientSession session("127.0.0.1", port, context);
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest request("GET", path, Poco::Net::HTTPMessage::HTTP_1_1);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    HttpsAnswer answer;
    answer.status = response.getStatus();
    for (const auto& [name, value] : response)
        answer.headers.add(name, value);
    std::ostringstream body;
    Poco::StreamCopier::copyStream(in, body);
    answer.body = body.str();
    return answer;
}

// A client context that trusts exactly the test's certificate.
Poco::Net::Context::Ptr clientContext(const std::string& caFile)
{
    Poco::Net::Context::Params params;
    params.caLocation = caFile;
    params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
    return new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
}

} // namespace

class HttpsTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(HttpsTest);
    CPPUNIT_TEST(testServesHttpsWithVerifiedCertificate);
    CPPUNIT_TEST(testRefusesTls11);
    CPPUNIT_TEST(testCertificateWithoutKeyIsAConfigError);
    CPPUNIT_TEST(testClientThatNeverHandshakesIsClosedAtTheHeadDeadline);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override
    {
        Poco::Net::initializeSSL();
        // A self-signed certificate for 127.0.0.1, valid for a day.
        writeSelfSignedCertificate(dir_.file("cert.pem"), dir_.file("key.pem"), "127.0.0.1", "IP:127.0.0.1");
    }

    void testServesHttpsWithVerifiedCertificate()
    {
        const unsigned short plainPort = freePort();
        PorticodProcess::Options options;
        options.config = "[server]\nlisten = 127.0.0.1:{port}\nplain_listen = 127.0.0.1:" + std::to_string(plainPort) +
                         "\ntls.certificate = " + dir_.file("cert.pem") + "\ntls.private_key = " + dir_.file("key.pem") +
                         "\n[plugins]\norder = tracing, security\n";
        options.waitUntilHealthy = false;
        PorticodProcess porticod(options);
        CPPUNIT_ASSERT(porticod.waitForOutput("serving https://127.0.0.1:", 15));

        const HttpsAnswer answer = httpsGet(porticod.port(), "/healthz", clientContext(dir_.file("cert.pem")));
        CPPUNIT_ASSERT_EQUAL(200, answer.status);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"status\":\"ok\"}"), answer.body);
        CPPUNIT_ASSERT(answer.headers.has("Strict-Transport-Security"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(32), answer.headers.get("X-Trace-Id").size());

        const HttpResult plain = httpRequest(plainPort, "GET", "/healthz");
        CPPUNIT_ASSERT_EQUAL(200, plain.status);
        CPPUNIT_ASSERT(plain.has("X-Trace-Id"));
    }

    void testClientThatNeverHandshakesIsClosedAtTheHeadDeadline()
    {
        // No TLS session, so no 408 can be sent: the connection closes at the head deadline
        // (its subject here: 1 s), without waiting for the send timeout behind an answer that
        // could never go out.
        PorticodProcess::Options options;
        options.config = "[server]\nlisten = 127.0.0.1:{port}\nheader_timeout_seconds = 1\ntls.certificate = " +
                         dir_.file("cert.pem") + "\ntls.private_key = " + dir_.file("key.pem") +
                         "\n[plugins]\norder = tracing\n";
        options.waitUntilHealthy = false;
        PorticodProcess porticod(options);
        CPPUNIT_ASSERT(porticod.waitForOutput("serving https://", 15));
        RawConnection silent(porticod.port());
        RawConnection halfHello(porticod.port());
        CPPUNIT_ASSERT(halfHello.send(std::string("\x16\x03\x01\x02\x00\x01", 6))); // a ClientHello's start
        const auto started = std::chrono::steady_clock::now();
        const ReadOutcome quiet = silent.readUntilClosed(10);
        const ReadOutcome cut = halfHello.readUntilClosed(10);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        CPPUNIT_ASSERT(quiet.closed && cut.closed);
        CPPUNIT_ASSERT_EQUAL(std::string(), quiet.data);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(seconds) + " s", seconds < 5);
        // The server goes on serving TLS.
        CPPUNIT_ASSERT_EQUAL(200, httpsGet(porticod.port(), "/healthz", clientContext(dir_.file("cert.pem"))).status);
    }

    void testRefusesTls11()
    {
        PorticodProcess::Options options;
        options.config = "[server]\nlisten = 127.0.0.1:{port}\ntls.certificate = " + dir_.file("cert.pem") +
                         "\ntls.private_key = " + dir_.file("key.pem") + "\n[plugins]\norder = tracing\n";
        options.waitUntilHealthy = false;
        PorticodProcess porticod(options);
        CPPUNIT_ASSERT(porticod.waitForOutput("serving https://", 15));

        Poco::Net::Context::Ptr old = clientContext(dir_.file("cert.pem"));
        old->disableProtocols(Poco::Net::Context::PROTO_TLSV1_2 | Poco::Net::Context::PROTO_TLSV1_3);
        bool refused = false;
        try
        {
            httpsGet(porticod.port(), "/healthz", old);
        }
        catch (const Poco::Exception&)
        {
            refused = true;
        }
        CPPUNIT_ASSERT_MESSAGE("a TLS 1.1 handshake must fail", refused);
        // And the server still serves a modern client.
        CPPUNIT_ASSERT_EQUAL(200, httpsGet(porticod.port(), "/healthz", clientContext(dir_.file("cert.pem"))).status);
    }

    void testCertificateWithoutKeyIsAConfigError()
    {
        const std::string config = dir_.write("tls.ini", "[server]\nlisten = 127.0.0.1:1\ntls.certificate = " +
                                                             dir_.file("cert.pem") + "\n[plugins]\norder =\n");
        const CommandResult result = runPorticod({"--config=" + config, "--check-config"});
        CPPUNIT_ASSERT(result.exitCode != 0);
        CPPUNIT_ASSERT_MESSAGE(result.output, result.output.find("tls.private_key") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(result.output, result.output.find(config) != std::string::npos);
    }

private:
    TempDir dir_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(HttpsTest);
