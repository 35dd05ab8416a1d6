#include "http/HttpServer.h"
#include "Poco/Logger.h"
#include "Poco/Net/HTTPServerParams.h"
#include "Poco/Net/Context.h"
#include "Poco/Net/NetSSL.h"
#include "Poco/Net/SecureServerSocket.h"
#include "Poco/Net/ServerSocket.h"
#include "Poco/Net/SocketAddress.h"
#include "Poco/Net/TCPServerConnectionFactory.h"
#include <chrono>
#include <mutex>
#include <thread>

namespace portico {

namespace {

class ConnectionFactory : public Poco::Net::TCPServerConnectionFactory
{
public:
    ConnectionFactory(Poco::Net::HTTPServerParams::Ptr params, ServerState& state, HeaderDeadlines& deadlines,
                      ConnectionRegistry& registry)
        : params_(std::move(params)), state_(state), deadlines_(deadlines), registry_(registry)
    {
    }

    Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override
    {
        Poco::Net::StreamSocket connection(socket);
        try
        {
            connection.setNoDelay(true);
        }
        catch (...)
        {
            // Not fatal: the connection works, only slower.
        }
        return new HttpConnection(connection, params_, state_, deadlines_, registry_);
    }

private:
    Poco::Net::HTTPServerParams::Ptr params_;
    ServerState& state_;
    HeaderDeadlines& deadlines_;
    ConnectionRegistry& registry_;
};

// A server-side TLS context: the configured certificate and key, TLS 1.2 minimum, the server's
// cipher preference, no client certificates.
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
template <typename Socket>
Socket listening(Socket socket, const Poco::Net::SocketAddress& address)
{
    socket.bind(address, true, false);
    socket.listen(1024);
    return socket;
}

} // namespace

HttpServer::HttpServer(const ServerSettings& settings, ServerState& state)
    : state_(state),
      deadlines_(std::make_unique<HeaderDeadlines>(std::chrono::seconds(settings.headerTimeoutSeconds)))
{
    Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
    params->setServerName("portico");
    params->setSoftwareVersion("");
    params->setMaxThreads(settings.threads);
    params->setMaxQueued(settings.queue);
    params->setThreadIdleTime(Poco::Timespan(60, 0));
    params->setKeepAlive(true);
    params->setMaxKeepAliveRequests(settings.keepAliveRequests);
    params->setKeepAliveTimeout(Poco::Timespan(settings.idleTimeoutSeconds, 0));
    params->setTimeout(Poco::Timespan(settings.idleTimeoutSeconds, 0));

    const int listeners = settings.tls() && settings.plainPort != 0 ? 2 : 1;
    // One extra thread per listener: each TCPServer's dispatcher runs on the same pool.
    pool_ = std::make_unique<Poco::ThreadPool>(2, settings.threads + listeners, 60, settings.threadStackKiB * 1024);
    auto factory = [&] { return new ConnectionFactory(params, state_, *deadlines_, registry_); };

    const Poco::Net::SocketAddress address(settings.host, settings.port);
    if (settings.tls())
    {
        servers_.push_back(std::make_unique<Poco::Net::TCPServer>(
            factory(), *pool_, listening(Poco::Net::SecureServerSocket(tlsContext(settings)), address), params));
        description_ = "https://" + settings.host + ":" + std::to_string(servers_.back()->port());
        if (settings.plainPort != 0)
        {
            const Poco::Net::SocketAddress plain(settings.plainHost, settings.plainPort);
            servers_.push_back(std::make_unique<Poco::Net::TCPServer>(
                factory(), *pool_, listening(Poco::Net::ServerSocket(), plain), params));
            description_ += ", http://" + settings.plainHost + ":" + std::to_string(servers_.back()->port());
        }
    }
    else
    {
        servers_.push_back(std::make_unique<Poco::Net::TCPServer>(
            factory(), *pool_, listening(Poco::Net::ServerSocket(), address), params));
        description_ = "http://" + settings.host + ":" + std::to_string(servers_.back()->port());
    }
}

HttpServer::~HttpServer()
{
    for (auto& server : servers_)
        server->stop();
    registry_.stopAll(true);
    // A cut stream's next write fails and its handler returns at once: give those a moment.
    const auto grace = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    while (state_.inFlight() > 0 && std::chrono::steady_clock::now() < grace)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (state_.inFlight() > 0)
    {
        // Handlers that cannot be interrupted (a sleep, a blocking upstream read) may run on
        // long after the drain deadline; joining their threads would hold the exit for as long
        // as they run. The process is ending: leave them to its exit.
        static_cast<void>(pool_.release());
        return;
    }
    pool_->joinAll();
}

void HttpServer::start()
{
    for (auto& server : servers_)
        server->start();
}

int HttpServer::drainAndStop(int drainSeconds)
{
    state_.setDraining();
    for (auto& server : servers_)
    {
        server->stop(); // ends the accept loop; connections already accepted go on
        // TCPServer::stop() leaves the socket open, so the kernel would go on completing
        // handshakes nobody accepts. Close it: new clients get "connection refused" at once.
        Poco::Net::ServerSocket listening(server->socket());
        listening.close();
    }
    Poco::Logger::get("portico.core")
        .notice("listeners closed; draining " + std::to_string(state_.inFlight()) + " request(s) in flight");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(drainSeconds);
    while (state_.inFlight() > 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const int left = state_.inFlight();
    // Closes idle keep-alive connections (and cuts any request still running after the deadline).
    registry_.stopAll(true);
    return left;
}

int HttpServer::refusedConnections() const
{
    int total = 0;
    for (const auto& server : servers_)
        total += server->refusedConnections();
    return total;
}

int HttpServer::currentConnections() const
{
    int total = 0;
    for (const auto& server : servers_)
        total += server->currentConnections();
    return total;
}

int HttpServer::queuedConnections() const
{
    int total = 0;
    for (const auto& server : servers_)
        total += server->queuedConnections();
    return total;
}

unsigned short HttpServer::port() const
{
    return servers_.front()->port();
}

std::string HttpServer::describe() const
{
    return description_;
}

} // namespace portico
