#pragma once
// One call to an upstream, on the event loop of the exchange that made it: resolve, connect (or
// reuse a pooled connection), TLS handshake, send, read the answer's head (strict parser,
// interim 1xx skipped) and body (length, chunks or until close), hand it to the UpstreamHandler,
// give the connection back to the pool, or fail. Retries: a failure to connect, within
// UpstreamEndpoint::retries, after a jittered exponential backoff; a 503 (a 502 only for a
// replayable request, see below) when the request asks; and once, uncounted, a pooled connection
// that turns out to be closed before any byte of the answer arrived, when the request was not
// completely written or is replayable. Every per-attempt field lives in Attempt and is reset for
// each attempt.
//
// A streamed body (UpstreamRequest::bodyStream) goes out as it arrives, with the client's
// Content-Length or chunked; once a byte of it was taken nothing is retried (the bytes are
// gone). An answer that comes while it is still going out is read and delivered; the rest of
// the body keeps going until the answer ends (then the connection is not reused).
//
// Replayable (Go's net/http rule): an idempotent method (GET, HEAD, OPTIONS, TRACE, PUT, DELETE)
// or an Idempotency-Key / X-Idempotency-Key header. A request that was written completely may
// have been processed, so only a replayable one is sent again after that.
//
// A connection goes back to the pool only when it is surely reusable: the request was written
// completely, the answer was framed (not ended by the close) and allowed keep-alive, no byte
// followed it, and the upstream did not hang up. Sockets are edge-triggered, so a hang-up or
// bytes that arrived with the answer's last bytes raise no later event: every event's
// EPOLLRDHUP/EPOLLHUP/EPOLLERR is remembered for the attempt, and when the socket may still hold
// unread bytes (the last read filled the buffer, TLS, a pause) one more read must find nothing.
//
// Lifetime: shared, held by the UpstreamCall handle and by itself while it works; destroying the
// handle calls abandon(), after which no callback runs and the connection (unless it is back in
// the pool) is closed at once. Handler callbacks go through the exchange's host (invoke), which
// catches exceptions; after each, the call checks whether it was abandoned meanwhile.

#include "api/ExchangeHost.h"
#include "http/MessageHead.h"
#include "portico/Upstream.h"
#include "upstream/Resolver.h"
#include "upstream/UpstreamConnection.h"
#include "upstream/UpstreamPool.h"
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace Poco::Net {
class Context;
}

namespace portico {

class UpstreamExchange : public UpstreamConnection::Owner, public std::enable_shared_from_this<UpstreamExchange>
{
public:
    UpstreamExchange(std::shared_ptr<UpstreamPool> pool, Resolver& resolver, SSL_CTX* tls, ExchangeHost& host,
                     Exchange& exchange, UpstreamRequest request, UpstreamHandler& handler);
    ~UpstreamExchange() override;

    /// Begins the first attempt (callbacks come later, from the loop).
    void begin();
    /// The handle was destroyed: no callback any more, the connection closes.
    void abandon();
    void pause();
    void resume();

    void connectionEvent(UpstreamConnection& connection, std::uint32_t events) override;

private:
    enum class Phase
    {
        Idle,       ///< between attempts (backing off)
        Resolving,  ///< waiting for the resolver (the connect timeout runs)
        Connecting,
        Handshaking,
        Sending,    ///< the request is being written (an early answer is read too)
        Head,       ///< waiting for the answer's head
        Body,
        Done
    };

    /// Everything that belongs to one attempt; reset before each.
    struct Attempt
    {
        std::unique_ptr<UpstreamConnection> connection;
        bool reused = false;
        std::string out; ///< the request's head and body (a streamed body: its next piece)
        std::size_t sent = 0;
        bool headQueued = false; ///< out was filled with the request's head
        bool bodyEnded = false;  ///< a streamed body: its last piece (or terminating chunk) is in out
        std::string sendError; ///< why writing the request failed (then nothing more is written)
        std::string in;  ///< answer bytes not consumed yet
        ResponseHeadParser parser;
        ResponseHead head;
        int interim = 0;
        ChunkedDecoder chunked;
        std::uint64_t bodyLeft = 0; ///< Content-Length framing: bytes still due
        std::uint64_t bodyDelivered = 0;
        std::uint64_t received = 0; ///< answer bytes read on this connection
        bool draining = false;      ///< a 502/503 that will be retried: read, not delivered
        bool peerClosed = false;    ///< a hang-up (RDHUP, HUP, ERR, EOF) was seen: not reusable
        /// The socket was read until it had nothing more (false: bytes may be waiting unseen).
        bool readToEnd = true;
    };

    void startAttempt();
    void connectTo(const std::vector<ResolvedAddress>& addresses);
    void onConnected();
    void continueHandshake();
    void writeRequest();
    /// A streamed body (UpstreamRequest::bodyStream): its next bytes into attempt_.out; false
    /// when there are none yet (or no more).
    bool takeBody();
    /// The streamed body has bytes, ended or failed.
    void bodyArrived();
    /// The whole request (head and body) went out on this attempt's connection.
    bool requestWritten() const;
    /// A streamed body is still going out on this attempt.
    bool sendingBody() const;
    /// The request could not be written: read what the upstream sent before it closed.
    void afterSendFailure();
    void readAnswer();
    /// The connection ended (Eof, or a read Error saying `why`): the end of a close-delimited
    /// answer, a stale pooled connection to retry on, or a failure.
    void connectionLost(bool eof, const std::string& why);
    /// The request may be sent again after it was written completely (see the header comment).
    bool replayable() const;
    /// The attempt's connection can carry another request (checked once its answer ended).
    bool reusable();
    /// Consumes attempt_.in; false when the call ended (or was abandoned) meanwhile.
    bool consume();
    bool consumeHead();
    bool consumeBody();
    void finish();
    /// A busy answer was read to its end: keep the connection for the retry, then retry.
    void drained();
    void fail(UpstreamFailure::Kind kind, const std::string& what, bool retryable);
    void retryAfterBackoff(const std::string& why);
    void dropConnection();
    void armDeadline(std::chrono::milliseconds timeout);
    void armTimer();
    void onDeadline();
    std::string requestBytes() const;
    std::string describe() const;

    /// Runs a handler callback through the exchange's host; false when the call was abandoned
    /// (or ended) during it.
    template <typename Callback>
    bool deliver(Callback&& callback);

    std::shared_ptr<UpstreamPool> pool_;
    Resolver& resolver_;
    SSL_CTX* tls_;
    ExchangeHost& host_;
    Exchange& exchange_;
    const UpstreamRequest request_;
    UpstreamHandler* handler_;
    EventLoop& loop_;

    Phase phase_ = Phase::Idle;
    Attempt attempt_;
    int attempts_ = 0;
    int connectRetries_ = 0;
    int busyRetries_ = 0;
    bool staleRetried_ = false;
    /// Bytes of a streamed body were taken from it: they cannot be sent again, so no retry.
    bool bodyTaken_ = false;
    bool headDelivered_ = false;
    bool paused_ = false;
    bool abandoned_ = false;
    EventLoop::TimerId deadlineTimer_ = 0;
    std::chrono::steady_clock::time_point timerAt_;
    std::chrono::steady_clock::time_point deadline_;
    EventLoop::TimerId backoffTimer_ = 0;
};

} // namespace portico
