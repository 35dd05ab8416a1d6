#include "upstream/UpstreamExchange.h"
#include "event/TlsTransport.h"
#include "http/ResponseHead.h"
#include "portico/BodyStream.h"
#include "portico/AsciiCase.h"
#include "Poco/Logger.h"
#include <algorithm>
#include <random>
#include <sys/epoll.h>

namespace portico {

namespace {

constexpr int MaxInterimAnswers = 16;
/// The most of a busy answer (502/503 about to be retried) read to keep its connection.
constexpr std::uint64_t DrainLimit = 64 * 1024;

Poco::Logger& logger()
{
    static Poco::Logger& instance = Poco::Logger::get("portico.upstream");
    return instance;
}

/// A header value we can put on the wire as it is.
bool sendable(std::string_view text)
{
    for (const char c : text)
        if (c == '\r' || c == '\n' || c == '\0')
            return false;
    return true;
}

/// RFC 9110 5.1: a field name is a token. Anything else ("Transfer-Encoding " with a space, a
/// colon, a control byte) could be read differently by the upstream and is never sent.
bool token(std::string_view name)
{
    if (name.empty())
        return false;
    for (const char c : name)
    {
        const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos)
            return false;
    }
    return true;
}

bool ownedHeader(std::string_view name)
{
    return equalsIgnoringCase(name, "Host") || equalsIgnoringCase(name, "Content-Length") ||
           equalsIgnoringCase(name, "Connection") || equalsIgnoringCase(name, "Transfer-Encoding");
}

/// A header of the request that goes on the wire (requestBytes() leaves the others out).
bool sentHeader(std::string_view name, std::string_view value)
{
    return token(name) && sendable(value) && !ownedHeader(name);
}

/// RFC 9110 9.2.2 (CONNECT and PATCH are not; methods are case-sensitive).
bool idempotentMethod(std::string_view method)
{
    return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE" || method == "PUT" ||
           method == "DELETE";
}

/// Retry n (from 0) waits a random time in [d/2, d], d = min(base * 2^n, 32 * base).
std::chrono::milliseconds backoff(int retry, std::chrono::milliseconds base)
{
    const long long cap = 32 * base.count();
    long long delay = base.count();
    for (int i = 0; i < retry && delay < cap; ++i)
        delay *= 2;
    delay = std::min(delay, cap);
    thread_local std::mt19937 random{std::random_device{}()};
    std::uniform_int_distribution<long long> pick(delay / 2, std::max(delay / 2, delay));
    return std::chrono::milliseconds(pick(random));
}

} // namespace

UpstreamExchange::UpstreamExchange(std::shared_ptr<UpstreamPool> pool, Resolver& resolver, SSL_CTX* tls,
                                   ExchangeHost& host, Exchange& exchange, UpstreamRequest request,
                                   UpstreamHandler& handler)
    : pool_(std::move(pool)),
      resolver_(resolver),
      tls_(tls),
      host_(host),
      exchange_(exchange),
      request_(std::move(request)),
      handler_(&handler),
      loop_(pool_->loop())
{
}

UpstreamExchange::~UpstreamExchange()
{
    if (deadlineTimer_)
        loop_.cancel(deadlineTimer_);
    if (backoffTimer_)
        loop_.cancel(backoffTimer_);
    dropConnection();
}

std::string UpstreamExchange::describe() const
{
    const UpstreamEndpoint& endpoint = pool_->endpoint();
    return "upstream '" + endpoint.name + "' (" + endpoint.url + ")";
}

template <typename Callback>
bool UpstreamExchange::deliver(Callback&& callback)
{
    if (abandoned_ || !handler_)
        return false;
    const auto keep = shared_from_this(); // the handle may go inside the callback
    UpstreamHandler& handler = *handler_;
    host_.invoke([&] { callback(handler); });
    return !abandoned_;
}

void UpstreamExchange::begin()
{
    // The first callback must come after UpstreamClient::start() has returned.
    std::weak_ptr<UpstreamExchange> weak = shared_from_this();
    loop_.post([weak] {
        if (auto self = weak.lock(); self && !self->abandoned_)
            self->startAttempt();
    });
    if (request_.bodyStream)
        request_.bodyStream->setListener([weak] {
            if (auto self = weak.lock())
                self->bodyArrived();
        });
}

void UpstreamExchange::abandon()
{
    abandoned_ = true;
    handler_ = nullptr;
    if (request_.bodyStream)
        request_.bodyStream->setListener(nullptr);
    if (deadlineTimer_)
        loop_.cancel(deadlineTimer_);
    deadlineTimer_ = 0;
    if (backoffTimer_)
        loop_.cancel(backoffTimer_);
    backoffTimer_ = 0;
    phase_ = Phase::Done;
    dropConnection(); // the upstream stops working for a client that left
}

void UpstreamExchange::pause()
{
    paused_ = true;
}

void UpstreamExchange::resume()
{
    if (!paused_)
        return;
    paused_ = false;
    deadline_ = std::chrono::steady_clock::now() + pool_->endpoint().readTimeout;
    // Not from inside the caller's frame (a DeferredAnswer's resume()): on the next turn.
    std::weak_ptr<UpstreamExchange> weak = shared_from_this();
    loop_.post([weak] {
        auto self = weak.lock();
        if (!self || self->abandoned_ || self->paused_ || self->phase_ == Phase::Done)
            return;
        if (self->consume() && self->phase_ != Phase::Done)
            self->readAnswer();
    });
}

void UpstreamExchange::startAttempt()
{
    attempt_ = Attempt();
    ++attempts_;
    phase_ = Phase::Idle;
    if (!staleRetried_ || attempts_ == 1)
    {
        if (auto pooled = pool_->take())
        {
            attempt_.connection = std::move(pooled);
            attempt_.reused = true;
            attempt_.connection->setOwner(this);
            phase_ = Phase::Sending;
            armDeadline(pool_->endpoint().readTimeout);
            writeRequest();
            return;
        }
    }
    const UpstreamEndpoint& endpoint = pool_->endpoint();
    // The connect timeout covers the name's resolution, the TCP connect and the TLS handshake
    // (as Go's Dialer.Timeout does): a resolver that never answers fails the attempt too.
    phase_ = Phase::Resolving;
    armDeadline(endpoint.connectTimeout);
    std::weak_ptr<UpstreamExchange> weak = shared_from_this();
    const int attempt = attempts_;
    resolver_.resolve(endpoint.host, endpoint.port, loop_,
                      [weak, attempt](std::vector<ResolvedAddress> addresses, std::string error) {
                          auto self = weak.lock();
                          // A late answer (the attempt timed out, failed or was retried) is dropped.
                          if (!self || self->abandoned_ || self->attempts_ != attempt ||
                              self->phase_ != Phase::Resolving)
                              return;
                          if (addresses.empty())
                              return self->fail(UpstreamFailure::Kind::Connect,
                                                "cannot resolve " + self->pool_->endpoint().host + ": " + error, true);
                          self->connectTo(addresses);
                      });
}

void UpstreamExchange::connectTo(const std::vector<ResolvedAddress>& addresses)
{
    const ResolvedAddress& address = addresses[static_cast<std::size_t>(attempts_ - 1) % addresses.size()];
    try
    {
        attempt_.connection = std::make_unique<UpstreamConnection>(loop_, address);
    }
    catch (const std::exception& e)
    {
        return fail(UpstreamFailure::Kind::Connect, e.what(), true);
    }
    attempt_.connection->setOwner(this);
    ++pool_->opened;
    phase_ = Phase::Connecting; // the connect timeout armed before resolving runs on
    if (attempt_.connection->failedAtOnce())
    {
        std::string error;
        attempt_.connection->finishConnect(error);
        return fail(UpstreamFailure::Kind::Connect, "cannot connect: " + error, true);
    }
    if (attempt_.connection->connected())
        onConnected();
}

void UpstreamExchange::connectionEvent(UpstreamConnection& connection, std::uint32_t events)
{
    if (&connection != attempt_.connection.get() || abandoned_)
        return;
    const auto keep = shared_from_this();
    // Edge-triggered: an event is not repeated. A hang-up seen now (even with the answer's last
    // bytes) keeps the connection out of the pool; input means the socket holds unread bytes
    // until a read says otherwise.
    if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
        attempt_.peerClosed = true;
    if (events & EPOLLIN)
        attempt_.readToEnd = false;
    switch (phase_)
    {
    case Phase::Connecting:
    {
        std::string error;
        if (connection.finishConnect(error))
            return onConnected();
        if (!error.empty() || (events & (EPOLLERR | EPOLLHUP)))
            fail(UpstreamFailure::Kind::Connect, "cannot connect: " + (error.empty() ? "connection refused" : error),
                 true);
        return;
    }
    case Phase::Handshaking:
        return continueHandshake();
    case Phase::Sending:
    {
        const int attempt = attempts_;
        writeRequest();
        // Writing may have ended the call, or replaced a stale pooled connection by a new one
        // that is still connecting (no transport yet): read only on this connection, and only
        // while an answer is due on it.
        if (!abandoned_ && attempts_ == attempt && attempt_.connection.get() == &connection &&
            (phase_ == Phase::Sending || phase_ == Phase::Head || phase_ == Phase::Body))
            readAnswer();
        return;
    }
    case Phase::Head:
    case Phase::Body:
    {
        const int attempt = attempts_;
        if (sendingBody())
            writeRequest(); // an answer may come before the body's end
        if (!abandoned_ && attempts_ == attempt && attempt_.connection.get() == &connection &&
            (phase_ == Phase::Head || phase_ == Phase::Body))
            readAnswer();
        return;
    }
    default:
        return;
    }
}

void UpstreamExchange::onConnected()
{
    const UpstreamEndpoint& endpoint = pool_->endpoint();
    UpstreamConnection& connection = *attempt_.connection;
    if (!endpoint.tls)
    {
        connection.setTransport(std::make_unique<PlainTransport>(connection.fd()));
        phase_ = Phase::Sending;
        armDeadline(endpoint.readTimeout);
        return writeRequest();
    }
    try
    {
        connection.setTransport(TlsTransport::client(connection.fd(), tls_, endpoint.host, true, pool_->tlsSession()));
    }
    catch (const std::exception& e)
    {
        return fail(UpstreamFailure::Kind::Connect, std::string("TLS setup failed: ") + e.what(), false);
    }
    phase_ = Phase::Handshaking;
    continueHandshake();
}

void UpstreamExchange::continueHandshake()
{
    auto* tls = static_cast<TlsTransport*>(attempt_.connection->transport());
    const long result = tls->handshake();
    if (result == 0)
        return; // wants the socket again
    if (result == Transport::Error)
    {
        const std::string verify = tls->peerVerifyError();
        // A certificate that fails verification will fail again: not retried.
        if (!verify.empty())
            return fail(UpstreamFailure::Kind::Connect, "TLS certificate verification failed: " + verify, false);
        return fail(UpstreamFailure::Kind::Connect, tls->lastError(), true);
    }
    if (tls->resumed())
        ++pool_->resumed;
    phase_ = Phase::Sending;
    armDeadline(pool_->endpoint().readTimeout);
    writeRequest();
}

std::string UpstreamExchange::requestBytes() const
{
    const UpstreamEndpoint& endpoint = pool_->endpoint();
    std::string out;
    out.reserve(256 + request_.body.size());
    out += request_.method;
    out += ' ';
    out += request_.target.empty() ? "/" : request_.target;
    out += " HTTP/1.1\r\nHost: ";
    const bool ipv6 = endpoint.host.find(':') != std::string::npos;
    out += ipv6 ? "[" + endpoint.host + "]" : endpoint.host;
    if (endpoint.port != (endpoint.tls ? 443 : 80))
        out += ":" + std::to_string(endpoint.port);
    out += "\r\n";
    for (const auto& [name, value] : request_.headers)
        if (sentHeader(name, value)) // the others are left out (Upstream.h, UpstreamRequest)
        {
            out += name;
            out += ": ";
            out += value;
            out += "\r\n";
        }
    const bool bodyMethod = request_.method == "POST" || request_.method == "PUT" || request_.method == "PATCH";
    if (request_.bodyStream)
    {
        // Framed as the client framed it: its length when it said one, else chunked.
        const long long declared = request_.bodyStream->declaredLength();
        out += declared >= 0 ? "Content-Length: " + std::to_string(declared) + "\r\n"
                             : std::string("Transfer-Encoding: chunked\r\n");
    }
    else if (!request_.body.empty() || bodyMethod)
        out += "Content-Length: " + std::to_string(request_.body.size()) + "\r\n";
    out += endpoint.poolSize > 0 ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
    if (!request_.bodyStream)
        out += request_.body;
    return out;
}

void UpstreamExchange::writeRequest()
{
    if (!attempt_.sendError.empty())
        return; // the request cannot go on; what the upstream sent is read instead
    if (!attempt_.headQueued)
    {
        attempt_.out = requestBytes();
        attempt_.headQueued = true;
    }
    Transport* transport = attempt_.connection->transport();
    for (;;)
    {
        while (attempt_.sent < attempt_.out.size())
        {
            const long sent =
                transport->write(attempt_.out.data() + attempt_.sent, attempt_.out.size() - attempt_.sent);
            if (sent == Transport::Error)
            {
                attempt_.sendError = transport->lastError();
                if (attempt_.sendError.empty())
                    attempt_.sendError = "the connection broke";
                return afterSendFailure();
            }
            if (sent == 0)
                return; // the socket is full: the next event goes on
            attempt_.sent += static_cast<std::size_t>(sent);
            // A request body still going out is progress too: the read timeout counts from the
            // last bytes moved either way (a large body to a slow upstream is not a timeout).
            deadline_ = std::chrono::steady_clock::now() + pool_->endpoint().readTimeout;
        }
        if (!sendingBody() || !takeBody())
            break;
    }
    if (phase_ == Phase::Sending && requestWritten())
    {
        phase_ = Phase::Head;
        armDeadline(pool_->endpoint().readTimeout);
    }
}

bool UpstreamExchange::requestWritten() const
{
    return attempt_.headQueued && attempt_.sent == attempt_.out.size() &&
           (!request_.bodyStream || attempt_.bodyEnded);
}

bool UpstreamExchange::sendingBody() const
{
    return request_.bodyStream && attempt_.headQueued && !attempt_.bodyEnded && attempt_.sendError.empty();
}

bool UpstreamExchange::takeBody()
{
    BodyStream& body = *request_.bodyStream;
    if (body.failed())
        return false; // the client's body broke off: its exchange is being abandoned
    const std::string_view bytes = body.available();
    attempt_.out.clear(); // its capacity carries the next piece
    attempt_.sent = 0;
    if (bytes.empty())
    {
        if (!body.ended())
            return false; // bodyArrived() goes on
        attempt_.bodyEnded = true;
        if (body.declaredLength() < 0)
            attempt_.out = "0\r\n\r\n";
        return !attempt_.out.empty();
    }
    if (body.declaredLength() < 0)
    {
        appendChunkSize(attempt_.out, bytes.size());
        attempt_.out.append(bytes.data(), bytes.size());
        attempt_.out += "\r\n";
    }
    else
        attempt_.out.assign(bytes.data(), bytes.size());
    body.consume(bytes.size());
    bodyTaken_ = true;
    return true;
}

void UpstreamExchange::bodyArrived()
{
    if (abandoned_ || !attempt_.connection || !attempt_.connection->transport() || !sendingBody() ||
        (phase_ != Phase::Sending && phase_ != Phase::Head && phase_ != Phase::Body))
        return; // not connected yet (the body waits), or the answer is over
    const auto keep = shared_from_this();
    writeRequest();
}

void UpstreamExchange::afterSendFailure()
{
    // An upstream may answer early (413, 401, 503) and close while the body is still going out:
    // the write fails, but its answer is in the socket (Linux keeps received bytes readable after
    // a reset). That answer is what the call delivers; only without a complete head does the
    // send failure count (a stale pooled connection is retried, see connectionLost). Over TLS a
    // failed write ends the session, so nothing more can be read there.
    const UpstreamConnection* connection = attempt_.connection.get();
    const int attempt = attempts_;
    readAnswer();
    if (abandoned_ || attempts_ != attempt || attempt_.connection.get() != connection || phase_ == Phase::Done ||
        phase_ == Phase::Body)
        return; // an answer came (or the call ended, or went on)
    connectionLost(false, std::string());
}

void UpstreamExchange::readAnswer()
{
    std::vector<char>& buffer = loop_.readBuffer();
    const bool tls = pool_->endpoint().tls;
    while (!paused_ && phase_ != Phase::Done && attempt_.connection)
    {
        Transport* transport = attempt_.connection->transport();
        if (!transport)
            return; // not connected yet: nothing to read
        const long got = transport->read(buffer.data(), buffer.size());
        if (got == Transport::WouldBlock)
        {
            attempt_.readToEnd = true;
            return;
        }
        if (got == Transport::Eof || got == Transport::Error)
            return connectionLost(got == Transport::Eof, got == Transport::Eof ? std::string() : transport->lastError());
        // A plain recv that returned less than it could took all the socket held; TLS returns a
        // record at a time, so there only WouldBlock says the socket is empty.
        attempt_.readToEnd = !tls && static_cast<std::size_t>(got) < buffer.size();
        attempt_.received += static_cast<std::size_t>(got);
        deadline_ = std::chrono::steady_clock::now() + pool_->endpoint().readTimeout;
        attempt_.in.append(buffer.data(), static_cast<std::size_t>(got));
        if (!consume())
            return;
    }
}

void UpstreamExchange::connectionLost(bool eof, const std::string& why)
{
    attempt_.peerClosed = true;
    if (phase_ == Phase::Body && attempt_.head.framing == BodyFraming::UntilClose && eof)
    {
        if (attempt_.draining)
            return drained();
        // RFC 9112 6.3 lets the close end a body without Content-Length or chunking. Over plain
        // TCP nothing tells that end from a connection cut in the middle (a reset is an Error and
        // fails below, a FIN is taken as the end, as HTTP/1.1 allows). Over TLS the upstream's
        // close_notify tells: a bare EOF may be a truncation (RFC 8446 6.1), so it is a broken
        // answer.
        auto* tls = attempt_.connection ? dynamic_cast<TlsTransport*>(attempt_.connection->transport()) : nullptr;
        if (tls && !tls->closeNotifyReceived())
            return fail(UpstreamFailure::Kind::Broken,
                        "the TLS connection closed without close_notify, so the answer (delimited by the close) may "
                        "be cut off after " +
                            std::to_string(attempt_.bodyDelivered) + " bytes",
                        false);
        return finish();
    }
    if (attempt_.draining) // the busy answer broke off: the retry goes on a new connection
        return retryAfterBackoff("the upstream answered " + std::to_string(attempt_.head.status));
    // A pooled connection closed by the upstream while it idled fails before any answer byte. The
    // request goes again, once, on a new connection, unless it may have been processed: written
    // completely and not replayable (Go's net/http rule).
    if (attempt_.reused && attempt_.received == 0 && !staleRetried_ && !headDelivered_ && !bodyTaken_ &&
        (!requestWritten() || replayable()))
    {
        logger().debug(describe() + ": pooled connection was closed; retrying on a new one");
        staleRetried_ = true;
        dropConnection();
        return startAttempt();
    }
    std::string what;
    if (phase_ == Phase::Body && attempt_.head.framing == BodyFraming::Length)
        what = "the connection closed after " + std::to_string(attempt_.bodyDelivered) + " of " +
               std::to_string(attempt_.head.contentLength) + " bytes of the answer";
    else if (phase_ == Phase::Body)
        what = "the connection closed before the end of the answer";
    else if (!attempt_.sendError.empty())
        what = "sending the request failed: " + attempt_.sendError;
    else
        what = "the connection closed before an answer came";
    if (!why.empty() && attempt_.sendError.empty())
        what += " (" + why + ")";
    fail(UpstreamFailure::Kind::Broken, what, false);
}

bool UpstreamExchange::replayable() const
{
    if (idempotentMethod(request_.method))
        return true;
    for (const auto& [name, value] : request_.headers)
        if ((equalsIgnoringCase(name, "Idempotency-Key") || equalsIgnoringCase(name, "X-Idempotency-Key")) &&
            sentHeader(name, value))
            return true;
    return false;
}

bool UpstreamExchange::reusable()
{
    if (!attempt_.connection || !attempt_.head.keepAlive || !attempt_.in.empty() ||
        attempt_.head.framing == BodyFraming::UntilClose || !requestWritten() ||
        !attempt_.sendError.empty() || attempt_.peerClosed)
        return false;
    if (attempt_.readToEnd)
        return true;
    // The socket may still hold bytes (the last read filled the buffer, TLS, a pause): they, or
    // a FIN behind them, would raise no new event once the pool holds the connection. One more
    // read must find nothing (a close_notify, a FIN or stray bytes: the connection goes).
    Transport* transport = attempt_.connection->transport();
    if (!transport)
        return false;
    char probe[256];
    return transport->read(probe, sizeof probe) == Transport::WouldBlock;
}

bool UpstreamExchange::consume()
{
    while (!attempt_.in.empty() && !paused_ && phase_ != Phase::Done)
    {
        const bool more = phase_ == Phase::Body ? consumeBody() : consumeHead();
        if (!more)
            return phase_ != Phase::Done && !abandoned_;
    }
    return phase_ != Phase::Done && !abandoned_;
}

bool UpstreamExchange::consumeHead()
{
    std::size_t consumed = 0;
    const auto result = attempt_.parser.parse(attempt_.in, request_.method == "HEAD", attempt_.head, consumed);
    if (result == ResponseHeadParser::Result::Incomplete)
        return false; // more bytes needed
    if (result == ResponseHeadParser::Result::Invalid)
    {
        fail(UpstreamFailure::Kind::Protocol, "the answer is malformed: " + attempt_.parser.error().message, false);
        return false;
    }
    attempt_.in.erase(0, consumed);
    ResponseHead& head = attempt_.head;
    if (head.status < 200)
    {
        if (head.status == 101)
        {
            fail(UpstreamFailure::Kind::Protocol,
                 "the upstream answered 101 Switching Protocols where a final answer was expected", false);
            return false;
        }
        if (++attempt_.interim > MaxInterimAnswers)
        {
            fail(UpstreamFailure::Kind::Protocol,
                 "the upstream sent more than " + std::to_string(MaxInterimAnswers) + " interim answers", false);
            return false;
        }
        attempt_.parser.reset();
        head = ResponseHead();
        return true; // the next head follows
    }
    const UpstreamEndpoint& endpoint = pool_->endpoint();
    // 503: the upstream says it did not process the request, so it may go again. 502 says
    // nothing of the kind (a proxy in front may have passed the request on): only a replayable
    // request is sent again.
    const bool busy = head.status == 503 || (head.status == 502 && replayable());
    if (request_.retryBusy && busy && !bodyTaken_ && busyRetries_ + connectRetries_ < endpoint.retries)
    {
        // Read this answer to its end (not delivered), so that its connection can carry the
        // retry, then try again after the backoff.
        ++busyRetries_;
        attempt_.draining = true;
        phase_ = Phase::Body;
        attempt_.bodyLeft = head.framing == BodyFraming::Length ? head.contentLength : 0;
        if (head.framing == BodyFraming::None || (head.framing == BodyFraming::Length && head.contentLength == 0))
        {
            drained();
            return false;
        }
        return true;
    }
    if (request_.maxBodyBytes > 0 && head.framing == BodyFraming::Length && head.contentLength > request_.maxBodyBytes)
    {
        fail(UpstreamFailure::Kind::TooLarge,
             "the answer declares a body of " + std::to_string(head.contentLength) + " bytes, more than " +
                 std::to_string(request_.maxBodyBytes),
             false);
        return false;
    }
    phase_ = Phase::Body;
    attempt_.bodyLeft = head.framing == BodyFraming::Length ? head.contentLength : 0;
    UpstreamAnswer answer;
    answer.status = head.status;
    answer.contentType = head.headers.get("Content-Type", std::string());
    answer.headers = std::move(head.headers); // not needed here after this
    headDelivered_ = true;
    if (!deliver([&answer](UpstreamHandler& handler) { handler.onHead(answer); }))
        return false;
    if (head.framing == BodyFraming::None || (head.framing == BodyFraming::Length && head.contentLength == 0))
    {
        finish();
        return false;
    }
    return true;
}

bool UpstreamExchange::consumeBody()
{
    std::string decoded;
    std::string_view piece;
    bool done = false;
    switch (attempt_.head.framing)
    {
    case BodyFraming::Length:
    {
        const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(attempt_.bodyLeft, attempt_.in.size()));
        decoded.assign(attempt_.in, 0, take);
        attempt_.in.erase(0, take);
        attempt_.bodyLeft -= take;
        done = attempt_.bodyLeft == 0;
        break;
    }
    case BodyFraming::Chunked:
    {
        std::size_t consumed = 0;
        const auto result = attempt_.chunked.decode(attempt_.in, consumed, decoded);
        attempt_.in.erase(0, consumed);
        if (result == ChunkedDecoder::Result::Invalid)
        {
            fail(UpstreamFailure::Kind::Protocol, "malformed chunked body: " + attempt_.chunked.error(), false);
            return false;
        }
        done = result == ChunkedDecoder::Result::Done;
        break;
    }
    default:
        decoded.swap(attempt_.in);
        break;
    }
    piece = decoded;
    if (attempt_.draining)
    {
        attempt_.bodyDelivered += piece.size();
        if (done)
            drained();
        else if (attempt_.bodyDelivered > DrainLimit)
            retryAfterBackoff("the upstream answered " + std::to_string(attempt_.head.status)); // not worth keeping
        return !done && phase_ == Phase::Body;
    }
    if (request_.maxBodyBytes > 0 && attempt_.bodyDelivered + piece.size() > request_.maxBodyBytes)
    {
        fail(UpstreamFailure::Kind::TooLarge,
             "the answer body is larger than " + std::to_string(request_.maxBodyBytes) + " bytes", false);
        return false;
    }
    attempt_.bodyDelivered += piece.size();
    if (!piece.empty() && !deliver([piece](UpstreamHandler& handler) { handler.onBody(piece); }))
        return false;
    if (done)
    {
        finish();
        return false;
    }
    return phase_ != Phase::Done;
}

void UpstreamExchange::drained()
{
    const std::string why = "the upstream answered " + std::to_string(attempt_.head.status);
    // Not when the request went out only in part (an upstream that answered before reading the
    // whole body would take the retry's bytes as the rest of it), nor after a hang-up.
    if (reusable())
    {
        ++attempt_.connection->calls;
        pool_->give(std::move(attempt_.connection)); // the retry takes it again
    }
    retryAfterBackoff(why);
}

void UpstreamExchange::finish()
{
    phase_ = Phase::Done;
    if (deadlineTimer_)
        loop_.cancel(deadlineTimer_);
    deadlineTimer_ = 0;
    // The connection goes back before onEnd: a handler that drops the call there does not close
    // a connection that is fine. Not when bytes followed the answer: the connection is out of step.
    if (attempt_.connection)
    {
        const bool reuse = reusable();
        if (auto* tls = dynamic_cast<TlsTransport*>(attempt_.connection->transport()))
            if (SSL_SESSION* session = tls->session())
                pool_->setTlsSession(session); // TLS 1.3 tickets come after the handshake: now
        ++attempt_.connection->calls;
        if (reuse)
            pool_->give(std::move(attempt_.connection));
        else
            dropConnection();
    }
    deliver([](UpstreamHandler& handler) { handler.onEnd(); });
}

void UpstreamExchange::fail(UpstreamFailure::Kind kind, const std::string& what, bool retryable)
{
    const UpstreamEndpoint& endpoint = pool_->endpoint();
    if (retryable && !headDelivered_ && !bodyTaken_ && connectRetries_ + busyRetries_ < endpoint.retries)
    {
        ++connectRetries_;
        return retryAfterBackoff(what);
    }
    phase_ = Phase::Done;
    if (deadlineTimer_)
        loop_.cancel(deadlineTimer_);
    deadlineTimer_ = 0;
    dropConnection();
    UpstreamFailure failure;
    failure.kind = kind;
    failure.message = describe() + ": " + what;
    failure.afterHead = headDelivered_;
    failure.attempts = attempts_;
    deliver([&failure](UpstreamHandler& handler) { handler.onError(failure); });
}

void UpstreamExchange::retryAfterBackoff(const std::string& why)
{
    dropConnection();
    phase_ = Phase::Idle;
    if (deadlineTimer_)
        loop_.cancel(deadlineTimer_);
    deadlineTimer_ = 0;
    const UpstreamEndpoint& endpoint = pool_->endpoint();
    const int retry = connectRetries_ + busyRetries_;
    const auto delay = backoff(retry - 1, endpoint.retryBackoff);
    logger().information(describe() + ": " + why + "; retry " + std::to_string(retry) + " of " +
                         std::to_string(endpoint.retries) + " in " + std::to_string(delay.count()) + " ms");
    std::weak_ptr<UpstreamExchange> weak = shared_from_this();
    backoffTimer_ = loop_.after(delay, [weak] {
        if (auto self = weak.lock(); self && !self->abandoned_)
        {
            self->backoffTimer_ = 0;
            self->startAttempt();
        }
    });
}

void UpstreamExchange::dropConnection()
{
    if (attempt_.connection)
        UpstreamConnection::close(std::move(attempt_.connection));
}

void UpstreamExchange::armDeadline(std::chrono::milliseconds timeout)
{
    deadline_ = std::chrono::steady_clock::now() + timeout;
    armTimer();
}

void UpstreamExchange::armTimer()
{
    if (deadlineTimer_ && timerAt_ <= deadline_)
        return; // it fires first and re-arms for the later deadline
    if (deadlineTimer_)
        loop_.cancel(deadlineTimer_); // the new deadline is earlier (a read timeout after connect)
    timerAt_ = deadline_;
    std::weak_ptr<UpstreamExchange> weak = shared_from_this();
    deadlineTimer_ = loop_.at(deadline_, [weak] {
        if (auto self = weak.lock())
        {
            self->deadlineTimer_ = 0;
            self->onDeadline();
        }
    });
}

void UpstreamExchange::onDeadline()
{
    if (abandoned_ || phase_ == Phase::Done || phase_ == Phase::Idle)
        return;
    const auto now = std::chrono::steady_clock::now();
    if (paused_ && (phase_ == Phase::Head || phase_ == Phase::Body))
    {
        // Waiting for our own client is not the upstream's delay: look again a timeout later.
        return armDeadline(pool_->endpoint().readTimeout);
    }
    if (now < deadline_)
        return armTimer(); // bytes came meanwhile: the deadline moved on
    const auto keep = shared_from_this();
    const UpstreamEndpoint& endpoint = pool_->endpoint();
    if (phase_ == Phase::Resolving)
        return fail(UpstreamFailure::Kind::Timeout,
                    "resolving " + endpoint.host + " timed out after " + std::to_string(endpoint.connectTimeout.count()) +
                        " ms (connect timeout)",
                    true);
    if (phase_ == Phase::Connecting || phase_ == Phase::Handshaking)
        return fail(UpstreamFailure::Kind::Timeout,
                    "connecting timed out after " + std::to_string(endpoint.connectTimeout.count()) + " ms", true);
    fail(UpstreamFailure::Kind::Timeout,
         "no answer bytes for " + std::to_string(endpoint.readTimeout.count()) + " ms (read timeout)", false);
}

} // namespace portico
