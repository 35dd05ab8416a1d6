#include "SlowClient.h"
#include <cstring>
#include <sys/epoll.h>

namespace portico::loadgen {

bool SlowClient::start(unsigned short port, Clock::time_point now)
{
    parser_.reset();
    connected_ = answerBegan_ = false;
    linesSent_ = 0;
    pending_.clear();
    why_.clear();
    startedAt_ = connectedAt_ = endedAt_ = now;
    state_ = State::Connecting;
    if (!socket_.connect(port))
    {
        end(now, socket_.error());
        return false;
    }
    return true;
}

std::uint32_t SlowClient::interest() const
{
    if (state_ == State::Connecting)
        return EPOLLOUT;
    if (state_ == State::Trickling)
        return EPOLLIN | EPOLLRDHUP;
    return 0;
}

double SlowClient::secondsOpen() const
{
    return std::chrono::duration<double>(endedAt_ - (connected_ ? connectedAt_ : startedAt_)).count();
}

void SlowClient::onReady(std::uint32_t events, Clock::time_point now)
{
    if (state_ == State::Connecting)
    {
        if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
            return;
        const int error = socket_.connectResult();
        if (error != 0)
        {
            end(now, std::string("connect: ") + std::strerror(error));
            return;
        }
        connected_ = true;
        connectedAt_ = now;
        state_ = State::Trickling;
        tick(now); // the request line, at once
        return;
    }
    if (state_ == State::Trickling && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
        receive(now);
}

void SlowClient::receive(Clock::time_point now)
{
    char buffer[4096];
    for (int round = 0; round < 16 && state_ == State::Trickling; ++round)
    {
        std::size_t moved = 0;
        switch (socket_.receive(buffer, sizeof buffer, moved))
        {
        case LoopbackSocket::Io::WouldBlock:
            return;
        case LoopbackSocket::Io::PeerClosed:
            parser_.endOfInput();
            end(now, answerBegan_ ? "closed after an answer" : "closed without an answer");
            return;
        case LoopbackSocket::Io::Error:
            end(now, socket_.error());
            return;
        case LoopbackSocket::Io::Moved:
            answerBegan_ = true;
            parser_.feed(buffer, moved);
            // A whole answer (or garbage) is the server's verdict on this head: no need to wait
            // for its close.
            if (parser_.done() || parser_.failed())
            {
                end(now, parser_.failed() ? parser_.error() : "answered");
                return;
            }
            break;
        }
    }
}

void SlowClient::tick(Clock::time_point now)
{
    if (state_ != State::Trickling || answerBegan_)
        return;
    const int due = head_.linesDue(now - connectedAt_);
    while (linesSent_ < due)
        pending_ += head_.line(linesSent_++);
    flush(now);
}

void SlowClient::flush(Clock::time_point now)
{
    while (!pending_.empty())
    {
        std::size_t moved = 0;
        const LoopbackSocket::Io io = socket_.send(pending_.data(), pending_.size(), moved);
        if (io == LoopbackSocket::Io::WouldBlock)
            return; // a few bytes; the next tick tries again
        if (io != LoopbackSocket::Io::Moved)
        {
            // The server gave up on us: an answer it sent may still be readable.
            receive(now);
            if (state_ == State::Trickling)
                end(now, socket_.error());
            return;
        }
        pending_.erase(0, moved);
    }
}

void SlowClient::end(Clock::time_point now, std::string why)
{
    state_ = State::Ended;
    endedAt_ = now;
    why_ = std::move(why);
}

} // namespace portico::loadgen
