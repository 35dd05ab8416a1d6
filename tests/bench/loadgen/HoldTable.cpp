#include "HoldTable.h"

namespace portico::loadgen {

namespace {

using Clock = HoldTable::Clock;

std::chrono::nanoseconds seconds(double value)
{
    return std::chrono::nanoseconds(static_cast<long long>(value * 1e9));
}

// Poll tags: the kind of connection in the high half, its index in the low half.
enum Kind : std::uint64_t
{
    IdleKind = 1,
    SlowKind = 2,
    FreshKind = 3
};

std::uint64_t tag(Kind kind, std::size_t index) { return (static_cast<std::uint64_t>(kind) << 32) | index; }

} // namespace

HoldTable::HoldTable(const HoldOptions& options, HoldResult& result)
    : options_(options),
      result_(result),
      wire_(options.request.wire()),
      head_(options.request.path, options.request.host + ":" + std::to_string(options.request.port),
            seconds(options.slowIntervalSeconds)),
      slowFirstOver_(static_cast<std::size_t>(options.slow), false),
      slowNextStart_(static_cast<std::size_t>(options.slow))
{
    idle_.reserve(static_cast<std::size_t>(options.idle));
    slow_.reserve(static_cast<std::size_t>(options.slow));
    fresh_.reserve(static_cast<std::size_t>(options.fresh));
}

void HoldTable::openSlow(Clock::time_point now)
{
    slow_.push_back(std::make_unique<SlowClient>(head_));
    startSlow(slow_.size() - 1, now);
}

void HoldTable::openIdle(Clock::time_point now)
{
    idle_.push_back(std::make_unique<SingleRequest>(wire_));
    SingleRequest& request = *idle_.back();
    if (request.start(options_.request.port, now))
        poller_.watch(request.fd(), request.interest(), tag(IdleKind, idle_.size() - 1));
}

void HoldTable::openFresh(Clock::time_point now)
{
    fresh_.push_back(std::make_unique<SingleRequest>(wire_));
    ++result_.freshStarted;
    SingleRequest& request = *fresh_.back();
    if (request.start(options_.request.port, now))
        poller_.watch(request.fd(), request.interest(), tag(FreshKind, fresh_.size() - 1));
    else
        retireFresh(request);
}

void HoldTable::poll(int timeoutMs)
{
    const std::vector<Poller::Ready>& ready = poller_.wait(timeoutMs);
    const Clock::time_point now = Clock::now();
    for (const Poller::Ready& event : ready)
    {
        const std::size_t index = event.tag & 0xffffffffu;
        switch (static_cast<Kind>(event.tag >> 32))
        {
        case IdleKind: onIdle(index, event.events, now); break;
        case SlowKind: onSlow(index, event.events, now); break;
        case FreshKind: onFresh(index, event.events, now); break;
        }
    }
}

void HoldTable::tick(Clock::time_point now)
{
    for (std::size_t i = 0; i < slow_.size(); ++i)
    {
        SlowClient& client = *slow_[i];
        if (client.connecting() && now - client.startedAt() > seconds(options_.establishTimeoutSeconds))
            client.abandon(now, "connect timed out");
        client.tick(now);
        if (client.ended() && client.fd() >= 0)
            retireSlow(i);
        else if (client.ended() && now >= slowNextStart_[i])
            startSlow(i, now);
    }
    for (auto& request : fresh_)
        if (request->pending() && request->fd() >= 0 && now - request->startedAt() > seconds(options_.freshTimeoutSeconds))
        {
            request->fail(SingleRequest::Outcome::Timeout, "no answer within --fresh-timeout", now);
            retireFresh(*request);
        }
}

void HoldTable::expireIdle(Clock::time_point now)
{
    for (auto& request : idle_)
        if (request->pending())
        {
            request->fail(SingleRequest::Outcome::Timeout, "no answer within --establish-timeout", now);
            forgetAndClose(*request);
        }
}

void HoldTable::expireFresh(Clock::time_point now)
{
    for (auto& request : fresh_)
        if (request->pending())
        {
            request->fail(SingleRequest::Outcome::Timeout, "unanswered when the run was cut short", now);
            retireFresh(*request);
        }
}

bool HoldTable::allSettled() const
{
    if (static_cast<int>(idle_.size()) < options_.idle || static_cast<int>(slow_.size()) < options_.slow)
        return false;
    for (const auto& request : idle_)
        if (request->pending())
            return false;
    for (const auto& client : slow_)
        if (client->connecting())
            return false;
    return true;
}

bool HoldTable::freshOver() const
{
    for (const auto& request : fresh_)
        if (request->pending())
            return false;
    return true;
}

int HoldTable::idleHeld() const
{
    int n = 0;
    for (const auto& request : idle_)
        n += request->keptOpen() && request->status() == 200 ? 1 : 0;
    return n;
}

int HoldTable::slowOpen() const
{
    int n = 0;
    for (const auto& client : slow_)
        n += client->open() ? 1 : 0;
    return n;
}

void HoldTable::finish()
{
    result_.idleHeldEnd = idleHeld();
    result_.slowOpenEnd = slowOpen();
    for (std::size_t i = 0; i < slow_.size(); ++i)
        if (!slowFirstOver_[i] && slow_[i]->open())
            ++result_.slowNeverClosed;
    for (const auto& request : idle_)
    {
        if (request->outcome() == SingleRequest::Outcome::Answered)
        {
            ++(request->status() == 200 ? result_.idleOk : result_.idleNon200);
            result_.idleClosedByServer += request->closedByServer() ? 1 : 0;
            continue;
        }
        ++result_.idleFailed; // Pending cannot be left: expireIdle ran
        result_.idleTimeouts += request->outcome() == SingleRequest::Outcome::Timeout ? 1 : 0;
        if (result_.firstIdleError.empty())
            result_.firstIdleError = request->why();
    }
    for (auto& request : idle_)
        forgetAndClose(*request);
    for (auto& client : slow_)
    {
        poller_.forget(client->fd());
        client->close();
    }
    for (auto& request : fresh_)
        forgetAndClose(*request);
}

void HoldTable::startSlow(std::size_t index, Clock::time_point now)
{
    SlowClient& client = *slow_[index];
    ++result_.slowConnects;
    slowNextStart_[index] = now + seconds(options_.slowIntervalSeconds);
    if (client.start(options_.request.port, now))
        poller_.watch(client.fd(), client.interest(), tag(SlowKind, index));
    else
        retireSlow(index);
}

void HoldTable::onIdle(std::size_t index, std::uint32_t events, Clock::time_point now)
{
    SingleRequest& request = *idle_.at(index);
    const std::uint32_t before = request.interest();
    request.onReady(events, now);
    if (request.over())
        forgetAndClose(request);
    else if (request.interest() != before)
        poller_.watch(request.fd(), request.interest(), tag(IdleKind, index));
}

void HoldTable::onSlow(std::size_t index, std::uint32_t events, Clock::time_point now)
{
    SlowClient& client = *slow_.at(index);
    const std::uint32_t before = client.interest();
    client.onReady(events, now);
    if (client.ended())
        retireSlow(index);
    else if (client.interest() != before)
        poller_.watch(client.fd(), client.interest(), tag(SlowKind, index));
}

void HoldTable::onFresh(std::size_t index, std::uint32_t events, Clock::time_point now)
{
    SingleRequest& request = *fresh_.at(index);
    const std::uint32_t before = request.interest();
    request.onReady(events, now);
    // A fresh request is over once answered: its connection is closed at once.
    if (!request.pending())
        retireFresh(request);
    else if (request.interest() != before)
        poller_.watch(request.fd(), request.interest(), tag(FreshKind, index));
}

void HoldTable::retireFresh(SingleRequest& request)
{
    forgetAndClose(request);
    switch (request.outcome())
    {
    case SingleRequest::Outcome::Answered:
        result_.freshLatency.add(request.latency());
        ++(request.status() == 200 ? result_.freshOk : result_.freshNon200);
        return;
    case SingleRequest::Outcome::Timeout: ++result_.freshTimeouts; break;
    case SingleRequest::Outcome::ConnectError: ++result_.freshConnectErrors; break;
    case SingleRequest::Outcome::ProtocolError: ++result_.freshProtocolErrors; break;
    case SingleRequest::Outcome::Closed:
    case SingleRequest::Outcome::Pending: ++result_.freshClosed; break;
    }
    if (result_.firstFreshError.empty())
        result_.firstFreshError = request.why();
}

// A slow connection that has ended: recorded and closed; tick() reconnects it.
void HoldTable::retireSlow(std::size_t index)
{
    SlowClient& client = *slow_[index];
    poller_.forget(client.fd());
    client.close();
    const bool first = !slowFirstOver_[index];
    slowFirstOver_[index] = true;
    if (!client.wasConnected())
    {
        ++result_.slowConnectErrors;
        return;
    }
    ++result_.slowCloses;
    result_.slowCloseTime.add(seconds(client.secondsOpen()));
    if (client.status() == 408)
    {
        ++result_.slow408;
        result_.slowFirst408 += first ? 1 : 0;
    }
    else if (result_.firstSlowOther.empty())
        result_.firstSlowOther = "status " + std::to_string(client.status()) + " after " +
                                 std::to_string(client.secondsOpen()) + " s: " + client.why();
}

void HoldTable::forgetAndClose(SingleRequest& request)
{
    poller_.forget(request.fd());
    request.close();
}

} // namespace portico::loadgen
