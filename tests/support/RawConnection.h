#pragma once
// A client socket under the test's full control, for abuse tests: plain POSIX calls so that a
// test can send one byte at a time, half-close (FIN), cut the connection (RST), and tell a
// server's close (EOF or reset) from a timeout. Poco's StreamSocket hides some of these.

#include <chrono>
#include <string>

namespace portico::test {

/// What a read until close saw.
struct ReadOutcome
{
    std::string data;
    /// The server closed (EOF) or reset the connection.
    bool closed = false;
    bool reset = false;
    /// Milliseconds from the call's start until the close (or the deadline).
    double ms = 0;
};

class RawConnection
{
public:
    using Clock = std::chrono::steady_clock;

    /// Connects to 127.0.0.1:`port` (blocking, bounded by `timeoutSeconds`); throws on failure.
    explicit RawConnection(unsigned short port, int timeoutSeconds = 5);
    ~RawConnection();
    RawConnection(RawConnection&& other) noexcept;
    RawConnection& operator=(RawConnection&&) = delete;
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    int fd() const { return fd_; }
    bool open() const { return fd_ >= 0; }
    /// When the connection was established.
    Clock::time_point connectedAt() const { return connectedAt_; }

    /// Sends all of `bytes`; false when the peer is gone (EPIPE, ECONNRESET) or the send
    /// timed out after `timeoutSeconds`.
    bool send(const std::string& bytes, int timeoutSeconds = 5);
    /// Half-close: no more bytes from us (FIN); the server can still answer.
    void shutdownWrite();
    /// Closes at once with a reset (SO_LINGER 0), as a crashing client would.
    void abort();
    void close();

    /// Reads what is there without waiting; sets `closed`/`reset` when the server ended it.
    ReadOutcome readAvailable();
    /// Reads until the server closes the connection or `timeoutSeconds` pass.
    ReadOutcome readUntilClosed(double timeoutSeconds);
    /// Reads until `data` holds `marker` (or close, or the deadline).
    ReadOutcome readUntil(const std::string& marker, double timeoutSeconds);

private:
    int fd_ = -1;
    Clock::time_point connectedAt_;
};

/// The status code of a raw HTTP answer ("HTTP/1.1 408 ..."), 0 when there is none.
int statusOf(const std::string& raw);
/// The body after the head of a raw answer ("" when the head is incomplete).
std::string bodyOf(const std::string& raw);
/// The head of a raw answer, lower-cased, for header checks.
std::string lowerHeadOf(const std::string& raw);

} // namespace portico::test
