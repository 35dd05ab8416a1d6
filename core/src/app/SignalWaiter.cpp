#include "app/SignalWaiter.h"
#include <cerrno>
#include <csignal>
#include <ctime>
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

SignalWaiter::Event SignalWaiter::wait(std::chrono::milliseconds timeout)
{
    sigset_t set = handledSignals();
    timespec limit{};
    limit.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    limit.tv_nsec = static_cast<long>(timeout.count() % 1000) * 1000000L;
    for (;;)
    {
        const int signal = sigtimedwait(&set, nullptr, &limit);
        if (signal < 0)
        {
            if (errno == EINTR)
                continue;
            return Event::Timeout; // EAGAIN
        }
        if (signal == SIGHUP)
            return Event::Reload;
        return Event::Stop;
    }
}

} // namespace portico
