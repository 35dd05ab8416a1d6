#pragma once
// TLS on a connected non-blocking socket, driving libssl directly (POCO 1.11's NetSSL cannot do
// non-blocking I/O). The SSL_CTX comes from a Poco::Net::Context that the caller owns and keeps
// alive for as long as the transport exists; this class never frees it. The socket is not owned
// either: the owner closes it after destroying (or while still holding) the transport, and
// destroying the transport writes nothing to it.
//
// The handshake runs implicitly inside the first read()/writev() calls, or explicitly through
// handshake() (the upstream client calls it right after connect, to tell "TLS failed" apart from
// "the request failed"). Every call is non-blocking, throws nothing and clears the thread's
// OpenSSL error queue before it starts (the queue is per thread and shared with everything else
// that thread runs).
//
// Write retries. OpenSSL may have encrypted a record it could not send yet; its SSL_write
// contract is that the next write repeats the same bytes. This class relies on the owner doing
// what Transport asks anyway: bytes not counted as taken stay at the front of the next writev()
// call, in the same order (they may sit at another address and be split differently into parts:
// SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER allows the move, and a first part shorter than the blocked
// write is gathered into a small internal copy, see writev()).

#include "event/Transport.h"
#include <openssl/ssl.h>
#include <memory>
#include <string>
#include <vector>

namespace portico {

class TlsTransport : public Transport
{
public:
    /// The direction the last WouldBlock (from read, writev or handshake) waits for. During a
    /// handshake or a TLS 1.3 key update a read may wait for the socket to become writable and
    /// a write for it to become readable.
    enum class Want
    {
        Nothing,
        Read,
        Write
    };

    /// Accepts a TLS connection on `fd`. Throws Poco::Net::SSLException when SSL_new fails.
    static std::unique_ptr<TlsTransport> server(int fd, SSL_CTX* context);
    /// Starts a TLS connection on `fd`. `serverName` goes out as SNI unless it is an IP literal;
    /// with `verifyHost` the peer must present a certificate valid for it (chain checked against
    /// the context's CA store, SSL_VERIFY_PEER forced on); without, the context's own verify mode
    /// applies and the name is not checked. `resume` (may be null) is offered for resumption;
    /// the caller keeps its reference. Throws Poco::Net::SSLException on a setup failure.
    static std::unique_ptr<TlsTransport> client(int fd, SSL_CTX* context, const std::string& serverName,
                                                bool verifyHost, SSL_SESSION* resume);

    ~TlsTransport() override;
    TlsTransport(const TlsTransport&) = delete;
    TlsTransport& operator=(const TlsTransport&) = delete;

    /// Returns decrypted bytes while OpenSSL holds any (they are invisible to epoll), then
    /// WouldBlock. Eof for close_notify or a peer that closed the TCP stream without it; also
    /// for a client that goes away before finishing its handshake (server side only: for a client
    /// transport a server closing mid-handshake is an Error). `size` 0 returns WouldBlock.
    long read(char* buffer, std::size_t size) override;
    /// Encrypts and sends the parts in order, at most one TLS record per SSL_write, until one
    /// blocks. Returns the bytes taken (0: nothing, wait for wants()), or Error. See the header
    /// comment for what a retry must pass.
    long writev(const iovec* parts, int count) override;
    /// Sends close_notify once (best effort: if the socket is full it is dropped), then
    /// shutdown(SHUT_WR). Call it after everything written was taken. Reading stays possible.
    void shutdownSend() override;
    std::string lastError() const override { return error_; }
    bool established() const override;
    bool encrypted() const override { return true; }

    /// Drives the handshake: 1 done, 0 (WouldBlock) wait for wants(), Error. A peer closing
    /// during the handshake is an Error.
    long handshake();
    /// The session to offer to the next connection to the same server (SSL_get1_session: the
    /// caller frees it with SSL_SESSION_free), or null when there is none that can be resumed.
    /// With TLS 1.3 the server sends its tickets after the handshake: ask after the first
    /// answer bytes have been read, not right after handshake().
    SSL_SESSION* session() const;
    /// True when the handshake resumed the session given to client().
    bool resumed() const;
    /// Why the peer's certificate failed verification ("hostname mismatch"), "" when it passed
    /// or was not checked. With verification off the result is still recorded, not enforced.
    std::string peerVerifyError() const;
    /// True once the peer's close_notify has been read. read() reports Eof for it and, because
    /// of SSL_OP_IGNORE_UNEXPECTED_EOF, also for a TCP FIN without one (which OpenSSL then
    /// records as a received shutdown too): this tells the two apart. Where the end of the
    /// stream ends a message (an HTTP body delimited by the close), only close_notify proves
    /// that nothing was cut off.
    bool closeNotifyReceived() const;
    /// The negotiated protocol ("TLSv1.3"), for logs.
    std::string protocol() const;
    Want wants() const { return want_; }

private:
    struct SslFree
    {
        void operator()(SSL* ssl) const;
    };

    TlsTransport(int fd, SSL_CTX* context, bool isServer);
    void setUpClient(const std::string& serverName, bool verifyHost, SSL_SESSION* resume);

    long writeRecord(const char* data, std::size_t size);
    long writeGathered(const iovec* parts, int count);
    long outcome(int result, int savedErrno, const char* operation);
    long fail(const char* operation, const std::string& reason);

    std::unique_ptr<SSL, SslFree> ssl_;
    bool server_;
    bool failed_ = false;
    Want want_ = Want::Nothing;
    /// Length of the SSL_write that last returned WANT_*: the next write must offer at least
    /// that many bytes, the same ones (0: no write is pending).
    std::size_t blocked_ = 0;
    std::vector<char> gathered_;
    std::string error_;
};

} // namespace portico
