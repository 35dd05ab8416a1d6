#pragma once
// The byte stream under a connection: plain TCP or TLS (libssl driven on the non-blocking
// socket, see TlsTransport). Used by the loop that owns the socket, never by another thread.
//
// Every call is non-blocking. The owner reads until read() returns WouldBlock (the socket is
// edge-triggered: a readiness event is not repeated while bytes are left unread) and writes
// until everything is taken or write() returns 0. A TLS transport may need the socket readable
// to make progress on a write (or writable for a read) during a handshake; since the loop
// reports both directions, the owner simply retries its pending read and write on any event.

#include <cstddef>
#include <string>
#include <sys/uio.h>

namespace portico {

class Transport
{
public:
    /// read(): nothing to read now; write(): never returned (0 bytes taken means "would block").
    static constexpr long WouldBlock = 0;
    /// read(): the peer closed its sending side cleanly (TCP FIN, TLS close_notify or a TLS
    /// peer that just closed: porticod treats both as the end of the stream).
    static constexpr long Eof = -1;
    /// read() or write(): the connection is broken (reset, TLS alert, handshake failure);
    /// lastError() says why.
    static constexpr long Error = -2;

    virtual ~Transport() = default;

    /// Reads up to `size` bytes: > 0 bytes read, WouldBlock, Eof or Error.
    virtual long read(char* buffer, std::size_t size) = 0;
    /// Writes from `parts`: >= 0 bytes taken (0: would block), or Error.
    virtual long writev(const iovec* parts, int count) = 0;
    long write(const char* data, std::size_t size)
    {
        iovec part{const_cast<char*>(data), size};
        return writev(&part, 1);
    }
    /// Ends the sending side gracefully (TLS: close_notify; then shutdown(SHUT_WR)). Best effort.
    virtual void shutdownSend() = 0;
    /// Why the last call returned Error.
    virtual std::string lastError() const = 0;
    /// True once a TLS handshake has completed (always true for plain TCP).
    virtual bool established() const = 0;
    /// True for TLS.
    virtual bool encrypted() const = 0;

    int fd() const { return fd_; }

protected:
    explicit Transport(int fd) : fd_(fd) {}

private:
    int fd_;
};

/// Plain TCP: recv/writev with MSG_NOSIGNAL semantics (SIGPIPE is ignored process-wide too).
class PlainTransport : public Transport
{
public:
    explicit PlainTransport(int fd) : Transport(fd) {}
    long read(char* buffer, std::size_t size) override;
    long writev(const iovec* parts, int count) override;
    void shutdownSend() override;
    std::string lastError() const override { return error_; }
    bool established() const override { return true; }
    bool encrypted() const override { return false; }

private:
    std::string error_;
};

} // namespace portico
