#include "event/TlsTransport.h"
#include "Poco/Net/SSLException.h"
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>

namespace portico {

namespace {

/// Plaintext per SSL_write: one full TLS record. With SSL_MODE_ENABLE_PARTIAL_WRITE OpenSSL
/// returns after one record anyway; the cap also bounds what a write retry may have to gather
/// (blocked_ never exceeds it).
constexpr std::size_t RecordSize = 16384;

/// The first error on the thread's OpenSSL queue, then the queue emptied so nothing stale
/// reaches the next OpenSSL user on this thread. `brief`: the reason only ("certificate verify
/// failed"); otherwise ERR_error_string's whole line.
std::string takeErrors(bool brief)
{
    std::string text;
    if (const unsigned long first = ERR_get_error())
    {
        const char* reason = brief ? ERR_reason_error_string(first) : nullptr;
        if (reason)
            text = reason;
        else
        {
            char line[256];
            ERR_error_string_n(first, line, sizeof line);
            text = line;
        }
    }
    ERR_clear_error();
    return text;
}

Poco::Net::SSLException setupError(const std::string& what)
{
    std::string reason = takeErrors(false);
    return Poco::Net::SSLException(what, reason.empty() ? "unknown error" : reason);
}

SSL* newSsl(SSL_CTX* context)
{
    ERR_clear_error(); // so that a failure below reports its own reason
    return SSL_new(context);
}

/// OpenSSL's socket BIO writes with write(2), which raises SIGPIPE once the peer has reset the
/// connection. porticod ignores SIGPIPE process-wide, but the transport does not rely on it
/// (tests, tools, plugins' test programs): its BIO is OpenSSL's socket BIO with this write,
/// send(MSG_NOSIGNAL). Reads stay read(2), which raises nothing.
int sendWithoutSignal(BIO* bio, const char* data, int size)
{
    const int fd = static_cast<int>(BIO_get_fd(bio, nullptr));
    BIO_clear_retry_flags(bio);
    ssize_t sent;
    do // EINTR must not become "retry later": on an edge-triggered socket no event would come
        sent = ::send(fd, data, static_cast<std::size_t>(size), MSG_NOSIGNAL);
    while (sent < 0 && errno == EINTR);
    if (sent < 0 && BIO_sock_should_retry(-1)) // reads errno: EAGAIN means "wait for writable"
        BIO_set_retry_write(bio);
    return static_cast<int>(sent);
}

/// Created once, kept for the life of the process (BIOs made from it may outlive any owner).
/// Not SSL_set_fd: that would also use write(2), and with a KTLS-enabled OpenSSL it sets
/// TCP_ULP "tls" on every socket.
BIO_METHOD* socketMethod()
{
    static BIO_METHOD* const method = [] {
        const BIO_METHOD* socket = BIO_s_socket();
        BIO_METHOD* created = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR,
                                           "portico socket");
        if (created)
        {
            BIO_meth_set_write(created, &sendWithoutSignal);
            BIO_meth_set_read(created, BIO_meth_get_read(socket)); // also flags EOF for BIO_eof()
            BIO_meth_set_ctrl(created, BIO_meth_get_ctrl(socket)); // fd, flush, eof, close flag
            BIO_meth_set_create(created, BIO_meth_get_create(socket));
            BIO_meth_set_destroy(created, BIO_meth_get_destroy(socket)); // BIO_NOCLOSE: fd kept
        }
        return created;
    }();
    return method;
}

/// Poco's Context installs SSLManager's verify callback, which hands a failed certificate to
/// the process-wide InvalidCertificateHandler (one may prompt on the console, another accept
/// anything). On an event loop OpenSSL's own verdict is taken as it is.
int keepVerdict(int ok, X509_STORE_CTX*)
{
    return ok;
}

bool isIpLiteral(const std::string& name)
{
    unsigned char address[sizeof(in6_addr)];
    return inet_pton(AF_INET, name.c_str(), address) == 1 || inet_pton(AF_INET6, name.c_str(), address) == 1;
}

/// "[::1]" -> "::1": a host as written in a URL.
std::string withoutBrackets(const std::string& host)
{
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        return host.substr(1, host.size() - 2);
    return host;
}

/// A read position in an iovec array; skip(0) steps over empty parts.
struct Cursor
{
    const iovec* parts;
    int count;
    int index = 0;
    std::size_t offset = 0;

    bool done() const { return index >= count; }
    const char* data() const { return static_cast<const char*>(parts[index].iov_base) + offset; }
    std::size_t left() const { return parts[index].iov_len - offset; }
    void skip(std::size_t bytes)
    {
        while (!done() && bytes >= left())
        {
            bytes -= left();
            ++index;
            offset = 0;
        }
        if (!done())
            offset += bytes;
    }
};

} // namespace

void TlsTransport::SslFree::operator()(SSL* ssl) const
{
    SSL_free(ssl); // frees the BIO too; writes nothing to the socket and does not close it
}

std::unique_ptr<TlsTransport> TlsTransport::server(int fd, SSL_CTX* context)
{
    return std::unique_ptr<TlsTransport>(new TlsTransport(fd, context, true));
}

std::unique_ptr<TlsTransport> TlsTransport::client(int fd, SSL_CTX* context, const std::string& serverName,
                                                   bool verifyHost, SSL_SESSION* resume)
{
    std::unique_ptr<TlsTransport> transport(new TlsTransport(fd, context, false));
    transport->setUpClient(serverName, verifyHost, resume);
    return transport;
}

TlsTransport::TlsTransport(int fd, SSL_CTX* context, bool isServer)
    : Transport(fd), ssl_(newSsl(context)), server_(isServer)
{
    if (!ssl_)
        throw setupError("Cannot create a TLS connection");
    SSL* ssl = ssl_.get();
    // A peer that closes without close_notify reads as Eof, not "unexpected eof while reading".
    SSL_set_options(ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
    // PARTIAL_WRITE + ACCEPT_MOVING_WRITE_BUFFER: see writev(). AUTO_RETRY (Poco sets it on the
    // context too; it is OpenSSL 3's default): without it SSL_read returns WANT_READ after a
    // non-data record (a TLS 1.3 session ticket or key update) even when the socket still holds
    // bytes, and an edge-triggered loop would wait forever. RELEASE_BUFFERS: an idle keep-alive
    // connection does not hold two 16 KiB buffers.
    SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_AUTO_RETRY |
                          SSL_MODE_RELEASE_BUFFERS);
    SSL_set_verify(ssl, SSL_get_verify_mode(ssl), &keepVerdict);
    BIO* bio = BIO_new(socketMethod());
    if (!bio)
        throw setupError("Cannot create a TLS connection");
    BIO_set_fd(bio, fd, BIO_NOCLOSE);
    SSL_set_bio(ssl, bio, bio); // one reference, owned by ssl from here
    if (isServer)
        SSL_set_accept_state(ssl);
    else
        SSL_set_connect_state(ssl);
}

TlsTransport::~TlsTransport()
{
    // SSL_free would mark the session of a connection that sent no close_notify as not
    // resumable (an SSL 3.0 / TLS 1.0 rule that TLS 1.1 dropped, RFC 5246 7.2.1), and it is the
    // very SSL_SESSION the caller cached from session(). porticod closes idle upstream
    // connections without close_notify, so claim it was sent: only a flag, nothing is written.
    // Fatal alerts still invalidate the session (OpenSSL does that when one is sent or received).
    SSL_set_shutdown(ssl_.get(), SSL_get_shutdown(ssl_.get()) | SSL_SENT_SHUTDOWN);
}

void TlsTransport::setUpClient(const std::string& serverName, bool verifyHost, SSL_SESSION* resume)
{
    SSL* ssl = ssl_.get();
    const std::string host = withoutBrackets(serverName);
    const bool ipLiteral = isIpLiteral(host);
    // RFC 6066: SNI carries host names only, never addresses.
    if (!host.empty() && !ipLiteral && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1)
        throw setupError("Cannot set the TLS server name " + host);
    if (verifyHost)
    {
        if (host.empty())
            throw Poco::Net::SSLException("Cannot verify a TLS server without its name");
        X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        const int set = ipLiteral ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                                  : X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
        if (set != 1)
            throw setupError("Cannot set the TLS name to verify " + host);
        SSL_set_verify(ssl, SSL_VERIFY_PEER, &keepVerdict);
    }
    // A session OpenSSL refuses (another protocol version) only costs a full handshake.
    if (resume)
        SSL_set_session(ssl, resume);
    ERR_clear_error();
}

long TlsTransport::read(char* buffer, std::size_t size)
{
    if (failed_)
        return Error;
    if (size == 0)
        return WouldBlock;
    const char* what = established() ? "TLS read failed" : "TLS handshake failed";
    ERR_clear_error();
    errno = 0;
    std::size_t got = 0;
    const int result = SSL_read_ex(ssl_.get(), buffer, size, &got);
    const int savedErrno = errno;
    if (result == 1)
    {
        want_ = Want::Nothing;
        return static_cast<long>(got);
    }
    const long status = outcome(result, savedErrno, what);
    if (status == Eof && !server_ && !established())
        return fail(what, "the server closed the connection");
    return status;
}

long TlsTransport::writev(const iovec* parts, int count)
{
    if (failed_)
        return Error;
    Cursor at{parts, count};
    at.skip(0);
    long taken = 0;
    if (blocked_ > 0 && !at.done() && at.left() < blocked_)
    {
        taken = writeGathered(at.parts + at.index, at.count - at.index);
        if (taken <= 0)
            return taken;
        at.skip(static_cast<std::size_t>(taken));
    }
    while (!at.done())
    {
        const long written = writeRecord(at.data(), std::min(at.left(), RecordSize));
        if (written <= 0)
            return written == Error ? Error : taken;
        taken += written;
        at.skip(static_cast<std::size_t>(written));
    }
    return taken;
}

/// SSL_write after WANT_READ/WANT_WRITE must offer at least the blocked write's length (OpenSSL
/// has encrypted up to that much already and checks it: "bad length", "bad write retry"); the
/// content is not looked at again. When the owner now splits its bytes so that the first part
/// is shorter, the leading blocked_ bytes are gathered into one buffer for the retry.
long TlsTransport::writeGathered(const iovec* parts, int count)
{
    gathered_.clear();
    for (int i = 0; i < count && gathered_.size() < blocked_; ++i)
    {
        const char* base = static_cast<const char*>(parts[i].iov_base);
        const std::size_t wanted = std::min(parts[i].iov_len, blocked_ - gathered_.size());
        gathered_.insert(gathered_.end(), base, base + wanted);
    }
    if (gathered_.size() < blocked_)
        return fail("TLS write failed", "a blocked write was retried with fewer bytes");
    return writeRecord(gathered_.data(), gathered_.size());
}

long TlsTransport::writeRecord(const char* data, std::size_t size)
{
    const char* what = established() ? "TLS write failed" : "TLS handshake failed";
    ERR_clear_error();
    errno = 0;
    std::size_t written = 0;
    const int result = SSL_write_ex(ssl_.get(), data, size, &written);
    const int savedErrno = errno;
    if (result == 1)
    {
        blocked_ = 0;
        want_ = Want::Nothing;
        return static_cast<long>(written);
    }
    const long status = outcome(result, savedErrno, what);
    if (status == WouldBlock)
        blocked_ = size;
    else if (status == Eof) // once the peer's FIN or close_notify was read, SSL_get_error says
        // ZERO_RETURN even for a failed send; errno has the real cause (EPIPE, ECONNRESET)
        return fail(what, savedErrno != 0 ? std::strerror(savedErrno) : "the connection is closed");
    return status;
}

long TlsTransport::handshake()
{
    if (failed_)
        return Error;
    if (SSL_is_init_finished(ssl_.get()))
        return 1;
    const char* what = "TLS handshake failed";
    ERR_clear_error();
    errno = 0;
    const int result = SSL_do_handshake(ssl_.get());
    const int savedErrno = errno;
    if (result == 1)
    {
        want_ = Want::Nothing;
        return 1;
    }
    const long status = outcome(result, savedErrno, what);
    if (status == Eof)
        return fail(what, "the peer closed the connection");
    return status;
}

/// Maps a failed SSL call to WouldBlock (remembering the direction), Eof or Error.
long TlsTransport::outcome(int result, int savedErrno, const char* what)
{
    switch (SSL_get_error(ssl_.get(), result))
    {
    case SSL_ERROR_WANT_READ:
        want_ = Want::Read;
        return WouldBlock;
    case SSL_ERROR_WANT_WRITE:
        want_ = Want::Write;
        return WouldBlock;
    case SSL_ERROR_ZERO_RETURN: // close_notify, or a bare TCP FIN (SSL_OP_IGNORE_UNEXPECTED_EOF)
        ERR_clear_error();
        return Eof;
    case SSL_ERROR_SYSCALL: // the socket failed; errno 0 with an empty queue: EOF
        if (ERR_peek_error() == 0)
            return savedErrno == 0 ? Eof : fail(what, std::strerror(savedErrno));
        break;
    default:
        break;
    }
    return fail(what, takeErrors(true));
}

long TlsTransport::fail(const char* what, const std::string& reason)
{
    std::string why = reason.empty() ? "unknown error" : reason;
    const std::string verify = peerVerifyError();
    if (!verify.empty() && why.find("certificate verify failed") != std::string::npos)
        why += " (" + verify + ")";
    error_ = std::string(what) + ": " + why;
    failed_ = true; // OpenSSL must not be called again after a fatal error (SSL_shutdown included)
    want_ = Want::Nothing;
    return Error;
}

void TlsTransport::shutdownSend()
{
    if (!failed_ && SSL_is_init_finished(ssl_.get()))
    {
        // Sends close_notify. Returns 0 ("the peer's close_notify has not come yet"), which is
        // all we want; WANT_WRITE drops it: the FIN below still ends the stream.
        ERR_clear_error();
        SSL_shutdown(ssl_.get());
        ERR_clear_error();
    }
    ::shutdown(fd(), SHUT_WR);
}

bool TlsTransport::established() const
{
    // False again after a fatal error: OpenSSL puts the state machine back "in init".
    return SSL_is_init_finished(ssl_.get()) == 1;
}

SSL_SESSION* TlsTransport::session() const
{
    SSL_SESSION* session = SSL_get1_session(ssl_.get());
    if (session && !SSL_SESSION_is_resumable(session))
    {
        SSL_SESSION_free(session);
        return nullptr;
    }
    return session;
}

bool TlsTransport::resumed() const
{
    return SSL_session_reused(ssl_.get()) == 1;
}

std::string TlsTransport::peerVerifyError() const
{
    const long result = SSL_get_verify_result(ssl_.get());
    return result == X509_V_OK ? std::string() : X509_verify_cert_error_string(result);
}

bool TlsTransport::closeNotifyReceived() const
{
    // With SSL_OP_IGNORE_UNEXPECTED_EOF, OpenSSL 3 marks a bare EOF as SSL_RECEIVED_SHUTDOWN as
    // well; only then has the socket BIO itself read the end of the stream (without read-ahead
    // OpenSSL reads records to their exact length, so a close_notify is taken without the FIN
    // behind it).
    if (!(SSL_get_shutdown(ssl_.get()) & SSL_RECEIVED_SHUTDOWN))
        return false;
    BIO* bio = SSL_get_rbio(ssl_.get());
    return bio && BIO_eof(bio) == 0;
}

std::string TlsTransport::protocol() const
{
    return SSL_get_version(ssl_.get());
}

} // namespace portico
