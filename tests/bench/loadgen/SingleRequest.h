#pragma once
/// One request on a new connection, for `hold` mode: a non-blocking connect to 127.0.0.1, the
/// request, its answer (ResponseParser). Then, for an idle keep-alive connection, the
/// connection stays open and watched (as an SDK's pool keeps it) until the server closes it or
/// the caller does; a fresh request is closed by the caller once answered. Records when it
/// started (before the connect), when the whole answer was in, its status, and how it failed.

#include "LoopbackSocket.h"
#include "ResponseParser.h"
#include <chrono>
#include <cstdint>
#include <string>

namespace portico::loadgen {

class SingleRequest
{
public:
    using Clock = std::chrono::steady_clock;

    enum class Outcome
    {
        Pending,      ///< not answered yet
        Answered,     ///< a whole answer arrived (any status)
        ConnectError, ///< the connection could not be made
        Closed,       ///< the connection ended (or a send failed) before the whole answer
        Timeout,      ///< no whole answer in time (set by the caller)
        ProtocolError ///< the answer's framing was bad
    };

    explicit SingleRequest(const std::string& wire) : wire_(wire) {}
    SingleRequest(const SingleRequest&) = delete;
    SingleRequest& operator=(const SingleRequest&) = delete;

    /// Starts the connect. False when it failed at once.
    bool start(unsigned short port, Clock::time_point now);
    void onReady(std::uint32_t events, Clock::time_point now);
    /// Ends a pending request from outside (a timeout).
    void fail(Outcome outcome, std::string why, Clock::time_point now);
    /// Closes the socket (take it out of the poll set first).
    void close() { socket_.close(); }

    /// The EPOLL* bits to wait for (0 once over).
    std::uint32_t interest() const;
    int fd() const { return socket_.fd(); }
    Outcome outcome() const { return outcome_; }
    bool pending() const { return outcome_ == Outcome::Pending; }
    /// Answered and the connection still open (not closed by the server, nor by us).
    bool keptOpen() const { return state_ == State::Kept; }
    /// Answered, then the server closed the connection.
    bool closedByServer() const { return closedByServer_; }
    /// Over: failed, or answered and then closed by the server; the caller should close it.
    bool over() const { return state_ == State::Over; }
    int status() const { return parser_.headComplete() ? parser_.status() : 0; }
    Clock::time_point startedAt() const { return startedAt_; }
    /// From the start of the connect to the whole answer (or the failure).
    std::chrono::nanoseconds latency() const { return endedAt_ - startedAt_; }
    const std::string& why() const { return why_; }

private:
    enum class State
    {
        Idle,
        Connecting,
        Sending,
        Receiving,
        Kept,
        Over
    };

    void send(Clock::time_point now);
    void receive(Clock::time_point now);
    void watchKept(Clock::time_point now);
    void finish(Outcome outcome, std::string why, Clock::time_point now);

    const std::string& wire_;
    LoopbackSocket socket_;
    ResponseParser parser_;
    State state_ = State::Idle;
    Outcome outcome_ = Outcome::Pending;
    std::size_t sent_ = 0;
    bool closedByServer_ = false;
    std::string why_;
    Clock::time_point startedAt_{}, endedAt_{};
};

} // namespace portico::loadgen
