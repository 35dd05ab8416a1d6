#pragma once
// One call to an upstream, on the event loop of the exchange that made it: resolve, connect (or
// reuse a pooled connection), TLS handshake, send, read the answer's head (strict parser,
// interim 1xx skipped) and body (length, chunks or until close), hand it to the UpstreamHandler,
// give the connection back to the pool, or fail. Retries: a failure to connect, within
// UpstreamEndpoint::retries, after a jittered exponential backoff; a 502/503 when the request
// asks; and once, uncounted, a pooled connection that turns out to be closed before any byte of
// the answer arrived. Every per-attempt field lives in Attempt and is reset for each attempt.
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
        Idle,       ///< between attempts (resolving, backing off)
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
        std::string out; ///< the request's head and body
        std::size_t sent = 0;
        std::string in;  ///< answer bytes not consumed yet
        ResponseHeadParser parser;
        ResponseHead head;
        int interim = 0;
        ChunkedDecoder chunked;
        std::uint64_t bodyLeft = 0; ///< Content-Length framing: bytes still due
        std::uint64_t bodyDelivered = 0;
        std::uint64_t received = 0; ///< answer bytes read on this connection
        bool draining = false;      ///< a 502/503 that will be retried: read, not delivered
    };

    void startAttempt();
    void connectTo(const std::vector<ResolvedAddress>& addresses);
    void onConnected();
    void continueHandshake();
    void writeRequest();
    void readAnswer();
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
    bool headDelivered_ = false;
    bool paused_ = false;
    bool abandoned_ = false;
    EventLoop::TimerId deadlineTimer_ = 0;
    std::chrono::steady_clock::time_point timerAt_;
    std::chrono::steady_clock::time_point deadline_;
    EventLoop::TimerId backoffTimer_ = 0;
};

} // namespace portico
