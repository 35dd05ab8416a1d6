#pragma once
/// The wait before a retry: exponential in the attempt number with "equal jitter" (half fixed,
/// half random), so that many gateways retrying at once spread out instead of hammering the
/// upstream in lock-step, and a retry never fires immediately.

#include <chrono>

namespace portico::openai {

/// Delay before retry number `attempt` (0 for the first retry): with d = min(base * 2^attempt,
/// 32 * base), a value in [d/2, d]. `base` 0 gives 0.
std::chrono::milliseconds backoffDelay(int attempt, int baseMs);

} // namespace portico::openai
