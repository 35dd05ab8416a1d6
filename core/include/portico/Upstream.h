#pragma once
/// The core's HTTP/1.1 client for upstreams: non-blocking, on the event loop that owns the
/// client's connection, with a pool of keep-alive connections per upstream and loop, retries,
/// TLS (certificate and host name verification, session resumption) and answers parsed as
/// strictly as requests are (RFC 9112: an answer with conflicting framing, or a CR, LF or NUL in
/// a header, is refused, so nothing an upstream sends can split the client's answer).
///
/// A plugin asks its PluginContext for a client per upstream, in its constructor:
///
///     UpstreamEndpoint endpoint;   // from the plugin's configuration
///     std::shared_ptr<UpstreamClient> upstream = context.upstream(endpoint);
///
/// and starts calls from a DeferredAnswer (Deferred.h), which receives the answer through
/// UpstreamHandler callbacks on the loop:
///
///     void start(Exchange& exchange) override
///     {
///         call_ = upstream_->start(exchange, std::move(request), *this);
///     }
///     void onHead(const UpstreamAnswer& answer) override { ... }
///     void onBody(std::string_view bytes) override { ... exchange.stream().write(...) ... }
///     void onEnd() override { ... }
///     void onError(const UpstreamFailure& failure) override { ... }
///
/// The callbacks run on the exchange's loop, one at a time, after start() has returned; an
/// exception from one fails the exchange as one from the task would (Deferred.h). After onEnd or
/// onError nothing more is called. Destroying the UpstreamCall abandons the call: a connection
/// still in use is closed at once (the upstream stops generating); one whose answer ended
/// cleanly is already back in the pool (see "Keep-alive" below).
///
/// Lifetimes. The UpstreamCall keeps plain references to the Exchange and to the handler, so:
/// the handler must outlive the call, and the call must not outlive the exchange. Keep the
/// call in the DeferredAnswer (which is the handler, as above) and drop it in the deferred
/// answer's cancel() and destructor at the latest; after that no callback comes.
///
/// Retries (within UpstreamEndpoint::retries, after a jittered exponential backoff, and only
/// before onHead):
///  - a failure to connect (refused, unreachable, name resolution, TLS handshake, the connect
///    timeout; not a certificate that fails verification): nothing was sent;
///  - a pooled keep-alive connection that turns out to be closed before any byte of the answer
///    came (once, not counted): when the request was not written completely, or when it is
///    replayable. A request written completely may have been processed by the upstream, so one
///    that is not replayable fails instead (UpstreamFailure::Broken);
///  - with UpstreamRequest::retryBusy, a 503 (the upstream did not process the request), and a
///    502 only for a replayable request.
/// Replayable follows Go's net/http: an idempotent method (GET, HEAD, OPTIONS, TRACE, PUT,
/// DELETE) or an Idempotency-Key (or X-Idempotency-Key) header. Read timeouts and failures after
/// the answer began are never retried.
///
/// Keep-alive. A connection goes back to this loop's pool only when the request was written
/// completely, the answer was framed by Content-Length or chunking (not ended by the close),
/// allowed keep-alive, and nothing followed it: no byte after its end and no sign that the
/// upstream closed or reset the connection. An idle pooled connection that the upstream closes
/// (or sends anything on) is dropped at once.
///
/// An answer without Content-Length or chunking ends when the upstream closes the connection
/// (RFC 9112 6.3). Over plain TCP a close is taken as that end (HTTP/1.1 allows it; nothing can
/// tell it from a connection cut at that point). Over TLS the upstream must end it with
/// close_notify: a bare TCP close may be a truncation, and fails the call (Broken, after onHead).

#include "portico/Api.h"
#include "portico/HeaderList.h"
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace portico {

class BodyStream;
class Exchange;

/// Where an upstream is and how to talk to it.
struct PORTICO_API UpstreamEndpoint
{
    /// For messages and metrics ("default", "vllm").
    std::string name;
    /// The URL it came from, for messages ("http://127.0.0.1:9000/v1").
    std::string url;
    bool tls = false;
    std::string host;
    unsigned short port = 80;
    /// TLS: a PEM file with the CAs that sign the upstream's certificate; empty: the system's.
    std::string caFile;

    /// Name resolution, TCP connect and TLS handshake together (like Go's Dialer.Timeout).
    std::chrono::milliseconds connectTimeout{5000};
    /// The longest wait for the next bytes of an answer: the first byte, and every gap after.
    /// While the request is still being written, also the longest gap between its writes.
    std::chrono::milliseconds readTimeout{600000};
    /// An idle pooled connection is closed after this long.
    std::chrono::milliseconds idleTimeout{4000};
    /// Idle keep-alive connections kept per event loop; 0: a connection per call (Connection:
    /// close).
    std::size_t poolSize = 64;
    /// Extra attempts after a failure to connect (and, for calls that ask, a 503, or a 502 of a
    /// replayable request; see the header comment).
    int retries = 2;
    /// Base of the jittered exponential backoff between attempts.
    std::chrono::milliseconds retryBackoff{100};

    /// What tells two endpoints apart (pools are shared by equal endpoints, across reloads).
    std::string identity() const;
};

/// One request. This library sets Host (the endpoint's), the body's framing (Content-Length,
/// or chunked for a streamed body without a length) and Connection itself: such headers in
/// `headers` are left out, and so is Transfer-Encoding. The other headers are sent as given, in order, except
/// that a header whose name is not an RFC 9110 token (empty, a space, a colon, a control byte)
/// or whose value contains CR, LF or NUL is left out too: silently (the call goes on without
/// it; nothing fails and nothing is logged), so that no header can split or bend the request.
struct UpstreamRequest
{
    std::string method = "POST";
    /// The path and query below the upstream's root, as sent ("/v1/chat/completions").
    std::string target;
    HeaderList headers;
    std::string body;
    /// Instead of `body`: a body sent as it arrives (Exchange::bodyStream() of a streamed-body
    /// route), with its Content-Length when it has one, else chunked. Once a byte of it has
    /// been sent the call is not retried. Read on the loop until the answer ends.
    std::shared_ptr<BodyStream> bodyStream;
    /// Retry a 503 answer, and a 502 of a replayable request (within UpstreamEndpoint::retries,
    /// see the header comment): for calls whose answer is read whole. Without it a 502 or 503 is
    /// passed on like any answer.
    bool retryBusy = false;
    /// The longest answer body accepted (bytes of body, after chunked decoding); longer fails
    /// with UpstreamFailure::TooLarge. 0: no limit (the handler bounds what it keeps).
    std::size_t maxBodyBytes = 0;
};

/// The status and headers of the final answer (interim 1xx answers are skipped).
struct UpstreamAnswer
{
    int status = 0;
    HeaderList headers;
    /// The Content-Type header, or empty.
    std::string contentType;
};

struct PORTICO_API UpstreamFailure
{
    enum class Kind
    {
        Connect,  ///< could not connect (refused, unresolvable, TLS handshake or verification)
        Timeout,  ///< connect or read timeout
        Protocol, ///< the answer was malformed (framing, header bytes, a final 1xx)
        TooLarge, ///< the body passed UpstreamRequest::maxBodyBytes
        Broken    ///< the connection broke mid-answer (or closed before its end)
    };
    Kind kind = Kind::Broken;
    /// One line naming the upstream and what went wrong; never a key.
    std::string message;
    /// The answer's head had been delivered (onHead ran) before the failure.
    bool afterHead = false;
    /// Attempts made (1 + retries used).
    int attempts = 1;

    /// The status a gateway answers for it: 504 for a timeout, 502 otherwise.
    int status() const { return kind == Kind::Timeout ? 504 : 502; }
    /// OpenAI-style code: upstream_unreachable, upstream_timeout or upstream_error.
    const char* code() const;
};

class PORTICO_API UpstreamHandler
{
public:
    virtual ~UpstreamHandler();
    virtual void onHead(const UpstreamAnswer& answer) = 0;
    /// Body bytes as they arrive (chunked coding removed). Never empty.
    virtual void onBody(std::string_view bytes) = 0;
    /// The answer is complete.
    virtual void onEnd() = 0;
    virtual void onError(const UpstreamFailure& failure) = 0;
};

/// A call in progress. Destroying it abandons the call (see above). It refers to the exchange
/// and the handler it was started with: destroy it before either goes (the handler's cancel()
/// and destructor, for a DeferredAnswer).
class PORTICO_API UpstreamCall
{
public:
    virtual ~UpstreamCall();
    /// Stop reading the answer (the client is not draining); bytes wait in the kernel, and the
    /// upstream slows down when its window fills.
    virtual void pause() = 0;
    /// Read again after pause().
    virtual void resume() = 0;
};

class PORTICO_API UpstreamClient
{
public:
    virtual ~UpstreamClient();
    /// Starts `request` for `exchange`, whose event loop runs the call and the callbacks. Call
    /// it from the loop (a DeferredAnswer's start() or later). The first callback comes after
    /// this returns. `exchange` and `handler` are referred to, not copied: the returned call
    /// must be destroyed before either of them.
    virtual std::unique_ptr<UpstreamCall> start(Exchange& exchange, UpstreamRequest request,
                                                UpstreamHandler& handler) = 0;
    virtual const UpstreamEndpoint& endpoint() const = 0;
};

} // namespace portico
