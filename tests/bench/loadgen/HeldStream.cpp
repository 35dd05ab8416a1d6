#include "HeldStream.h"
#include "Poco/Exception.h"
#include "Poco/Net/PollSet.h"
#include <cstring>

namespace portico::loadgen {

HeldStream::HeldStream(const std::string& wire, bool keepBody)
    : wire_(wire),
      parser_([this](std::string_view body) {
          digest_.feed(body);
          sse_.feed(body);
      }),
      sse_([this](std::string_view event, std::string_view data) { onEvent(event, data); }),
      digest_(keepBody)
{
}

void HeldStream::start(const Poco::Net::SocketAddress& address, Clock::time_point now)
{
    startedAt_ = lastActivity_ = now_ = now;
    try
    {
        socket_.connectNB(address);
        phase_ = Phase::Connecting;
    }
    catch (const Poco::Exception& error)
    {
        end(StreamOutcome::ConnectError, error.displayText());
    }
}

int HeldStream::interest() const
{
    using Poco::Net::PollSet;
    switch (phase_)
    {
    case Phase::Connecting:
    case Phase::Sending:
        return PollSet::POLL_WRITE | PollSet::POLL_ERROR;
    case Phase::Receiving:
        return PollSet::POLL_READ | PollSet::POLL_ERROR;
    case Phase::Idle:
        break;
    }
    return 0;
}

bool HeldStream::onReady(int modes, Clock::time_point now)
{
    now_ = now;
    const int before = interest();
    if (phase_ == Phase::Connecting)
    {
        // Writable (or in error) after connectNB: SO_ERROR tells which.
        const int error = socket_.impl()->socketError();
        if (error != 0)
        {
            end(StreamOutcome::ConnectError, "connect: " + std::string(std::strerror(error)));
            return true;
        }
        socket_.setNoDelay(true);
        phase_ = Phase::Sending;
    }
    // An error on the socket makes send() or receive() fail and end the stream; waiting for
    // another mode would spin, the poll set reporting the error again and again.
    if (phase_ == Phase::Sending && (modes & (Poco::Net::PollSet::POLL_WRITE | Poco::Net::PollSet::POLL_ERROR)))
        send();
    else if (phase_ == Phase::Receiving)
        receive();
    return ended() || interest() != before;
}

void HeldStream::send()
{
    try
    {
        const int written = socket_.sendBytes(wire_.data() + sent_, static_cast<int>(wire_.size() - sent_));
        if (written > 0)
            sent_ += static_cast<std::size_t>(written);
    }
    catch (const Poco::Exception& error)
    {
        end(StreamOutcome::Closed, "send: " + error.displayText());
        return;
    }
    if (sent_ == wire_.size())
        phase_ = Phase::Receiving;
}

void HeldStream::receive()
{
    char buffer[8192];
    // Drain what is there (level-triggered poll: stopping early would only cost another wake-up).
    for (int round = 0; round < 16 && !ended(); ++round)
    {
        int received = 0;
        try
        {
            received = socket_.receiveBytes(buffer, sizeof buffer);
        }
        catch (const Poco::TimeoutException&)
        {
            return; // EAGAIN on a non-blocking socket: nothing more for now
        }
        catch (const Poco::Exception& error)
        {
            digest_.finish();
            end(sawLastEvent_ ? StreamOutcome::Completed : StreamOutcome::Closed, "receive: " + error.displayText());
            return;
        }
        if (received < 0)
            return; // EAGAIN
        lastActivity_ = now_;
        if (received == 0)
        {
            parser_.endOfInput();
            if (parser_.failed() && !sawLastEvent_)
                end(StreamOutcome::Closed, parser_.error());
            else
                finishBody();
            return;
        }
        parser_.feed(buffer, static_cast<std::size_t>(received));
        if (ended())
            return;
        if (parser_.headComplete() && parser_.status() != 200)
        {
            end(StreamOutcome::StatusError, "status " + std::to_string(parser_.status()));
            return;
        }
        if (parser_.failed())
        {
            end(StreamOutcome::ProtocolError, parser_.error());
            return;
        }
        if (parser_.done())
        {
            finishBody();
            return;
        }
    }
}

void HeldStream::onEvent(std::string_view event, std::string_view data)
{
    if (ended())
        return;
    if (!established_)
    {
        established_ = true;
        establishedAt_ = now_;
    }
    if (event == "error" || event == "response.failed" || event == "response.incomplete")
        end(StreamOutcome::ErrorEvent, std::string(event) + ": " + std::string(data.substr(0, 200)));
    else if (data == "[DONE]" || event == "response.completed")
        sawLastEvent_ = true;
}

void HeldStream::finishBody()
{
    digest_.finish();
    if (sawLastEvent_)
        end(StreamOutcome::Completed, "");
    else
        end(StreamOutcome::Closed, "the body ended without [DONE] or response.completed");
}

void HeldStream::fail(StreamOutcome outcome, std::string why)
{
    if (!ended())
        end(outcome, std::move(why));
}

void HeldStream::end(StreamOutcome outcome, std::string why)
{
    outcome_ = outcome;
    why_ = std::move(why);
    phase_ = Phase::Idle;
}

void HeldStream::close()
{
    try
    {
        socket_.close();
    }
    catch (const Poco::Exception&)
    {
    }
}

} // namespace portico::loadgen
