#include "app/SignalWaiter.h"
#include <csignal>
#include <pthread.h>

namespace portico {

namespace {

sigset_t handledSignals()
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGQUIT);
    sigaddset(&set, SIGHUP);
    return set;
}

} // namespace

void SignalWaiter::block()
{
    std::signal(SIGPIPE, SIG_IGN);
    sigset_t set = handledSignals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

SignalWaiter::Event SignalWaiter::wait()
{
    sigset_t set = handledSignals();
    for (;;)
    {
        int signal = 0;
        if (sigwait(&set, &signal) != 0)
            continue;
        if (signal == SIGHUP)
            return Event::Reload;
        return Event::Stop;
    }
}

} // namespace portico
