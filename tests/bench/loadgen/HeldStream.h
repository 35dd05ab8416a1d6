#pragma once
/// One streaming request of `streams` mode, driven by readiness events from a PollSet: a
/// non-blocking connect, the request, the response head, then server-sent events until the
/// stream's end. It records when it was established (status 200 and a first event) and how it
/// ended; the caller owns the poll set and the clock, and closes the socket once it has ended.

#include "BodyDigest.h"
#include "ResponseParser.h"
#include "SseScanner.h"
#include "Poco/Net/SocketAddress.h"
#include "Poco/Net/StreamSocket.h"
#include <chrono>
#include <string>

namespace portico::loadgen {

enum class StreamOutcome
{
    Open,          ///< not ended yet
    Completed,     ///< [DONE] or response.completed, then the end of the body, no error
    ConnectError,  ///< the connection could not be made
    StatusError,   ///< the answer's status was not 200
    Closed,        ///< the connection or the body ended before the stream's last event
    ErrorEvent,    ///< an `error` (or response.failed / response.incomplete) event
    Timeout,       ///< silent for too long, or not established in time
    ProtocolError  ///< bad HTTP framing
};

class HeldStream
{
public:
    using Clock = std::chrono::steady_clock;

    /// keepBody: also keep the normalised body (BodyDigest), for a sample file.
    explicit HeldStream(const std::string& wire, bool keepBody = false);
    HeldStream(const HeldStream&) = delete;
    HeldStream& operator=(const HeldStream&) = delete;

    /// Starts a non-blocking connect.
    void start(const Poco::Net::SocketAddress& address, Clock::time_point now);
    /// Handles the PollSet modes reported for this socket; true when interest() changed.
    bool onReady(int modes, Clock::time_point now);
    /// Ends the stream from outside (a timeout).
    void fail(StreamOutcome outcome, std::string why);
    /// Closes the socket of an ended stream (after the caller took it out of its poll set: a
    /// closed socket's descriptor may be reused at once).
    void close();

    Poco::Net::StreamSocket& socket() { return socket_; }
    /// The PollSet modes this stream waits for.
    int interest() const;
    bool ended() const { return outcome_ != StreamOutcome::Open; }
    StreamOutcome outcome() const { return outcome_; }
    /// Why it failed (first failure), for the error summary.
    const std::string& why() const { return why_; }
    bool established() const { return established_; }
    Clock::time_point startedAt() const { return startedAt_; }
    Clock::time_point establishedAt() const { return establishedAt_; }
    Clock::time_point lastActivity() const { return lastActivity_; }
    unsigned long long events() const { return sse_.events(); }
    /// The body's normalised digest (final once the stream completed) and raw byte count.
    const BodyDigest& digest() const { return digest_; }

private:
    void send();
    void receive();
    void onEvent(std::string_view event, std::string_view data);
    void finishBody();
    void end(StreamOutcome outcome, std::string why);

    const std::string& wire_;
    Poco::Net::StreamSocket socket_;
    ResponseParser parser_;
    SseScanner sse_;
    BodyDigest digest_;
    enum class Phase
    {
        Idle,
        Connecting,
        Sending,
        Receiving
    } phase_ = Phase::Idle;
    std::size_t sent_ = 0;
    bool established_ = false;
    bool sawLastEvent_ = false;
    StreamOutcome outcome_ = StreamOutcome::Open;
    std::string why_;
    Clock::time_point startedAt_{}, establishedAt_{}, lastActivity_{};
    Clock::time_point now_{};
};

} // namespace portico::loadgen
