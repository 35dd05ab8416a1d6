#include "http/Connection.h"
#include "api/ExchangeControl.h"
#include "api/TargetPath.h"
#include "http/Chain.h"
#include "http/HttpDate.h"
#include "http/RecycledAttributes.h"
#include "http/RecycledHeaderLists.h"
#include "http/RequestBodyStream.h"
#include "http/ResponseHead.h"
#include "Poco/Logger.h"
#include <algorithm>
#include <sys/epoll.h>
#include <unistd.h>

namespace portico {

namespace {

const std::string Http11 = "HTTP/1.1";
const std::string Http10 = "HTTP/1.0";
constexpr std::size_t CoalesceLimit = 16 * 1024;
/// Pipelined bytes read while a request is being served, at most (the rest waits in the kernel).
constexpr std::size_t BusyReadLimit = 64 * 1024;
constexpr auto LingerTime = std::chrono::seconds(2);
constexpr std::size_t LingerMaxBytes = 8 << 20;
constexpr int MaxIoVectors = 16;

/// This loop thread's header lists and attribute values from finished requests (a connection
/// runs only on its loop).
thread_local RecycledHeaderLists recycledHeaderLists;
thread_local RecycledAttributes recycledAttributes;

Poco::Logger& coreLogger()
{
    static Poco::Logger& logger = Poco::Logger::get("portico.core");
    return logger;
}

void appendChunkFrame(std::string& out, std::string_view chunk)
{
    appendChunkSize(out, chunk.size());
    out.append(chunk.data(), chunk.size());
    out += "\r\n";
}

} // namespace

Connection::Connection(ServerContext& server, EventLoop& loop, std::unique_ptr<Transport> transport,
                       std::string peer, Listener listener, std::function<void(Connection*)> onClosed)
    : server_(server),
      loop_(loop),
      transport_(std::move(transport)),
      secure_(transport_->encrypted()),
      peer_(std::move(peer)),
      listener_(listener),
      onClosed_(std::move(onClosed))
{
    server_.budget.open.fetch_add(1);
    lastInput_ = headStart_ = lastProgress_ = loop_.now();
}

Connection::~Connection()
{
    // Only when the server is gone (its loops stopped, its workers joined): nobody is told.
    onClosed_ = nullptr;
    run_.reset();
    if (state_ != State::Closed)
        close();
}

void Connection::start()
{
    loop_.addSocket(transport_->fd(), this);
    updateDeadline();
}

// --- input ----------------------------------------------------------------------------------

void Connection::onIo(std::uint32_t events)
{
    if (state_ == State::Closed)
        return;
    if (events & EPOLLERR)
        return hangUp();
    if (!out_.empty())
        flush();
    if (state_ == State::Closed)
        return;
    // A TLS handshake may wait for the socket to become writable inside a read: while it is not
    // done, every event retries the read.
    if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) || !transport_->established())
        wantRead_ = true;
    if (events & (EPOLLRDHUP | EPOLLHUP))
        peerShut_ = true;
    if (wantRead_)
        readInput();
}

void Connection::readInput()
{
    std::vector<char>& buffer = loop_.readBuffer();
    while (wantRead_ && state_ != State::Closed)
    {
        if (state_ == State::Busy && (input_.size() >= BusyReadLimit || (streamingBody_ && bodyStream_->full())))
            return; // pipelined requests (or a streamed body nobody takes) wait in the kernel
        const long got = transport_->read(buffer.data(), buffer.size());
        if (got == Transport::WouldBlock)
        {
            wantRead_ = false;
            return;
        }
        if (got == Transport::Error || got == Transport::Eof)
        {
            wantRead_ = false;
            inputEnded_ = true;
            if (got == Transport::Error)
                writeBroken_ = true;
            return inputEnded();
        }
        lastInput_ = loop_.now();
        // A short read took all the socket held: bytes that come later raise a new edge-triggered
        // event, so reading again now would only return EAGAIN, one syscall per request more (as
        // nginx with EPOLLRDHUP). Not over TLS (a record can hold more than one read returns), nor
        // once the peer shut its side: its EOF is seen only by reading on.
        if (static_cast<std::size_t>(got) < buffer.size() && !peerShut_ && !transport_->encrypted())
            wantRead_ = false;
        if (state_ == State::Linger)
        {
            lingerDiscarded_ += static_cast<std::size_t>(got);
            if (lingerDiscarded_ >= LingerMaxBytes)
                return close();
            continue;
        }
        input_.append(buffer.data(), static_cast<std::size_t>(got));
        if (state_ != State::Busy)
            process();
        else if (streamingBody_)
        {
            feedBody();
            if (writeBroken_)
                return; // the body failed: the request is being abandoned
        }
    }
}

void Connection::inputEnded()
{
    switch (state_)
    {
    case State::Head:
        if (parser_.started() && !writeBroken_)
            return protocolError(400, "The connection was closed before the request head was complete.",
                                 "malformed_request");
        return close();
    case State::Body:
        if (!writeBroken_)
            return protocolError(400, "Could not read the request body.", "invalid_body");
        return close();
    case State::Busy:
        // A client that shuts its side while waiting has left (a gateway cannot tell a
        // half-close from a close, and nginx too takes it as the client's abort): a deferred
        // answer (an upstream call, a stream) is cancelled now; a buffered answer still goes out.
        if (streamingBody_)
            return failStreamedBody("the client closed the connection before the end of the body");
        if (writeBroken_)
            return hangUp();
        if (run_)
            run_->clientGone();
        return;
    case State::Linger:
    case State::Closed:
        return close();
    }
}

void Connection::process()
{
    for (;;)
    {
        if (state_ == State::Head)
        {
            if (!parseHead())
                return;
        }
        else if (state_ == State::Body)
        {
            if (!readBody())
                return;
        }
        else
            return;
    }
}

bool Connection::parseHead()
{
    if (input_.empty())
        return false;
    const bool wasStarted = parser_.started();
    std::size_t consumed = 0;
    const RequestHeadParser::Result result = parser_.parse(input_, head_, consumed);
    if (!wasStarted && parser_.started() && requests_ > 0)
    {
        // A later request's head is timed from its first byte; the first one's from accept.
        headStart_ = loop_.now();
        updateDeadline();
    }
    if (result == RequestHeadParser::Result::Incomplete)
        return false;
    if (result == RequestHeadParser::Result::Invalid)
    {
        const HeadError& error = parser_.error();
        protocolError(error.status, error.message, error.code);
        return false;
    }
    input_.erase(0, consumed);
    headRequest_ = head_.method == "HEAD";
    http10_ = head_.http10;
    keepAlive_ = head_.keepAlive;
    body_.clear();
    bodyTooLarge_ = false;
    bodyWireBytes_ = 0;
    chunked_.reset();
    if ((head_.framing == BodyFraming::Length && head_.contentLength > 0) || head_.framing == BodyFraming::Chunked)
    {
        chain_ = server_.state.chain();
        if (routeStreamsBody())
        {
            startStreamedBody();
            return false;
        }
    }
    const long long maxBody = server_.state.maxBodyBytes();
    switch (head_.framing)
    {
    case BodyFraming::Length:
        if (head_.contentLength > static_cast<std::uint64_t>(maxBody))
        {
            bodyTooLarge_ = true; // not read at all: the answer is 413 and the connection lingers
            dispatch();
            return false;
        }
        if (head_.contentLength == 0)
        {
            dispatch();
            return false;
        }
        break;
    case BodyFraming::Chunked:
        break;
    default:
        dispatch();
        return false;
    }
    state_ = State::Body;
    lastInput_ = loop_.now();
    if (head_.expectContinue)
    {
        queue(head_.http10 ? "HTTP/1.0 100 Continue\r\n\r\n" : "HTTP/1.1 100 Continue\r\n\r\n");
        flush();
    }
    updateDeadline();
    return true;
}

bool Connection::readBody()
{
    const long long maxBody = server_.state.maxBodyBytes();
    if (head_.framing == BodyFraming::Length)
    {
        const std::size_t want = static_cast<std::size_t>(head_.contentLength) - body_.size();
        const std::size_t take = std::min(want, input_.size());
        body_.append(input_, 0, take);
        input_.erase(0, take);
        if (body_.size() < head_.contentLength)
        {
            updateDeadline();
            return false;
        }
        dispatch();
        return false;
    }
    std::size_t consumed = 0;
    const ChunkedDecoder::Result result = chunked_.decode(input_, consumed, body_);
    input_.erase(0, consumed);
    bodyWireBytes_ += consumed;
    // Chunk sizes, extensions and trailers count too: a client must not send gigabytes of
    // framing for a body within the limit.
    if (static_cast<long long>(body_.size()) > maxBody ||
        bodyWireBytes_ > static_cast<std::uint64_t>(maxBody) * 2 + 65536)
    {
        // The rest of the body is not read: 413, then the connection lingers.
        bodyTooLarge_ = true;
        std::string().swap(body_);
        dispatch();
        return false;
    }
    if (result == ChunkedDecoder::Result::Invalid)
    {
        protocolError(400, "Malformed chunked request body: " + chunked_.error(), "invalid_body");
        return false;
    }
    if (result == ChunkedDecoder::Result::NeedMore)
    {
        updateDeadline();
        return false;
    }
    dispatch();
    return false;
}

void Connection::dispatch()
{
    state_ = State::Busy;
    ++requests_;
    auto exchange = std::make_unique<Exchange>(std::move(head_.method), head_.target, std::move(head_.headers),
                                               std::move(body_), peer_);
    ExchangeControl::adoptResponseHeaders(*exchange, recycledHeaderLists.take());
    ExchangeControl::adoptAttributes(*exchange, recycledAttributes.take());
    ExchangeControl::setListener(*exchange, listener_);
    ExchangeControl::setSecure(*exchange, secure_);
    body_.clear();
    if (bodyStream_)
        ExchangeControl::attachBodyStream(*exchange, bodyStream_);
    if (bodyTooLarge_)
    {
        ExchangeControl::markBodyTooLarge(*exchange);
        closeAfterAnswer_ = true;
        needLinger_ = true;
    }
    if (server_.state.draining())
        closeAfterAnswer_ = true;
    updateDeadline();
    startRun(std::move(exchange));
}

bool Connection::routeStreamsBody()
{
    const RouteTable& routes = chain_->routesFor(listener_);
    if (!routes.streamsBodies())
        return false;
    const RouteTable::Match match = routes.match(head_.method, std::string(targetPath(head_.target)));
    return match.route && match.route->streamedBody;
}

void Connection::startStreamedBody()
{
    const bool chunked = head_.framing == BodyFraming::Chunked;
    bodyStream_ = std::make_shared<RequestBodyStream>(loop_, chunked ? -1 : static_cast<long long>(head_.contentLength));
    bodyStream_->setRoomCallback([this] { bodyRoom(); });
    streamLeft_ = chunked ? 0 : head_.contentLength;
    streamingBody_ = true;
    lastInput_ = loop_.now();
    if (head_.expectContinue)
    {
        queue(head_.http10 ? "HTTP/1.0 100 Continue\r\n\r\n" : "HTTP/1.1 100 Continue\r\n\r\n");
        flush();
        if (state_ == State::Closed || writeBroken_)
            return;
    }
    dispatch();
    // What came with the head; the rest as it is read (readInput).
    if (state_ == State::Busy && streamingBody_)
        feedBody();
}

void Connection::feedBody()
{
    while (streamingBody_ && !input_.empty() && !bodyStream_->full())
    {
        std::string& into = bodyStream_->buffer();
        if (head_.framing == BodyFraming::Length)
        {
            const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(streamLeft_, input_.size()));
            into.append(input_, 0, take);
            input_.erase(0, take);
            streamLeft_ -= take;
            bodyStream_->appended(take);
            if (streamLeft_ == 0)
                finishStreamedBody();
            continue;
        }
        const std::size_t before = into.size();
        std::size_t consumed = 0;
        const ChunkedDecoder::Result result = chunked_.decode(input_, consumed, into);
        input_.erase(0, consumed);
        bodyWireBytes_ += consumed;
        bodyStream_->appended(into.size() - before);
        if (result == ChunkedDecoder::Result::Invalid)
            return failStreamedBody("malformed chunked request body: " + chunked_.error());
        // Chunk sizes, extensions and trailers: a client must not send gigabytes of framing
        // for a few bytes of body.
        if (bodyWireBytes_ > bodyStream_->received() * 2 + 65536)
            return failStreamedBody("chunked request body with more framing than data");
        if (result == ChunkedDecoder::Result::Done)
            finishStreamedBody();
        else
            break; // every byte of input_ was taken: the body goes on
    }
    updateDeadline();
}

void Connection::finishStreamedBody()
{
    streamingBody_ = false;
    bodyStream_->end();
}

void Connection::failStreamedBody(const std::string& why)
{
    coreLogger().debug("streamed request body from " + peer_ + " abandoned: " + why);
    streamingBody_ = false;
    bodyStream_->fail();
    // The handler may already be sending its part on; nothing more can come, so the request
    // ends as one whose client left (an upstream connection carrying the body is closed).
    hangUp();
}

void Connection::bodyRoom()
{
    if (state_ != State::Busy || !streamingBody_)
        return;
    lastInput_ = loop_.now(); // the client waited for us, not we for it
    feedBody();
    if (state_ == State::Busy && streamingBody_ && wantRead_)
        readInput();
}

void Connection::protocolError(int status, const std::string& message, const std::string& code)
{
    server_.counters.badRequests.fetch_add(1);
    chain_.reset(); // the request it was looked up for is not served
    state_ = State::Busy;
    keepAlive_ = false;
    closeAfterAnswer_ = true;
    needLinger_ = true;
    headRequest_ = false;
    http10_ = false;
    // No request could be served: an Exchange with what is known, answered by the core.
    auto exchange = std::make_unique<Exchange>("-", "/", HeaderList(), std::string(), peer_);
    ExchangeControl::setListener(*exchange, listener_);
    ExchangeControl::setSecure(*exchange, secure_);
    auto chain = server_.state.chain();
    RunEnvironment environment{loop_, &server_.workers, server_.accessLog, &server_.state};
    run_ = std::make_unique<ExchangeRun>(environment, std::move(chain), std::move(exchange), *this,
                                         [this] { loop_.post([this] { runDone(); }); });
    updateDeadline();
    run_->startWithoutRequest(status, message, code);
}

void Connection::startRun(std::unique_ptr<Exchange> exchange)
{
    // A request with a body runs on the chain its route was looked up in.
    std::shared_ptr<const Chain> chain = chain_ ? std::move(chain_) : server_.state.chain();
    chain_.reset();
    RunEnvironment environment{loop_, &server_.workers, server_.accessLog, &server_.state};
    // done() arrives from the run's own frames: the run is destroyed from a posted task, once
    // nothing of it is on the stack.
    run_ = std::make_unique<ExchangeRun>(environment, std::move(chain), std::move(exchange), *this,
                                         [this] { loop_.post([this] { runDone(); }); });
    run_->start();
}

void Connection::runDone()
{
    if (run_)
    {
        // The request's and the answer's header lists, and its attribute values, serve later
        // requests on this loop.
        Exchange& finished = run_->exchange();
        recycledHeaderLists.give(ExchangeControl::takeRequestHeaders(finished));
        recycledHeaderLists.give(ExchangeControl::takeResponseHeaders(finished));
        recycledAttributes.give(ExchangeControl::takeAttributes(finished));
    }
    run_.reset();
    notReady_ = false;
    if (bodyStream_)
    {
        bodyStream_->setRoomCallback(nullptr);
        if (streamingBody_)
        {
            // Answered before the body's end (a 401, an upstream's early 413): the rest of the
            // body is not read, so the connection cannot carry another request.
            streamingBody_ = false;
            bodyStream_->fail();
            closeAfterAnswer_ = true;
            needLinger_ = true;
        }
        bodyStream_.reset();
    }
    if (state_ == State::Closed)
        return;
    if (gone_.load() || writeBroken_)
        return close();
    if (closeAfterAnswer_ || !keepAlive_ || (inputEnded_ && input_.empty()) || server_.state.draining() ||
        draining_)
        return finishAndClose();
    nextRequest();
}

void Connection::nextRequest()
{
    state_ = State::Head;
    parser_.reset();
    // The parser fills the next head into a list from an earlier request (see runDone).
    HeaderList spare = recycledHeaderLists.take();
    parser_.reuseHeaders(spare);
    recycledHeaderLists.give(std::move(spare));
    head_ = RequestHead();
    lastInput_ = loop_.now(); // the keep-alive gap starts now
    updateDeadline();
    if (!input_.empty())
        process();
    if (inputEnded_ && (state_ == State::Head || state_ == State::Body))
        return inputEnded(); // what the client sent before it shut its side ends here
    if (state_ != State::Closed && wantRead_)
        readInput();
}

// --- output ---------------------------------------------------------------------------------

bool Connection::requestsLeft() const
{
    const int limit = server_.settings.keepAliveRequests;
    return limit == 0 || requests_ < limit; // 0: unlimited
}

bool Connection::keepAliveNow() const
{
    // After the client shut its side, only requests it had already sent (pipelined, read) are
    // still served; the last of them says close.
    // An answer that goes out while a streamed body is still coming closes the connection: its
    // end may never be read.
    return keepAlive_ && !closeAfterAnswer_ && !draining_ && !server_.state.draining() && !streamingBody_ &&
           (!inputEnded_ || !input_.empty()) && requestsLeft();
}

bool Connection::sendWhole(const Response& response)
{
    if (writeBroken_)
        return false;
    const bool keep = keepAliveNow();
    if (!keep)
        closeAfterAnswer_ = true;
    // HEAD, 204 and 304: the head only (its Content-Length, when it has one, is the body's
    // that a GET would get).
    const bool bodyAllowed = !headRequest_ && statusAllowsBody(response.status);
    const std::string_view body = bodyAllowed ? std::string_view(response.body) : std::string_view();
    // One allocation of the exact size: appendResponseHead measures the head and reserves
    // room for the body too. (A guessed 512 bytes for the head was short once the plugins
    // added their dozen headers: the buffer then grew twice, past malloc's small sizes.)
    std::string bytes;
    reportDropped(appendResponseHead(bytes, response,
                                     {http10_ ? Http10 : Http11, keep, AnswerFraming::ContentLength,
                                      response.body.size(), httpDateNow(), false,
                                      body.size() <= CoalesceLimit ? body.size() : 0}));
    if (body.size() <= CoalesceLimit)
    {
        bytes.append(body.data(), body.size());
        queue(std::move(bytes));
    }
    else
    {
        queue(std::move(bytes));
        queue(std::string(body));
    }
    flush();
    return !writeBroken_;
}

void Connection::reportDropped(const DroppedFields& dropped) const
{
    if (dropped.count == 0)
        return;
    server_.counters.responseFieldsDropped.fetch_add(dropped.count);
    // A plugin that sets a bad header does so on every request: one line a minute, the metric
    // counts them all.
    static std::atomic<std::int64_t> lastLogged{0};
    const std::int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(loop_.now().time_since_epoch()).count();
    std::int64_t last = lastLogged.load();
    if (now - last >= 60 && lastLogged.compare_exchange_strong(last, now))
        coreLogger().warning("left out " + std::to_string(dropped.count) +
                             " unsendable response field(s) in an answer to " + peer_ + ": " + dropped.description +
                             " (portico_http_response_fields_dropped_total counts them; logged once a minute)");
}

bool Connection::beginStream(const Response& response)
{
    AnswerFraming framing = http10_ ? AnswerFraming::UntilClose : AnswerFraming::Chunked;
    if (headRequest_ || !statusAllowsBody(response.status))
        framing_ = StreamFraming::HeadOnly; // what is written is dropped, no chunked framing
    else if (http10_)
        framing_ = StreamFraming::UntilClose;
    else
        framing_ = StreamFraming::Chunked;
    // On a worker (a blocking handler's stream) only what the loop leaves alone while the
    // request is served is read: the request's own keep-alive and count. The loop may still
    // decide to close after the answer (drain, a client that shut its side); a head that said
    // keep-alive is then followed by a close, which HTTP allows.
    const bool onWorker = !loop_.inLoopThread();
    const bool keepPossible = onWorker ? keepAlive_ && requestsLeft() && !server_.state.draining()
                                       : keepAliveNow();
    const bool keep = framing_ != StreamFraming::UntilClose && keepPossible;
    std::string bytes;
    ResponseHeadSpec spec{http10_ ? Http10 : Http11, keep, framing, 0, httpDateNow()};
    spec.stream = true;
    reportDropped(appendResponseHead(bytes, response, spec));
    if (onWorker)
    {
        if (!keep)
            closeAfterStream_.store(true);
        return writeFromWorker(std::move(bytes));
    }
    if (!keep)
        closeAfterAnswer_ = true;
    if (writeBroken_)
        return false;
    queue(std::move(bytes));
    flush();
    return !writeBroken_;
}

bool Connection::writeChunk(std::string_view chunk)
{
    if (framing_ == StreamFraming::HeadOnly)
        return !gone_.load();
    std::string bytes;
    if (framing_ == StreamFraming::Chunked)
    {
        bytes.reserve(chunk.size() + 16);
        appendChunkFrame(bytes, chunk);
    }
    else
        bytes.assign(chunk.data(), chunk.size());
    if (!loop_.inLoopThread())
        return writeFromWorker(std::move(bytes));
    if (writeBroken_)
        return false;
    // Checked before this chunk is queued: a producer that writes while ready() is false is cut
    // off once the client holds more than the limit, but one large chunk (a long event) written
    // while ready() was true always goes out.
    if (queuedBytes_.load() > HardOutputLimit)
    {
        server_.counters.streamsOverBuffer.fetch_add(1);
        coreLogger().warning("a stream to " + peer_ + " has " + std::to_string(queuedBytes_.load()) +
                             " bytes queued for a client that does not read them (its producer ignores "
                             "StreamWriter::ready()); closing the connection");
        hangUp();
        return false;
    }
    queue(std::move(bytes));
    flush();
    return !writeBroken_;
}

bool Connection::ready() const
{
    if (gone_.load())
        return false;
    if (queuedBytes_.load() < HighWatermark)
        return true;
    if (loop_.inLoopThread())
        notReady_ = true;
    return false;
}

void Connection::endStream()
{
    if (framing_ == StreamFraming::Chunked && !writeBroken_)
    {
        queue("0\r\n\r\n");
        flush();
    }
    if (framing_ == StreamFraming::UntilClose)
        closeAfterAnswer_ = true;
}

void Connection::abortStream()
{
    // No terminating chunk: what is queued goes out, then the connection closes, and the client
    // sees a body that ended early.
    closeAfterAnswer_ = true;
    abortAfterFlush_ = true;
    flush();
}

bool Connection::writeFromWorker(std::string bytes)
{
    std::unique_lock<std::mutex> lock(crossMutex_);
    if (gone_.load())
        return false;
    queuedBytes_.fetch_add(bytes.size());
    crossOut_ += bytes;
    if (!crossPosted_)
    {
        crossPosted_ = true;
        loop_.post([this] { pullFromWorker(); });
    }
    // A blocking writer waits for the client, but not forever.
    const bool room = crossRoom_.wait_for(lock, server_.settings.sendTimeout, [this] {
        return gone_.load() || queuedBytes_.load() < HighWatermark;
    });
    return room && !gone_.load();
}

void Connection::pullFromWorker()
{
    std::string bytes;
    {
        std::lock_guard<std::mutex> lock(crossMutex_);
        crossPosted_ = false;
        bytes.swap(crossOut_);
    }
    if (closeAfterStream_.exchange(false))
        closeAfterAnswer_ = true;
    if (state_ == State::Closed || writeBroken_ || bytes.empty())
        return;
    // queuedBytes_ already counts them.
    if (out_.empty())
        lastProgress_ = loop_.now();
    outBytes_ += bytes.size();
    out_.push_back(std::move(bytes));
    flush();
}

void Connection::queue(std::string bytes)
{
    if (bytes.empty())
        return;
    if (out_.empty())
        lastProgress_ = loop_.now();
    outBytes_ += bytes.size();
    queuedBytes_.fetch_add(bytes.size());
    out_.push_back(std::move(bytes));
}

void Connection::flush()
{
    if (state_ == State::Closed || writeBroken_)
        return;
    while (!out_.empty())
    {
        iovec parts[MaxIoVectors];
        int count = 0;
        std::size_t offered = 0;
        for (auto it = out_.begin(); it != out_.end() && count < MaxIoVectors; ++it, ++count)
        {
            const std::size_t skip = count == 0 ? outOffset_ : 0;
            parts[count].iov_base = const_cast<char*>(it->data() + skip);
            parts[count].iov_len = it->size() - skip;
            offered += parts[count].iov_len;
        }
        const long sent = transport_->writev(parts, count);
        if (sent == Transport::Error)
        {
            writeBroken_ = true;
            return hangUp();
        }
        if (sent == 0)
            break;
        lastProgress_ = loop_.now();
        std::size_t left = static_cast<std::size_t>(sent);
        outBytes_ -= left;
        queuedBytes_.fetch_sub(left);
        while (left > 0)
        {
            const std::size_t segment = out_.front().size() - outOffset_;
            if (left < segment)
            {
                outOffset_ += left;
                left = 0;
                break;
            }
            left -= segment;
            out_.pop_front();
            outOffset_ = 0;
        }
        if (static_cast<std::size_t>(sent) < offered)
            break; // the socket is full: EPOLLOUT will call again
    }
    if (queuedBytes_.load() < HighWatermark)
    {
        std::lock_guard<std::mutex> lock(crossMutex_);
        crossRoom_.notify_all();
    }
    if (out_.empty() && !run_ && (closeWhenFlushed_ || abortAfterFlush_))
        return lingerOrClose();
    updateDeadline();
    if (notReady_ && queuedBytes_.load() < LowWatermark && run_)
    {
        notReady_ = false;
        run_->writable();
    }
}

// --- ends -----------------------------------------------------------------------------------

void Connection::finishAndClose()
{
    if (!out_.empty())
    {
        closeWhenFlushed_ = true; // flush() finishes the close
        updateDeadline();
        return;
    }
    lingerOrClose();
}

void Connection::lingerOrClose()
{
    if (abortAfterFlush_ || (!needLinger_ && input_.empty()))
        return close();
    // The client may still be sending (a body we did not read, a head cut at its deadline):
    // closing now would reset the connection and could destroy the answer before it is read.
    state_ = State::Linger;
    input_.clear();
    transport_->shutdownSend();
    lingerUntil_ = loop_.now() + LingerTime;
    updateDeadline();
    wantRead_ = true;
    readInput();
}

void Connection::hangUp()
{
    if (state_ == State::Closed)
        return;
    writeBroken_ = true;
    if (streamingBody_)
    {
        streamingBody_ = false;
        bodyStream_->fail();
    }
    {
        std::lock_guard<std::mutex> lock(crossMutex_);
        gone_.store(true);
        crossOut_.clear();
        crossRoom_.notify_all();
    }
    out_.clear();
    outOffset_ = 0;
    outBytes_ = 0;
    queuedBytes_.store(0);
    if (run_)
    {
        closeAfterAnswer_ = true;
        run_->clientGone(); // the run ends; runDone() closes
        return;
    }
    close();
}

void Connection::drain()
{
    draining_ = true;
    if (state_ == State::Head && !parser_.started() && out_.empty() && !run_)
        return close();
    closeAfterAnswer_ = true;
}

void Connection::cut()
{
    if (run_)
        return hangUp();
    close();
}

void Connection::onFailure() noexcept
{
    try
    {
        cut();
    }
    catch (...)
    {
        // Nothing more can be done for this connection; the loop goes on.
    }
}

void Connection::close()
{
    if (state_ == State::Closed)
        return;
    if (run_)
        return hangUp(); // closed when the run is over
    state_ = State::Closed;
    if (bodyStream_)
    {
        bodyStream_->setRoomCallback(nullptr);
        if (streamingBody_)
            bodyStream_->fail();
        streamingBody_ = false;
    }
    if (timer_)
        loop_.cancel(timer_);
    timer_ = 0;
    const int fd = transport_->fd();
    loop_.remove(fd);
    transport_.reset();
    ::close(fd);
    server_.budget.open.fetch_sub(1);
    if (onClosed_)
        onClosed_(this); // the loop's registry drops it (deleted after this turn)
}

std::optional<std::chrono::steady_clock::time_point> Connection::deadline(DeadlineKind& kind) const
{
    std::optional<std::chrono::steady_clock::time_point> when;
    const auto consider = [&](std::chrono::steady_clock::time_point at, DeadlineKind what) {
        if (!when || at < *when)
        {
            when = at;
            kind = what;
        }
    };
    const ConnectionSettings& settings = server_.settings;
    switch (state_)
    {
    case State::Head:
        if (parser_.started() || requests_ == 0)
            consider(headStart_ + settings.headTimeout, DeadlineKind::Head);
        else
            consider(lastInput_ + settings.idleTimeout, DeadlineKind::Idle);
        break;
    case State::Body: consider(lastInput_ + settings.bodyTimeout, DeadlineKind::Body); break;
    case State::Linger: consider(lingerUntil_, DeadlineKind::Linger); break;
    case State::Busy:
        // A streamed body: the client's gaps count while its stream has room (not while the
        // handler holds the client back).
        if (streamingBody_ && !bodyStream_->full())
            consider(lastInput_ + settings.bodyTimeout, DeadlineKind::Body);
        break;
    default: break;
    }
    if (!out_.empty())
        consider(lastProgress_ + settings.sendTimeout, DeadlineKind::Send);
    return when;
}

void Connection::updateDeadline()
{
    if (state_ == State::Closed)
        return;
    DeadlineKind kind = DeadlineKind::Head;
    const auto when = deadline(kind);
    if (!when)
        return; // a timer that is armed finds nothing due when it fires
    if (timer_ && timerAt_ <= *when)
        return; // it fires first and re-arms for the later deadline
    if (timer_)
        loop_.cancel(timer_);
    timerAt_ = *when;
    timer_ = loop_.at(*when, [this] {
        timer_ = 0;
        try
        {
            onDeadline();
        }
        catch (...)
        {
            onFailure(); // not left half-way with no timer; the loop logs the exception
            throw;
        }
    });
}

void Connection::onDeadline()
{
    if (state_ == State::Closed)
        return;
    DeadlineKind kind = DeadlineKind::Head;
    const auto when = deadline(kind);
    if (!when)
        return;
    if (*when > loop_.now())
        return updateDeadline();
    switch (kind)
    {
    case DeadlineKind::Send:
        server_.counters.sendTimeouts.fetch_add(1);
        return hangUp();
    case DeadlineKind::Idle:
    case DeadlineKind::Linger:
        return close();
    case DeadlineKind::Head:
        server_.counters.headTimeouts.fetch_add(1);
        if (!transport_->established())
            return close(); // no TLS session to carry a 408 over
        return protocolError(408, "Timed out reading the request head.", "request_timeout");
    case DeadlineKind::Body:
        server_.counters.bodyTimeouts.fetch_add(1);
        if (state_ == State::Busy)
            return failStreamedBody("timed out reading the request body");
        return protocolError(408, "Timed out reading the request body.", "request_timeout");
    }
}

} // namespace portico
