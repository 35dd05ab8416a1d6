#pragma once
/// Paces portico-echo's tokens at local.token_delay_ms each, so that it behaves like a model
/// that generates at a fixed rate. Token k is due at start + (k + 1) × delay; waiting for it
/// sleeps only for what is left, so the time spent writing events does not add up as drift.

#include <chrono>
#include <cstddef>

namespace portico::openai {

class TokenPacer
{
public:
    explicit TokenPacer(int delayMs);

    /// Blocks until the next token is due.
    void waitForNextToken();
    /// Blocks until `tokens` more tokens are due (a non-streamed answer's generation time).
    void waitForTokens(std::size_t tokens);

private:
    std::chrono::steady_clock::duration delay_;
    std::chrono::steady_clock::time_point due_;
};

} // namespace portico::openai
