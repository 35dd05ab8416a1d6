#pragma once
/// The request head a slowloris client trickles, and when each piece is due: the request line
/// at once, then one header line every `interval` (first `Host`, then `X-Slow-<k>: 1`), and
/// never the blank line that would end the head. After `maxLines` lines it goes silent (still
/// unfinished), so that a server that never times the head out is not pushed over its
/// header-count limit (Poco's is 100 fields) into a different answer.

#include <chrono>
#include <string>

namespace portico::loadgen {

class SlowHead
{
public:
    SlowHead(std::string path, std::string host, std::chrono::nanoseconds interval, int maxLines = 64);

    /// How many lines are due `elapsed` after the connect completed: 1 at 0 (the request
    /// line), 2 at one interval, ..., at most maxLines.
    int linesDue(std::chrono::nanoseconds elapsed) const;
    /// When line k (0-based) is due, from the connect.
    std::chrono::nanoseconds dueAt(int k) const { return interval_ * k; }
    /// Line k with its CRLF.
    std::string line(int k) const;
    int maxLines() const { return maxLines_; }

private:
    std::string path_, host_;
    std::chrono::nanoseconds interval_;
    int maxLines_;
};

} // namespace portico::loadgen
