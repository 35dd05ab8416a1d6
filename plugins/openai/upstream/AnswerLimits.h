#pragma once
/// How much of an upstream's answer Portico holds in memory at once, and what is thrown when an
/// upstream sends more. Without these caps a misbehaving upstream (a body of any length, an SSE
/// event that never ends) makes porticod grow without bound.

#include <cstddef>
#include <stdexcept>
#include <string>

namespace portico::openai {

/// Default of upstream.max_body_bytes: the largest answer body read into memory (64 MiB).
constexpr std::size_t DefaultMaxBodyBytes = std::size_t{64} << 20;
/// Default of upstream.max_event_bytes: the largest single SSE event of a stream (1 MiB).
constexpr std::size_t DefaultMaxEventBytes = std::size_t{1} << 20;

/// An upstream's answer body, or one event of its stream, is larger than its cap. Thrown before
/// the excess is buffered; the connection it came on must be dropped (it is out of step).
class AnswerTooLarge : public std::runtime_error
{
public:
    /// `field` is the config key below the upstream's prefix ("max_body_bytes"), `limit` its
    /// value; `what` says what passed it.
    AnswerTooLarge(const std::string& what, const char* field, std::size_t limit)
        : std::runtime_error(what), field_(field), limit_(limit)
    {
    }

    const char* field() const { return field_; }
    std::size_t limit() const { return limit_; }

private:
    const char* field_;
    std::size_t limit_;
};

} // namespace portico::openai
