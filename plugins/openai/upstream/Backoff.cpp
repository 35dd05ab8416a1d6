#include "Backoff.h"
#include <algorithm>
#include <random>

namespace portico::openai {

std::chrono::milliseconds backoffDelay(int attempt, int baseMs)
{
    if (baseMs <= 0)
        return std::chrono::milliseconds(0);
    thread_local std::mt19937 random{std::random_device{}()};
    const long long ceiling = static_cast<long long>(baseMs) << std::clamp(attempt, 0, 5);
    std::uniform_int_distribution<long long> jitter(0, ceiling / 2);
    return std::chrono::milliseconds(ceiling - ceiling / 2 + jitter(random));
}

} // namespace portico::openai
