#pragma once
// In-process upstreams for the proxy's tests, on 127.0.0.1:
// - FakeUpstream: a Poco HTTPServer whose answers a test scripts with a lambda; it records every
//   request (headers, body, the client's address so connection reuse is visible). Its destructor
//   returns only when no handler runs any more: Poco's HTTPServer::stopAll() aborts the
//   connections but does not wait for their threads, and a handler (or the test's lambda, which
//   captures the test's locals) still running after the FakeUpstream is gone would write to
//   freed memory.
// - ScriptedServer: a raw TCP server whose every connection a test scripts byte by byte (for
//   what a well-behaved HTTP server never does, such as closing a keep-alive connection right
//   after a request came in).

#include "Poco/Net/HTTPServer.h"
#include "Poco/Net/HTTPServerResponse.h"
#include "Poco/Net/NameValueCollection.h"
#include "Poco/Net/ServerSocket.h"
#include "Poco/Net/StreamSocket.h"
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace portico::openai::test {

struct SeenRequest
{
    std::string method;
    std::string uri;
    std::string body;
    Poco::Net::NameValueCollection headers;
    /// "127.0.0.1:<port>" of the connection it came on.
    std::string peer;
};

class FakeUpstream
{
public:
    using Handler = std::function<void(const SeenRequest&, Poco::Net::HTTPServerResponse&)>;

    /// Listens on 127.0.0.1:`port` (0: any free port). `keepAliveMs` is how long the server
    /// keeps an idle connection open.
    explicit FakeUpstream(Handler handler, unsigned short port = 0, int keepAliveMs = 10000);
    ~FakeUpstream();
    FakeUpstream(const FakeUpstream&) = delete;
    FakeUpstream& operator=(const FakeUpstream&) = delete;

    unsigned short port() const { return port_; }
    /// "http://127.0.0.1:<port>/v1"
    std::string url() const;
    std::vector<SeenRequest> requests() const;
    /// Distinct client connections that sent requests.
    std::size_t connections() const;
    /// Set by sendEvents() when a write failed: the proxy closed the connection.
    bool sawClientGone() const { return clientGone_; }
    /// When sendEvents() flushed each event (steady clock), for measuring the relay's delay.
    std::vector<std::chrono::steady_clock::time_point> sentAt() const;

    /// Streams `events` (each a whole SSE event) as a chunked text/event-stream, `delayMs`
    /// apart; stops and records it when the reader went away. Stops early, without waiting out
    /// the delay, when the FakeUpstream is being destroyed.
    void sendEvents(Poco::Net::HTTPServerResponse& response, const std::vector<std::string>& events, int delayMs);
    /// Answers a JSON body with `status`.
    static void sendJson(Poco::Net::HTTPServerResponse& response, int status, const std::string& body);

    /// For tests that need a proxy and a TLS server: a FakeUpstream over an existing socket.
    FakeUpstream(Handler handler, const Poco::Net::ServerSocket& socket);

private:
    class Factory;
    class Gate;
    void record(SeenRequest request);
    void start(const Poco::Net::ServerSocket& socket, int keepAliveMs);

    Handler handler_;
    /// Admits handlers while the FakeUpstream lives and counts those inside; shared with them,
    /// so that a handler Poco starts after the destructor can still ask it (and be turned away).
    std::shared_ptr<Gate> gate_;
    unsigned short port_ = 0;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
    mutable std::mutex mutex_;
    std::vector<SeenRequest> requests_;
    std::vector<std::chrono::steady_clock::time_point> sentAt_;
    std::atomic<bool> clientGone_{false};
};

/// A bare TCP server; `script(socket, n)` runs for the n-th accepted connection (0-based) on
/// its own thread.
class ScriptedServer
{
public:
    using Script = std::function<void(Poco::Net::StreamSocket&, int)>;
    explicit ScriptedServer(Script script);
    ~ScriptedServer();

    unsigned short port() const { return port_; }
    int accepted() const { return accepted_; }

    /// Reads one HTTP request (head and Content-Length body); "" when the peer closed.
    static std::string readRequest(Poco::Net::StreamSocket& socket);

private:
    Script script_;
    Poco::Net::ServerSocket socket_;
    unsigned short port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<int> accepted_{0};
    std::thread acceptor_;
    std::vector<std::thread> workers_;
};

} // namespace portico::openai::test
