#pragma once
/// One slowloris connection of `hold` mode: a non-blocking connect to 127.0.0.1, then the
/// SlowHead's lines as they fall due (tick()), never the end of the head. It stops writing as
/// soon as an answer begins, and is over when the server closes the connection, when a whole
/// answer has arrived, or when the connect or a write failed. What it records: whether it was
/// connected, the answer's status (0: none) and when it ended. The caller owns the poll set,
/// drives onReady()/tick() and reconnects.

#include "LoopbackSocket.h"
#include "ResponseParser.h"
#include "SlowHead.h"
#include <chrono>
#include <cstdint>
#include <string>

namespace portico::loadgen {

class SlowClient
{
public:
    using Clock = std::chrono::steady_clock;

    explicit SlowClient(const SlowHead& head) : head_(head) {}
    SlowClient(const SlowClient&) = delete;
    SlowClient& operator=(const SlowClient&) = delete;

    /// Starts a new connection (the previous one must have been closed). False when it failed at once.
    bool start(unsigned short port, Clock::time_point now);
    /// Readiness from the poll set (EPOLL* bits).
    void onReady(std::uint32_t events, Clock::time_point now);
    /// Writes the lines due by now, unless an answer has begun.
    void tick(Clock::time_point now);
    /// Ends the connection from outside (a connect that takes too long).
    void abandon(Clock::time_point now, std::string why)
    {
        if (state_ != State::Ended)
            end(now, std::move(why));
    }
    /// Closes the socket (take it out of the poll set first).
    void close() { socket_.close(); }

    /// The EPOLL* bits to wait for: writable while connecting, readable after.
    std::uint32_t interest() const;
    int fd() const { return socket_.fd(); }
    bool connecting() const { return state_ == State::Connecting; }
    /// Connected, head not refused yet: held.
    bool open() const { return state_ == State::Trickling; }
    bool ended() const { return state_ == State::Ended; }
    /// Whether the connect completed (false: the connection failed before it).
    bool wasConnected() const { return connected_; }
    /// The answer's status once its head arrived; 0 when the server answered nothing.
    int status() const { return parser_.headComplete() ? parser_.status() : 0; }
    Clock::time_point startedAt() const { return startedAt_; }
    /// From the connect's completion (or its start, when it never completed) to the end.
    double secondsOpen() const;
    const std::string& why() const { return why_; }
    int linesSent() const { return linesSent_; }

private:
    enum class State
    {
        Idle,
        Connecting,
        Trickling,
        Ended
    };

    void receive(Clock::time_point now);
    void flush(Clock::time_point now);
    void end(Clock::time_point now, std::string why);

    const SlowHead& head_;
    LoopbackSocket socket_;
    ResponseParser parser_;
    State state_ = State::Idle;
    bool connected_ = false;
    bool answerBegan_ = false;
    int linesSent_ = 0;
    std::string pending_;
    std::string why_;
    Clock::time_point startedAt_{}, connectedAt_{}, endedAt_{};
};

} // namespace portico::loadgen
