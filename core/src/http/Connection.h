#pragma once
// One client connection, owned by the event loop that accepted it: reading request heads and
// bodies as bytes arrive (under deadlines), handing each complete request to an ExchangeRun,
// writing the answer, keep-alive between requests, and every way a connection ends. Only the
// owning loop's thread runs this code, but for a blocking handler's stream writes, which come
// from a worker through writeChunk() and are handed over under crossMutex_.
//
// States:
//   Head     reading a request head (deadline: server.header_timeout_seconds from the head's
//            first byte, or from accept for the first request; an idle keep-alive connection
//            waits server.idle_timeout_seconds for that first byte)
//   Body     reading its body (deadline: server.body_timeout_seconds between two reads)
//            A route that streams its body (Route::streamedBody) skips Body: the request goes
//            to its ExchangeRun at once and the body is read while it is served (Busy with
//            streamingBody_), into a RequestBodyStream: not read while that holds
//            BodyStream::BufferLimit, and the body timeout runs only while it does not.
//   Busy     an ExchangeRun has the request; up to 64 KiB of what follows (pipelined requests)
//            is read and kept, the rest waits in the kernel; a hang-up (EOF, reset) read
//            within that is noticed at once, one behind a full 64 KiB when a write fails.
//            A client that shuts its sending side has left: a deferred answer is cancelled,
//            a buffered one still goes out, and requests it had sent before are served
//   Linger   the answer went out without reading the request's body: the sending side is shut
//            and what the client still sends is read and dropped (2 s, 8 MiB), so that closing
//            does not reset the connection before the client has read the answer
//   Closed
// While answer bytes are queued and the client takes none, server.send_timeout_seconds ends
// the connection.

#include "event/Acceptor.h"
#include "event/EventLoop.h"
#include "event/Transport.h"
#include "http/ExchangeRun.h"
#include "http/MessageHead.h"
#include "http/ResponseSink.h"
#include "http/ServerState.h"
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace portico {

class AccessLog;
class Chain;
class RequestBodyStream;
class WorkerPool;
struct DroppedFields;

/// Counters the connections keep for the metrics.
struct ServerCounters
{
    std::atomic<std::uint64_t> headTimeouts{0};
    std::atomic<std::uint64_t> bodyTimeouts{0};
    std::atomic<std::uint64_t> sendTimeouts{0};
    std::atomic<std::uint64_t> badRequests{0};
    std::atomic<std::uint64_t> streamsOverBuffer{0};
    /// Response header fields (and statuses, content types) not sendable as a plugin set them.
    std::atomic<std::uint64_t> responseFieldsDropped{0};
};

/// Connection settings, from [server].
struct ConnectionSettings
{
    std::chrono::milliseconds headTimeout{10000};
    std::chrono::milliseconds idleTimeout{60000};
    std::chrono::milliseconds bodyTimeout{30000};
    std::chrono::milliseconds sendTimeout{60000};
    int keepAliveRequests = 1000;
};

/// What every connection shares with the server.
struct ServerContext
{
    ServerState& state;
    WorkerPool& workers;
    ConnectionBudget& budget;
    ServerCounters& counters;
    AccessLog* accessLog;
    ConnectionSettings settings;
};

/// Queued answer bytes above which a stream's writer says it is not ready (and a blocking
/// writer waits); it is ready again below half of it. 16 times it cuts a producer that ignores
/// ready().
constexpr std::size_t HighWatermark = 64 * 1024;
constexpr std::size_t LowWatermark = HighWatermark / 2;
constexpr std::size_t HardOutputLimit = 16 * HighWatermark;

class Connection : public IoHandler, public ResponseSink
{
public:
    /// `onClosed` is called (on the loop) when the connection has closed: the loop's registry
    /// drops it then (and deletes it after the current turn). `listener`: the socket it was
    /// accepted on, which decides the routes it may reach.
    Connection(ServerContext& server, EventLoop& loop, std::unique_ptr<Transport> transport, std::string peer,
               Listener listener, std::function<void(Connection*)> onClosed);
    ~Connection() override;

    /// Registers with the loop; the first request's head deadline starts now.
    void start();
    /// Drain: an idle connection closes now; a busy one after its answer (Connection: close).
    void drain();
    /// Stop: closes now, cancelling what is in flight (a worker's run is waited for).
    void cut();

    bool closed() const { return state_ == State::Closed; }

    // IoHandler
    void onIo(std::uint32_t events) override;
    void onFailure() noexcept override;

    // ResponseSink
    bool sendWhole(const Response& response) override;
    bool beginStream(const Response& response) override;
    bool writeChunk(std::string_view chunk) override;
    bool ready() const override;
    void endStream() override;
    void abortStream() override;

private:
    enum class State
    {
        Head,
        Body,
        Busy,
        Linger,
        Closed
    };
    enum class StreamFraming
    {
        Chunked,
        UntilClose,
        HeadOnly
    };
    enum class DeadlineKind
    {
        Head,
        Idle,
        Body,
        Send,
        Linger
    };

    // input
    void readInput();
    void inputEnded();
    void process();
    bool parseHead();
    bool readBody();
    void dispatch();
    /// The head's route takes its body as a stream.
    bool routeStreamsBody();
    void startStreamedBody();
    /// Moves what input_ holds of a streamed body into its stream (while it has room).
    void feedBody();
    void finishStreamedBody();
    /// The streamed body cannot be read on (`why`): the request is abandoned.
    void failStreamedBody(const std::string& why);
    /// The stream's consumer made room: reading goes on.
    void bodyRoom();
    void protocolError(int status, const std::string& message, const std::string& code);
    void startRun(std::unique_ptr<Exchange> exchange);
    void runDone();
    void nextRequest();

    // output
    void queue(std::string bytes);
    void flush();
    bool writeFromWorker(std::string bytes);
    void pullFromWorker();
    bool keepAliveNow() const;
    /// Logs and counts what appendResponseHead left out.
    void reportDropped(const DroppedFields& dropped) const;
    /// server.keep_alive_requests not yet reached (0: unlimited).
    bool requestsLeft() const;

    // ends
    void finishAndClose();
    void lingerOrClose();
    void close();
    std::optional<std::chrono::steady_clock::time_point> deadline(DeadlineKind& kind) const;
    void updateDeadline();
    void onDeadline();
    void hangUp();

    ServerContext& server_;
    EventLoop& loop_;
    std::unique_ptr<Transport> transport_;
    const bool secure_; ///< TLS: its requests' Exchange::secure()
    const std::string peer_;
    const Listener listener_;
    std::function<void(Connection*)> onClosed_;
    State state_ = State::Head;

    std::string input_;
    RequestHeadParser parser_;
    RequestHead head_;
    ChunkedDecoder chunked_;
    std::string body_;
    /// A request with a body: the chain its route was looked up in, which serves it.
    std::shared_ptr<const Chain> chain_;
    /// A streamed body (see States), until its run is done.
    std::shared_ptr<RequestBodyStream> bodyStream_;
    bool streamingBody_ = false;    ///< its bytes are still being read
    std::uint64_t streamLeft_ = 0;  ///< Content-Length framing: its bytes still due
    bool bodyTooLarge_ = false;
    std::uint64_t bodyWireBytes_ = 0; ///< bytes of a chunked body as sent, framing included
    bool inputEnded_ = false;  ///< the client shut its sending side (or reset)
    bool wantRead_ = true;     ///< input may be waiting in the socket (edge-triggered)
    bool peerShut_ = false;    ///< an event said the peer shut its side (EPOLLRDHUP/EPOLLHUP): read to EOF
    int requests_ = 0;
    std::chrono::steady_clock::time_point lastInput_;
    std::chrono::steady_clock::time_point headStart_;

    std::unique_ptr<ExchangeRun> run_;
    bool headRequest_ = false;
    bool http10_ = false;
    bool keepAlive_ = true;
    bool closeAfterAnswer_ = false;
    bool needLinger_ = false;       ///< the client may still be sending: linger before closing
    bool closeWhenFlushed_ = false; ///< close once the queued answer is out
    bool abortAfterFlush_ = false;  ///< a failed stream: close without lingering once flushed
    bool draining_ = false;
    StreamFraming framing_ = StreamFraming::Chunked;
    mutable bool notReady_ = false; ///< a stream was told "not ready": resume it when drained
    std::atomic<bool> closeAfterStream_{false}; ///< set by a worker's stream head

    std::deque<std::string> out_;
    std::size_t outOffset_ = 0; ///< bytes of out_.front() already sent
    std::size_t outBytes_ = 0;
    std::chrono::steady_clock::time_point lastProgress_;
    bool writeBroken_ = false;

    // A blocking handler's stream, written from a worker.
    mutable std::mutex crossMutex_;
    std::condition_variable crossRoom_;
    std::string crossOut_;
    bool crossPosted_ = false;
    std::atomic<std::size_t> queuedBytes_{0}; ///< outBytes_ + crossOut_, for ready() from any thread
    std::atomic<bool> gone_{false};

    EventLoop::TimerId timer_ = 0;
    std::chrono::steady_clock::time_point timerAt_;
    std::chrono::steady_clock::time_point lingerUntil_;
    std::size_t lingerDiscarded_ = 0;
};

} // namespace portico
