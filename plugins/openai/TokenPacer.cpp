#include "TokenPacer.h"
#include <thread>

namespace portico::openai {

TokenPacer::TokenPacer(int delayMs)
    : delay_(std::chrono::milliseconds(delayMs)), due_(std::chrono::steady_clock::now())
{
}

void TokenPacer::waitForNextToken()
{
    waitForTokens(1);
}

void TokenPacer::waitForTokens(std::size_t tokens)
{
    if (delay_.count() == 0 || tokens == 0)
        return;
    due_ += delay_ * static_cast<long>(tokens);
    std::this_thread::sleep_until(due_);
}

} // namespace portico::openai
