#pragma once
// The listening server: the event loops (server.event_loops threads, one per core by default)
// that own every socket, the worker pool (server.threads at most) for plugin code that may
// block, and the listening sockets (server.listen, HTTPS when TLS is configured, and the
// optional plain listener beside it). Every loop accepts on every listener; a connection
// stays on the loop that accepted it.
//
// Stop order (nothing is freed while a thread may still use it): close the listeners, close
// idle keep-alive connections, let requests and streams in flight finish up to the drain
// deadline, cut what is left, wait for the workers to return, then stop and join the loops,
// and only then destroy the connections.

#include "config/ServerSettings.h"
#include "event/Acceptor.h"
#include "event/EventLoop.h"
#include "event/WorkerPool.h"
#include "http/Connection.h"
#include "http/ServerState.h"
#include "Poco/Net/Context.h"
#include "Poco/Net/ServerSocket.h"
#include <memory>
#include <thread>
#include <unordered_map>
#include <vector>

namespace portico {

class AccessLog;
class UpstreamService;

class HttpServer
{
public:
    /// Binds the listeners (throws what binding throws); nothing is served before start().
    /// `upstreams` (may be null): its pools on each loop are dropped before the loop stops.
    HttpServer(const ServerSettings& settings, ServerState& state, AccessLog* accessLog,
               UpstreamService* upstreams = nullptr);
    /// Cuts whatever is left (see stop()).
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    /// Starts the loops and the accepting.
    void start();
    /// Stops accepting, closes idle connections, waits until no request is in flight or
    /// `drainSeconds` have passed, then cuts what is left. Returns the number still in flight
    /// at the deadline.
    int drainAndStop(int drainSeconds);
    /// After drainAndStop(): true when a worker or an event loop could not be joined (plugin
    /// code that cannot be interrupted is still running); the process must then exit without
    /// destroying the server or the chain (std::_Exit), since that thread may still use both.
    bool workersStuck() const { return workersStuck_; }

    /// Connections refused at server.max_connections (all listeners).
    std::uint64_t refusedConnections() const { return budget_.refused.load(); }
    int currentConnections() const { return budget_.open.load(); }
    /// Requests waiting for a worker.
    std::size_t queuedRequests() const { return workers_.queued(); }
    const WorkerPool& workers() const { return workers_; }
    const ServerCounters& counters() const { return counters_; }
    std::size_t eventLoops() const { return loops_.size(); }
    /// The port of server.listen (useful with port 0).
    unsigned short port() const;
    /// The port of [admin] listen, 0 when there is none.
    unsigned short adminPort() const;
    /// Request heads that took longer than server.header_timeout_seconds.
    std::uint64_t headerTimeouts() const { return counters_.headTimeouts.load(); }
    /// "https://127.0.0.1:8443, http://127.0.0.1:8080": what is being served, for the log.
    std::string describe() const { return description_; }

private:
    struct ListeningSocket
    {
        Poco::Net::ServerSocket socket;
        bool tls = false;
        /// The admin listener ([admin] listen): plain HTTP, admin routes only.
        Listener listener = Listener::Api;
    };
    /// One loop thread and what it owns.
    struct LoopState
    {
        std::unique_ptr<EventLoop> loop;
        std::thread thread;
        std::vector<std::unique_ptr<Acceptor>> acceptors;
        std::unordered_map<Connection*, std::unique_ptr<Connection>> connections;
    };

    void accept(LoopState& owner, int fd, std::string peer, bool tls, Listener listener);
    /// Runs `task` on every loop and waits until each has run it, 5 s at most; false when a
    /// loop did not come round in time (logged).
    bool onEveryLoop(const std::function<void(LoopState&)>& task);
    void stop();

    ServerState& state_;
    UpstreamService* upstreams_;
    WorkerPool workers_;
    ConnectionBudget budget_;
    ServerCounters counters_;
    ServerContext context_;
    Poco::Net::Context::Ptr tls_;
    std::vector<ListeningSocket> listeners_;
    std::vector<std::unique_ptr<LoopState>> loops_;
    std::string description_;
    bool started_ = false;
    bool stopped_ = false;
    bool workersStuck_ = false;
};

} // namespace portico
