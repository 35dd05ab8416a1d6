#pragma once
// A raw TCP upstream under the test's full control, for tests of what porticod sends an
// upstream and when: each accepted connection runs the test's script on its own thread with a
// ScriptedSocket that reads a request head, an exact number of bytes, a chunked body, or waits,
// every wait bounded. A Poco HTTPServer reads a body whole before a handler sees it; this one
// lets a test see the first bytes of a body before the client has sent the rest, stop reading
// to apply backpressure, answer early, or watch the connection close mid-body.

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace portico::test {

class ScriptedSocket
{
public:
    explicit ScriptedSocket(int fd) : fd_(fd) {}

    /// Reads up to the end of a head ("\r\n\r\n"); returns the head, keeps what followed. Empty
    /// when the peer closed or `timeoutSeconds` passed first.
    std::string readHead(double timeoutSeconds = 10);
    /// Reads until `bytes` body bytes were taken (kept ones first) or the peer closed or the
    /// deadline passed; returns them.
    std::string readBytes(std::size_t bytes, double timeoutSeconds = 30);
    /// Reads a chunked body to its last chunk; `complete` tells whether it ended properly.
    std::string readChunked(bool& complete, double timeoutSeconds = 30);
    /// Reads and drops what comes until the peer closes; true when it closed (EOF or reset)
    /// within the deadline. `received` counts the bytes.
    bool waitForClose(double timeoutSeconds, std::size_t* received = nullptr);
    bool send(const std::string& bytes);
    /// The peer closed (EOF or reset) during a read.
    bool peerClosed() const { return closed_; }

private:
    /// One read of what is there, waiting at most until `deadline`; false on close or timeout.
    bool fill(std::chrono::steady_clock::time_point deadline);

    int fd_;
    std::string kept_;
    bool closed_ = false;
};

class ScriptedUpstream
{
public:
    using Script = std::function<void(ScriptedSocket&)>;

    /// Listens on 127.0.0.1 (a free port); each connection runs `script` on a thread of its own.
    explicit ScriptedUpstream(Script script);
    /// Stops accepting, shuts down the sockets still open and joins every thread.
    ~ScriptedUpstream();
    ScriptedUpstream(const ScriptedUpstream&) = delete;
    ScriptedUpstream& operator=(const ScriptedUpstream&) = delete;

    unsigned short port() const { return port_; }
    int connections() const { return accepted_.load(); }

private:
    void acceptLoop();

    Script script_;
    int listenFd_ = -1;
    unsigned short port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<int> accepted_{0};
    std::thread acceptor_;
    std::mutex mutex_;
    std::vector<int> fds_;
    std::vector<std::thread> workers_;
};

} // namespace portico::test
