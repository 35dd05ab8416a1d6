#include "http/HttpServer.h"
#include "event/TlsTransport.h"
#include "event/UsableCpus.h"
#include "upstream/UpstreamService.h"
#include "Poco/Logger.h"
#include "Poco/Net/NetSSL.h"
#include "Poco/Net/SocketAddress.h"
#include <chrono>
#include <future>
#include <mutex>
#include <unistd.h>

namespace portico {

namespace {

Poco::Logger& coreLogger()
{
    static Poco::Logger& logger = Poco::Logger::get("portico.core");
    return logger;
}

// A server-side TLS context: the configured certificate and key, TLS 1.2 minimum, the server's
// cipher preference, no client certificates. Poco configures it; TlsTransport drives libssl
// with it on the non-blocking sockets (POCO 1.11's secure sockets cannot be non-blocking).
Poco::Net::Context::Ptr tlsContext(const ServerSettings& settings)
{
    static std::once_flag sslInitialised;
    std::call_once(sslInitialised, [] { Poco::Net::initializeSSL(); });
    Poco::Net::Context::Params params;
    params.certificateFile = settings.tlsCertificate;
    params.privateKeyFile = settings.tlsPrivateKey;
    params.verificationMode = Poco::Net::Context::VERIFY_NONE;
    if (!settings.tlsCiphers.empty())
        params.cipherList = settings.tlsCiphers;
    Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
    context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    context->preferServerCiphers();
    return context;
}

// Binds and listens like ServerSocket(address, backlog) but without SO_REUSEPORT, which that
// constructor sets: with it a second porticod on the same address starts without an error and the
// kernel splits the connections between the two. SO_REUSEADDR stays (restart right after a stop).
Poco::Net::ServerSocket listening(const Poco::Net::SocketAddress& address)
{
    Poco::Net::ServerSocket socket;
    socket.bind(address, true, false);
    socket.listen(4096);
    socket.setBlocking(false);
    return socket;
}

int loopCount(const ServerSettings& settings)
{
    if (settings.eventLoops > 0)
        return settings.eventLoops;
    // One per CPU that porticod may run on (its affinity mask and cgroup quota), not per CPU
    // of the machine.
    return usableCpuCount();
}

ConnectionSettings connectionSettings(const ServerSettings& settings)
{
    ConnectionSettings out;
    out.headTimeout = std::chrono::seconds(settings.headerTimeoutSeconds);
    out.idleTimeout = std::chrono::seconds(settings.idleTimeoutSeconds);
    out.bodyTimeout = std::chrono::seconds(settings.bodyTimeoutSeconds);
    out.sendTimeout = std::chrono::seconds(settings.sendTimeoutSeconds);
    out.keepAliveRequests = settings.keepAliveRequests;
    return out;
}

} // namespace

HttpServer::HttpServer(const ServerSettings& settings, ServerState& state, AccessLog* accessLog,
                       UpstreamService* upstreams)
    : state_(state),
      upstreams_(upstreams),
      workers_(static_cast<std::size_t>(settings.threads), static_cast<std::size_t>(settings.queue),
               static_cast<std::size_t>(settings.threadStackKiB) * 1024),
      context_{state_, workers_, budget_, counters_, accessLog, connectionSettings(settings)}
{
    budget_.max = settings.maxConnections;
    const Poco::Net::SocketAddress address(settings.host, settings.port);
    if (settings.tls())
    {
        tls_ = tlsContext(settings);
        listeners_.push_back({listening(address), true});
        description_ = "https://" + settings.host + ":" + std::to_string(listeners_.back().socket.address().port());
        if (settings.plainPort != 0)
        {
            listeners_.push_back({listening(Poco::Net::SocketAddress(settings.plainHost, settings.plainPort)), false});
            description_ += ", http://" + settings.plainHost + ":" +
                            std::to_string(listeners_.back().socket.address().port());
        }
    }
    else
    {
        listeners_.push_back({listening(address), false});
        description_ = "http://" + settings.host + ":" + std::to_string(listeners_.back().socket.address().port());
    }
    if (settings.adminPort != 0)
    {
        try
        {
            listeners_.push_back({listening(Poco::Net::SocketAddress(settings.adminHost, settings.adminPort)), false,
                                  Listener::Admin});
        }
        catch (const Poco::Exception& e)
        {
            throw std::runtime_error("[admin] listen " + settings.adminHost + ":" + std::to_string(settings.adminPort) +
                                     ": " + e.displayText());
        }
        description_ += ", admin API on http://" + settings.adminHost + ":" +
                        std::to_string(listeners_.back().socket.address().port());
    }
    const int count = loopCount(settings);
    for (int i = 0; i < count; ++i)
    {
        auto state = std::make_unique<LoopState>();
        state->loop = std::make_unique<EventLoop>("portico-loop-" + std::to_string(i));
        loops_.push_back(std::move(state));
    }
}

HttpServer::~HttpServer()
{
    stop();
}

unsigned short HttpServer::port() const
{
    return listeners_.front().socket.address().port();
}

unsigned short HttpServer::adminPort() const
{
    for (const auto& listening : listeners_)
        if (listening.listener == Listener::Admin)
            return listening.socket.address().port();
    return 0;
}

void HttpServer::start()
{
    for (auto& owner : loops_)
    {
        LoopState* state = owner.get();
        for (const auto& listening : listeners_)
        {
            const bool tls = listening.tls;
            const Listener listener = listening.listener;
            state->acceptors.push_back(std::make_unique<Acceptor>(
                *state->loop, listening.socket.impl()->sockfd(), !tls, budget_,
                [this, state, tls, listener](int fd, std::string peer) {
                    accept(*state, fd, std::move(peer), tls, listener);
                }));
        }
        state->loop->post([state] {
            for (auto& acceptor : state->acceptors)
                acceptor->start();
        });
        state->thread = std::thread([state] { state->loop->run(); });
    }
    started_ = true;
}

void HttpServer::accept(LoopState& owner, int fd, std::string peer, bool tls, Listener listener)
{
    std::unique_ptr<Transport> transport;
    try
    {
        if (tls)
            transport = TlsTransport::server(fd, tls_->sslContext());
        else
            transport = std::make_unique<PlainTransport>(fd);
    }
    catch (const std::exception& e)
    {
        coreLogger().error("cannot set up TLS for a connection from " + peer + ": " + e.what());
        ::close(fd);
        return;
    }
    LoopState* state = &owner;
    auto connection = std::make_unique<Connection>(context_, *owner.loop, std::move(transport), std::move(peer),
                                                   listener, [state](Connection* closed) {
                                                       const auto found = state->connections.find(closed);
                                                       if (found == state->connections.end())
                                                           return;
                                                       state->loop->deleteLater(std::move(found->second));
                                                       state->connections.erase(found);
                                                   });
    Connection* raw = connection.get();
    owner.connections.emplace(raw, std::move(connection));
    try
    {
        raw->start();
    }
    catch (const std::exception& e)
    {
        coreLogger().error("cannot register a connection: " + std::string(e.what()));
        raw->cut();
    }
}

bool HttpServer::onEveryLoop(const std::function<void(LoopState&)>& task)
{
    std::vector<std::future<void>> done;
    for (auto& owner : loops_)
    {
        auto promise = std::make_shared<std::promise<void>>();
        done.push_back(promise->get_future());
        LoopState* state = owner.get();
        // The task is copied: a loop that answers after the wait below gave up must not reach
        // into this frame.
        state->loop->post([state, task, promise] {
            struct Answer
            {
                std::promise<void>& promise;
                ~Answer() { promise.set_value(); } // also when the task throws
            } answer{*promise};
            task(*state);
        });
    }
    // A loop that does not come round within this time is stuck in plugin code that blocks it.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    bool all = true;
    for (auto& future : done)
        all = future.wait_until(deadline) == std::future_status::ready && all;
    if (!all)
        coreLogger().error("an event loop did not answer within 5 s (plugin code blocking it?)");
    return all;
}

int HttpServer::drainAndStop(int drainSeconds)
{
    if (stopped_)
        return 0;
    state_.setDraining();
    if (started_)
    {
        // No loop accepts any more, and idle keep-alive connections close now; busy ones close
        // after their answer (which says Connection: close).
        onEveryLoop([](LoopState& owner) {
            for (auto& acceptor : owner.acceptors)
                acceptor->stop();
            std::vector<Connection*> all;
            for (auto& [raw, connection] : owner.connections)
                all.push_back(raw);
            for (Connection* connection : all)
                connection->drain();
        });
    }
    // Close the listening sockets: new clients get "connection refused" at once.
    for (auto& listener : listeners_)
        listener.socket.close();
    coreLogger().notice("listeners closed; draining " + std::to_string(state_.inFlight()) + " request(s) in flight");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(drainSeconds);
    while (state_.inFlight() > 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const int left = state_.inFlight();
    stop();
    return left;
}

void HttpServer::stop()
{
    if (stopped_)
        return;
    stopped_ = true;
    state_.setDraining();
    if (started_)
    {
        // Cut what is left: deferred answers are cancelled, blocking writers fail their next
        // write. A run a worker holds ends when the worker returns; the loops keep running
        // until then.
        onEveryLoop([](LoopState& owner) {
            for (auto& acceptor : owner.acceptors)
                acceptor->stop();
            std::vector<Connection*> all;
            for (auto& [raw, connection] : owner.connections)
                all.push_back(raw);
            for (Connection* connection : all)
                connection->cut();
        });
    }
    // One second for what was cut to end (a cancelled stream ends at once; a worker in a
    // handler that cannot be interrupted does not), then the workers are joined.
    const auto grace = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (started_ && state_.inFlight() > 0 && std::chrono::steady_clock::now() < grace)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    workers_.stop();
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(grace - std::chrono::steady_clock::now());
    if (!workers_.join(std::max(left, std::chrono::milliseconds(100))))
    {
        workersStuck_ = true;
        coreLogger().warning(std::to_string(workers_.threads()) +
                             " worker(s) still in plugin code after the drain; the process exits without "
                             "waiting for them");
        return; // nothing may be freed under them: the caller exits the process
    }
    // Upstream connections belong to their loops: closed there, before the loops stop.
    if (started_ && upstreams_ && !onEveryLoop([this](LoopState& owner) { upstreams_->dropLoop(*owner.loop); }))
    {
        workersStuck_ = true;
        return; // a loop that cannot be joined: the caller exits the process
    }
    for (auto& owner : loops_)
    {
        owner->loop->stop();
        if (owner->thread.joinable())
            owner->thread.join();
    }
    // The loops have stopped: their connections can go (from this thread, nothing else runs;
    // a connection destroyed this way closes its socket and tells nobody).
    for (auto& owner : loops_)
    {
        owner->connections.clear();
        owner->acceptors.clear();
    }
}

} // namespace portico
