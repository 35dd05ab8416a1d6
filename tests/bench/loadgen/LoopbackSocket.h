#pragma once
/// Non-blocking TCP sockets to 127.0.0.1 for `hold` mode, as plain descriptors (thousands of
/// them on one epoll set): connect, send, receive, close, with the outcome as a value instead
/// of an exception.

#include <cstddef>
#include <string>

namespace portico::loadgen {

class LoopbackSocket
{
public:
    /// What a send or receive did: bytes moved (> 0), nothing for now, the peer's end, an error.
    enum class Io
    {
        Moved,
        WouldBlock,
        PeerClosed,
        Error
    };

    LoopbackSocket() = default;
    ~LoopbackSocket() { close(); }
    LoopbackSocket(const LoopbackSocket&) = delete;
    LoopbackSocket& operator=(const LoopbackSocket&) = delete;

    /// Starts a non-blocking connect to 127.0.0.1:port (closing any previous socket). False, with
    /// error() set, when it failed at once (no descriptors, refused on the spot).
    bool connect(unsigned short port);
    /// After the socket became writable while connecting: 0 when connected, else the errno.
    int connectResult() const;
    Io send(const char* data, std::size_t size, std::size_t& moved);
    Io receive(char* buffer, std::size_t size, std::size_t& moved);
    void close();

    int fd() const { return fd_; }
    bool isOpen() const { return fd_ >= 0; }
    /// The last failure, as text.
    const std::string& error() const { return error_; }

private:
    int fd_ = -1;
    std::string error_;
};

} // namespace portico::loadgen
