#include "http/LingeringClose.h"
#include <chrono>

namespace portico {

namespace {

// The connection thread runs the handler, so a thread-local flag needs no locking.
thread_local bool lingerRequested = false;

} // namespace

void requestLingeringClose()
{
    lingerRequested = true;
}

bool takeLingeringCloseRequest()
{
    const bool requested = lingerRequested;
    lingerRequested = false;
    return requested;
}

void lingeringClose(Poco::Net::StreamSocket& socket)
{
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + std::chrono::seconds(2);
    constexpr long long maxDiscard = 8LL << 20;
    try
    {
        socket.shutdownSend();
        char buffer[16384];
        long long discarded = 0;
        while (discarded < maxDiscard && Clock::now() < deadline)
        {
            socket.setReceiveTimeout(Poco::Timespan(0, 200000));
            const int got = socket.receiveBytes(buffer, sizeof buffer);
            if (got <= 0)
                break; // the client closed: now a close sends no reset
            discarded += got;
        }
    }
    catch (...)
    {
        // Timeout or reset: nothing more to save.
    }
}

} // namespace portico
