#pragma once
// Signals as events: SIGINT/SIGTERM/SIGQUIT (stop) and SIGHUP (reload) are blocked in every
// thread (block() must run before the first thread is created) and taken synchronously with
// sigwait() by the main thread. No async-signal-safety puzzles, and no thread is ever killed by
// a signal meant for the process. SIGPIPE is ignored: a client gone mid-write is an error
// return, not the end of the process.

#include <chrono>

namespace portico {

class SignalWaiter
{
public:
    enum class Event
    {
        Stop,
        Reload,
        Timeout
    };

    /// Blocks the handled signals in the calling thread (inherited by every thread it creates).
    static void block();
    /// Waits for the next handled signal, `timeout` at most.
    static Event wait(std::chrono::milliseconds timeout);
};

} // namespace portico
