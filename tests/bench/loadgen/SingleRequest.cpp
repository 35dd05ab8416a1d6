#include "SingleRequest.h"
#include <cstring>
#include <sys/epoll.h>

namespace portico::loadgen {

bool SingleRequest::start(unsigned short port, Clock::time_point now)
{
    startedAt_ = endedAt_ = now;
    state_ = State::Connecting;
    if (!socket_.connect(port))
    {
        finish(Outcome::ConnectError, socket_.error(), now);
        return false;
    }
    return true;
}

std::uint32_t SingleRequest::interest() const
{
    switch (state_)
    {
    case State::Connecting:
    case State::Sending:
        return EPOLLOUT;
    case State::Receiving:
    case State::Kept:
        return EPOLLIN | EPOLLRDHUP;
    case State::Idle:
    case State::Over:
        break;
    }
    return 0;
}

void SingleRequest::onReady(std::uint32_t events, Clock::time_point now)
{
    if (state_ == State::Connecting)
    {
        if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
            return;
        const int error = socket_.connectResult();
        if (error != 0)
        {
            finish(Outcome::ConnectError, std::string("connect: ") + std::strerror(error), now);
            return;
        }
        state_ = State::Sending;
    }
    if (state_ == State::Sending)
        send(now);
    else if (state_ == State::Receiving)
        receive(now);
    else if (state_ == State::Kept)
        watchKept(now);
}

void SingleRequest::send(Clock::time_point now)
{
    while (sent_ < wire_.size())
    {
        std::size_t moved = 0;
        const LoopbackSocket::Io io = socket_.send(wire_.data() + sent_, wire_.size() - sent_, moved);
        if (io == LoopbackSocket::Io::WouldBlock)
            return;
        if (io != LoopbackSocket::Io::Moved)
        {
            finish(Outcome::Closed, socket_.error(), now);
            return;
        }
        sent_ += moved;
    }
    state_ = State::Receiving;
}

void SingleRequest::receive(Clock::time_point now)
{
    char buffer[4096];
    for (int round = 0; round < 16 && state_ == State::Receiving; ++round)
    {
        std::size_t moved = 0;
        switch (socket_.receive(buffer, sizeof buffer, moved))
        {
        case LoopbackSocket::Io::WouldBlock:
            return;
        case LoopbackSocket::Io::PeerClosed:
            parser_.endOfInput();
            if (parser_.done())
            {
                finish(Outcome::Answered, "", now);
                state_ = State::Over;
                closedByServer_ = true;
            }
            else
                finish(Outcome::Closed, parser_.error(), now);
            return;
        case LoopbackSocket::Io::Error:
            finish(Outcome::Closed, socket_.error(), now);
            return;
        case LoopbackSocket::Io::Moved:
            parser_.feed(buffer, moved);
            if (parser_.failed())
                finish(Outcome::ProtocolError, parser_.error(), now);
            else if (parser_.done())
                finish(Outcome::Answered, "", now);
            break;
        }
    }
}

void SingleRequest::watchKept(Clock::time_point)
{
    char buffer[4096];
    for (int round = 0; round < 16 && state_ == State::Kept; ++round)
    {
        std::size_t moved = 0;
        const LoopbackSocket::Io io = socket_.receive(buffer, sizeof buffer, moved);
        if (io == LoopbackSocket::Io::WouldBlock)
            return;
        if (io != LoopbackSocket::Io::Moved)
        {
            // The server closed the idle connection (its keep-alive timeout, or it shed it).
            closedByServer_ = true;
            state_ = State::Over;
            return;
        }
        // Bytes nobody asked for: ignored.
    }
}

void SingleRequest::fail(Outcome outcome, std::string why, Clock::time_point now)
{
    if (outcome_ == Outcome::Pending)
        finish(outcome, std::move(why), now);
}

void SingleRequest::finish(Outcome outcome, std::string why, Clock::time_point now)
{
    outcome_ = outcome;
    why_ = std::move(why);
    endedAt_ = now;
    // An answered request keeps its connection when the server allows keep-alive.
    state_ = outcome == Outcome::Answered && parser_.keepAlive() ? State::Kept : State::Over;
}

} // namespace portico::loadgen
