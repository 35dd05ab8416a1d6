// TlsTransport over real non-blocking loopback TCP sockets, both ends driven by a small poll()
// loop the way an event loop's owner drives them: read until WouldBlock, write until nothing more
// is taken, keep the unsent bytes and offer them again (split differently each time). After a
// WouldBlock waiting for input the socket must hold nothing: that is what lets the real loop use
// edge-triggered epoll. Certificates are self-signed, made by the openssl command.

#include "SelfSignedCertificate.h"
#include "TempDir.h"
#include "event/TlsTransport.h"
#include "Poco/File.h"
#include "Poco/Net/Context.h"
#include "Poco/Net/NetSSL.h"
#include "Poco/Net/SSLException.h"
#include <cppunit/extensions/HelperMacros.h>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <functional>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <random>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

using portico::TlsTransport;
using portico::Transport;
using Poco::Net::Context;

namespace {

constexpr std::size_t MiB = 1024 * 1024;

/// Self-signed certificates (CN and SAN localhost / 127.0.0.1) made on first use, one per
/// name: "server" is what the server presents, "other" a CA that did not sign it.
std::string certificate(const std::string& name, const std::string& suffix = ".pem")
{
    static const portico::test::TempDir dir;
    const std::string cert = dir.file(name + ".pem"), key = dir.file(name + "-key.pem");
    if (!Poco::File(cert).exists())
    {
        portico::test::writeSelfSignedCertificate(cert, key, "localhost", "DNS:localhost,IP:127.0.0.1");
    }
    return dir.file(name + suffix);
}

/// `tls12`: TLS 1.3 switched off, so both ends settle on TLS 1.2.
Context::Ptr serverContext(bool tls12 = false)
{
    Context::Params params;
    params.certificateFile = certificate("server");
    params.privateKeyFile = certificate("server", "-key.pem");
    params.verificationMode = Context::VERIFY_NONE;
    params.loadDefaultCAs = false;
    Context::Ptr context = new Context(Context::TLS_SERVER_USE, params);
    if (tls12)
        context->disableProtocols(Context::PROTO_TLSV1_3);
    return context;
}

/// `ca` empty: no verification at all.
Context::Ptr clientContext(const std::string& ca)
{
    Context::Params params;
    params.caLocation = ca;
    params.verificationMode = ca.empty() ? Context::VERIFY_NONE : Context::VERIFY_RELAXED;
    params.loadDefaultCAs = false;
    return new Context(Context::TLS_CLIENT_USE, params);
}

/// A connected pair of non-blocking loopback TCP sockets; `buffer` > 0 sets SO_SNDBUF and
/// SO_RCVBUF on both (before connecting, so the TCP window follows).
struct SocketPair
{
    int client = ::socket(AF_INET, SOCK_STREAM, 0);
    int server = -1;

    explicit SocketPair(int buffer = 0)
    {
        const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
        for (int fd : {listener, client}) // the accepted socket inherits the listener's
            for (int option : {SO_SNDBUF, SO_RCVBUF})
                if (buffer > 0)
                    ::setsockopt(fd, SOL_SOCKET, option, &buffer, sizeof buffer);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        auto* generic = reinterpret_cast<sockaddr*>(&address);
        CPPUNIT_ASSERT_EQUAL(0, ::bind(listener, generic, length) | ::listen(listener, 1));
        ::getsockname(listener, generic, &length);
        CPPUNIT_ASSERT_EQUAL(0, ::connect(client, generic, length));
        server = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
        ::close(listener);
        CPPUNIT_ASSERT(server >= 0);
        ::fcntl(client, F_SETFL, ::fcntl(client, F_GETFL) | O_NONBLOCK);
    }
    ~SocketPair()
    {
        closeClient();
        ::close(server);
    }
    void closeClient()
    {
        if (client >= 0)
            ::close(client);
        client = -1;
    }
};

/// One end, driven the way the event loop's owner drives a connection.
struct Endpoint
{
    std::unique_ptr<TlsTransport> tls;
    bool handshakeFirst = false; // handshake() until done before reading or writing
    std::string out;             // out[sent..] is still unsent
    std::size_t sent = 0;
    std::string in;
    bool eof = false;
    bool failed = false;
    std::size_t blockedWrites = 0; // writev calls that took less than offered
    std::size_t calls = 0;

    void step()
    {
        if (failed || !tls)
            return;
        if (handshakeFirst && !tls->established())
        {
            const long result = tls->handshake();
            failed = result == Transport::Error;
            if (result != 1)
                return;
        }
        if (readAll())
            writeAll();
    }

    bool readAll()
    {
        char buffer[1000]; // less than a record: decrypted bytes wait inside OpenSSL
        for (;;)
        {
            const long got = tls->read(buffer, sizeof buffer);
            if (got > 0)
                in.append(buffer, static_cast<std::size_t>(got));
            else if (got == Transport::Eof)
                eof = true;
            else if (got == Transport::Error)
                failed = true;
            else if (tls->wants() == TlsTransport::Want::Read)
                CPPUNIT_ASSERT_EQUAL_MESSAGE("unread bytes after WouldBlock", 0, queuedInput());
            if (got <= 0)
                return !failed;
        }
    }

    void writeAll()
    {
        static const std::size_t splits[] = {1, 100, 3000, 16384, 70000};
        while (sent < out.size())
        {
            const std::size_t left = out.size() - sent;
            const std::size_t first = std::min(left, splits[calls++ % 5]);
            iovec parts[2] = {{&out[sent], first}, {&out[sent + first], left - first}};
            const long taken = tls->writev(parts, left > first ? 2 : 1);
            if (taken == Transport::Error)
            {
                failed = true;
                return;
            }
            sent += static_cast<std::size_t>(taken);
            if (sent < out.size())
            {
                ++blockedWrites;
                return;
            }
        }
    }

    int queuedInput() const
    {
        int queued = 0;
        ::ioctl(tls->fd(), FIONREAD, &queued);
        return queued;
    }
};

/// Runs the ends until `done`, failing the test after 10 seconds: a hang is a failure.
void pump(const std::vector<Endpoint*>& ends, const std::function<bool()>& done)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (Endpoint* end : ends) // epoll reports a newly added socket writable once
        end->step();
    while (!done())
    {
        CPPUNIT_ASSERT_MESSAGE("timed out", std::chrono::steady_clock::now() < deadline);
        std::vector<pollfd> fds;
        for (const Endpoint* end : ends)
        {
            const bool output = end->sent < end->out.size() || end->tls->wants() == TlsTransport::Want::Write;
            fds.push_back({end->tls->fd(), static_cast<short>(POLLIN | (output ? POLLOUT : 0)), 0});
        }
        ::poll(fds.data(), fds.size(), 20);
        for (std::size_t i = 0; i < ends.size(); ++i)
            if (fds[i].revents != 0) // as the owner does: on any event, retry reading and writing
                ends[i]->step();
    }
}

std::string randomBytes(std::size_t size, unsigned seed)
{
    std::mt19937 generator(seed);
    std::string bytes(size, '\0');
    for (char& byte : bytes)
        byte = static_cast<char>(generator());
    return bytes;
}

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

/// A TLS server end and a client end on a fresh socket pair; the contexts outlive the transports.
/// To resume a session the server's context (its ticket keys) must be the same: `sharedServerTls`.
struct Connection
{
    Context::Ptr serverTls;
    Context::Ptr clientTls;
    SocketPair sockets;
    Endpoint server;
    Endpoint client;

    Connection(const std::string& ca, const std::string& name, bool verify, SSL_SESSION* resume = nullptr,
               int buffer = 0, Context::Ptr sharedServerTls = serverContext())
        : serverTls(sharedServerTls), clientTls(clientContext(ca)), sockets(buffer)
    {
        server.tls = TlsTransport::server(sockets.server, serverTls->sslContext());
        client.tls = TlsTransport::client(sockets.client, clientTls->sslContext(), name, verify, resume);
    }
    void exchange(const std::string& request, const std::string& answer)
    {
        client.out += request;
        pump({&server, &client}, [&] { return contains(server.in, request) || server.failed || client.failed; });
        server.out += answer;
        pump({&server, &client}, [&] { return contains(client.in, answer) || server.failed || client.failed; });
        CPPUNIT_ASSERT_MESSAGE(client.tls->lastError() + server.tls->lastError(), !server.failed && !client.failed);
    }
    void transferMegabyteEachWay()
    {
        // Written before the handshake: the first writes wait for it (WANT_READ); then small
        // socket buffers make most writes block part-way (WANT_WRITE) and retry moved bytes.
        client.out = randomBytes(MiB, 1);
        server.out = randomBytes(MiB, 2);
        pump({&server, &client}, [&] {
            return (server.in.size() >= MiB && client.in.size() >= MiB) || server.failed || client.failed;
        });
        CPPUNIT_ASSERT_MESSAGE(client.tls->lastError() + server.tls->lastError(), !server.failed && !client.failed);
        CPPUNIT_ASSERT(server.in == client.out && client.in == server.out);
        CPPUNIT_ASSERT(client.blockedWrites > 10 && server.blockedWrites > 10);
    }
};

/// A second connection resumes the first one's session (both verified). With TLS 1.3 the
/// session only becomes resumable when the ticket arrives, after the handshake.
void checkResumption(const Context::Ptr& serverTls, bool ticketAfterHandshake)
{
    SSL_SESSION* session = nullptr;
    {
        Connection first(certificate("server"), "localhost", true, nullptr, 0, serverTls);
        first.client.handshakeFirst = true;
        pump({&first.server, &first.client}, [&] { return first.client.tls->established() || first.client.failed; });
        session = first.client.tls->session();
        CPPUNIT_ASSERT_EQUAL(ticketAfterHandshake, session == nullptr);
        SSL_SESSION_free(session);
        first.exchange("first", "answer");
        session = first.client.tls->session();
        CPPUNIT_ASSERT(session != nullptr && !first.client.tls->resumed());
    } // closed without close_notify: the session must stay resumable
    Connection second(certificate("server"), "localhost", true, session, 0, serverTls);
    SSL_SESSION_free(session); // the transport holds its own reference
    second.exchange("second", "answer");
    CPPUNIT_ASSERT(second.client.tls->resumed() && second.server.tls->resumed());
    CPPUNIT_ASSERT_EQUAL(std::string(), second.client.tls->peerVerifyError());
}

/// SIGPIPE back to its default (fatal) action while it lives. CppUnitMain ignores it and Poco's
/// Foundation blocks it in the main thread (and its own threads).
struct SigpipeDelivered
{
    void (*action)(int) = std::signal(SIGPIPE, SIG_DFL);
    sigset_t mask;
    SigpipeDelivered()
    {
        sigset_t pipe;
        sigemptyset(&pipe);
        sigaddset(&pipe, SIGPIPE);
        pthread_sigmask(SIG_UNBLOCK, &pipe, &mask);
    }
    ~SigpipeDelivered()
    {
        pthread_sigmask(SIG_SETMASK, &mask, nullptr);
        std::signal(SIGPIPE, action);
    }
};

} // namespace

class TlsTransportTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(TlsTransportTest);
    CPPUNIT_TEST(testHandshakeAndRequestAnswerBothWays);
    CPPUNIT_TEST(testMegabyteEachWayThroughSmallSocketBuffers);
    CPPUNIT_TEST(testVerifiedNameAndAddressPass);
    CPPUNIT_TEST(testWrongNameOrAddressFailsVerification);
    CPPUNIT_TEST(testUntrustedCertificateFailsHandshake);
    CPPUNIT_TEST(testSessionResumed);
    CPPUNIT_TEST(testTls12TransferAndResumption);
    CPPUNIT_TEST(testDepartedPeerReadsAsEofAndWritesFailWithoutSigpipe);
    CPPUNIT_TEST(testShutdownSendIsCleanEofAndReadingGoesOn);
    CPPUNIT_TEST(testGarbageToServerIsAnError);
    CPPUNIT_TEST(testCloseDuringHandshake);
    CPPUNIT_TEST(testSetupFailuresThrowSslException);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override { Poco::Net::initializeSSL(); }
    void tearDown() override { Poco::Net::uninitializeSSL(); }

    void testHandshakeAndRequestAnswerBothWays()
    {
        Connection c("", "localhost", false);
        CPPUNIT_ASSERT(!c.client.tls->established() && !c.server.tls->established());
        c.exchange("GET /v1/models", "200 here they are");
        CPPUNIT_ASSERT(c.client.tls->established() && c.server.tls->established());
        c.server.out += "server asks"; // the other way round
        pump({&c.server, &c.client}, [&] { return contains(c.client.in, "server asks"); });
        c.client.out += "client answers";
        pump({&c.server, &c.client}, [&] { return contains(c.server.in, "client answers"); });
        CPPUNIT_ASSERT_EQUAL(std::string("GET /v1/modelsclient answers"), c.server.in);
        CPPUNIT_ASSERT_EQUAL(std::string("200 here they areserver asks"), c.client.in);
        CPPUNIT_ASSERT(!c.client.tls->resumed() && !c.client.eof && !c.server.eof);
        CPPUNIT_ASSERT_EQUAL(std::string("TLSv1.3"), c.server.tls->protocol());
    }

    void testMegabyteEachWayThroughSmallSocketBuffers()
    {
        Connection("", "localhost", false, nullptr, 4096).transferMegabyteEachWay();
    }

    void testVerifiedNameAndAddressPass()
    {
        for (const std::string name : {"localhost", "127.0.0.1", "[127.0.0.1]"})
        {
            Connection c(certificate("server"), name, true);
            c.client.handshakeFirst = true; // as the upstream client does right after connect
            pump({&c.server, &c.client}, [&] { return c.client.tls->established() || c.client.failed; });
            CPPUNIT_ASSERT_MESSAGE(name + ": " + c.client.tls->lastError(), !c.client.failed);
            CPPUNIT_ASSERT_EQUAL(std::string(), c.client.tls->peerVerifyError());
            c.exchange("ping", "pong");
        }
    }

    void testWrongNameOrAddressFailsVerification()
    {
        for (const std::string name : {"example.com", "127.0.0.2"})
        {
            Connection c(certificate("server"), name, true);
            c.client.out = "secret request";
            pump({&c.server, &c.client}, [&] { return c.client.failed && (c.server.failed || c.server.eof); });
            const std::string error = c.client.tls->lastError();
            CPPUNIT_ASSERT_MESSAGE(error, contains(error, "TLS handshake failed: certificate verify failed ("));
            CPPUNIT_ASSERT_MESSAGE(error, contains(error, "mismatch)")); // hostname / IP address mismatch
            CPPUNIT_ASSERT_MESSAGE(error, contains(error, c.client.tls->peerVerifyError()));
            CPPUNIT_ASSERT_EQUAL(Transport::Error, c.client.tls->write("more", 4)); // stays failed
            CPPUNIT_ASSERT_EQUAL(std::string(), c.server.in);
            CPPUNIT_ASSERT_MESSAGE(c.server.tls->lastError(), contains(c.server.tls->lastError(), "alert"));
        }
    }

    void testUntrustedCertificateFailsHandshake()
    {
        Connection c(certificate("other"), "localhost", true);
        c.client.handshakeFirst = true;
        pump({&c.server, &c.client}, [&] { return c.client.failed; });
        const std::string error = c.client.tls->lastError();
        CPPUNIT_ASSERT_MESSAGE(error, contains(error, "TLS handshake failed: certificate verify failed (self"));
        CPPUNIT_ASSERT_EQUAL(Transport::Error, c.client.tls->handshake());
        CPPUNIT_ASSERT(!c.client.tls->established());
    }

    void testSessionResumed() { checkResumption(serverContext(), true); }

    void testTls12TransferAndResumption()
    {
        Context::Ptr serverTls = serverContext(true);
        Connection c("", "localhost", false, nullptr, 4096, serverTls);
        c.transferMegabyteEachWay();
        CPPUNIT_ASSERT_EQUAL(std::string("TLSv1.2"), c.client.tls->protocol());
        checkResumption(serverTls, false);
    }

    void testDepartedPeerReadsAsEofAndWritesFailWithoutSigpipe()
    {
        SigpipeDelivered fatal; // with write(2), as OpenSSL's own socket BIO uses, this test dies
        Connection c("", "localhost", false);
        c.exchange("request", "answer"); // the client has read everything: close() sends a FIN
        c.client.tls.reset();
        c.sockets.closeClient(); // no close_notify
        pump({&c.server}, [&] { return c.server.eof || c.server.failed; });
        CPPUNIT_ASSERT_MESSAGE(c.server.tls->lastError(), c.server.eof && !c.server.failed);
        char byte;
        CPPUNIT_ASSERT_EQUAL(Transport::Eof, c.server.tls->read(&byte, 1)); // and stays so
        c.server.out = randomBytes(MiB, 4); // the first bytes draw a reset, the next send EPIPE
        pump({&c.server}, [&] { return c.server.failed; });
        const std::string error = c.server.tls->lastError();
        CPPUNIT_ASSERT_MESSAGE(error, error == "TLS write failed: Broken pipe" ||
                                          error == "TLS write failed: Connection reset by peer");
    }

    void testShutdownSendIsCleanEofAndReadingGoesOn()
    {
        Connection c("", "localhost", false);
        c.exchange("request", "answer");
        c.server.tls->shutdownSend();
        pump({&c.server, &c.client}, [&] { return c.client.eof || c.client.failed; });
        CPPUNIT_ASSERT_MESSAGE(c.client.tls->lastError(), c.client.eof && !c.client.failed);
        c.client.out += " and the rest";
        pump({&c.server, &c.client}, [&] { return contains(c.server.in, "the rest") || c.server.failed; });
        CPPUNIT_ASSERT_EQUAL(std::string("request and the rest"), c.server.in);
    }

    void testGarbageToServerIsAnError()
    {
        const std::string garbage[] = {"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
                                       std::string("\x16\x03\x01\x00\x05hello", 10), randomBytes(300, 3)};
        for (const std::string& bytes : garbage)
        {
            Context::Ptr context = serverContext();
            SocketPair sockets;
            Endpoint server;
            server.tls = TlsTransport::server(sockets.server, context->sslContext());
            CPPUNIT_ASSERT_EQUAL(static_cast<ssize_t>(bytes.size()),
                                 ::send(sockets.client, bytes.data(), bytes.size(), MSG_NOSIGNAL));
            pump({&server}, [&] { return server.failed || server.eof; });
            CPPUNIT_ASSERT(server.failed);
            CPPUNIT_ASSERT_MESSAGE(server.tls->lastError(), contains(server.tls->lastError(), "TLS handshake failed: "));
        }
    }

    void testCloseDuringHandshake()
    {
        {
            // A client that goes away before its handshake: an ordinary close for the server.
            Connection c("", "localhost", false);
            c.client.tls.reset();
            c.sockets.closeClient();
            pump({&c.server}, [&] { return c.server.eof || c.server.failed; });
            CPPUNIT_ASSERT_MESSAGE(c.server.tls->lastError(), c.server.eof);
        }
        // A server that does: the client's handshake failed.
        Connection c("", "localhost", false);
        CPPUNIT_ASSERT_EQUAL(Transport::WouldBlock, c.client.tls->handshake()); // ClientHello sent
        CPPUNIT_ASSERT(c.client.tls->wants() == TlsTransport::Want::Read);
        ::shutdown(c.sockets.server, SHUT_WR);
        c.client.handshakeFirst = true;
        pump({&c.client}, [&] { return c.client.failed; });
        CPPUNIT_ASSERT_EQUAL(std::string("TLS handshake failed: the peer closed the connection"),
                             c.client.tls->lastError());
    }

    void testSetupFailuresThrowSslException()
    {
        SocketPair sockets;
        try
        {
            TlsTransport::server(sockets.server, nullptr);
            CPPUNIT_FAIL("SSL_new(nullptr) must fail");
        }
        catch (const Poco::Net::SSLException& e)
        {
            CPPUNIT_ASSERT_MESSAGE(e.displayText(), contains(e.displayText(), "Cannot create a TLS connection: error:"));
        }
        Context::Ptr context = clientContext("");
        CPPUNIT_ASSERT_THROW(TlsTransport::client(sockets.client, context->sslContext(), "", true, nullptr),
                             Poco::Net::SSLException);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(TlsTransportTest);
