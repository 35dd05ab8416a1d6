#include "http/HttpServer.h"
#include "Poco/Logger.h"
#include "Poco/Net/HTTPServerConnection.h"
#include "Poco/Net/HTTPServerParams.h"
#include "Poco/Net/ServerSocket.h"
#include "Poco/Net/SocketAddress.h"
#include "Poco/Net/TCPServerConnectionFactory.h"
#include <chrono>
#include <thread>

namespace portico {

namespace {

class ConnectionFactory : public Poco::Net::TCPServerConnectionFactory
{
public:
    ConnectionFactory(Poco::Net::HTTPServerParams::Ptr params, Poco::Net::HTTPRequestHandlerFactory::Ptr factory)
        : params_(std::move(params)), factory_(std::move(factory))
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
        return new Poco::Net::HTTPServerConnection(connection, params_, factory_);
    }

private:
    Poco::Net::HTTPServerParams::Ptr params_;
    Poco::Net::HTTPRequestHandlerFactory::Ptr factory_;
};

} // namespace

HttpServer::HttpServer(const ServerSettings& settings, ServerState& state)
    : state_(state), factory_(new RequestHandlerFactory(state)), handlerFactory_(factory_)
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

    // One extra thread: the TCPServer's dispatcher runs on the same pool.
    pool_ = std::make_unique<Poco::ThreadPool>(2, settings.threads + 1, 60, settings.threadStackKiB * 1024);
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress(settings.host, settings.port), 1024);
    server_ = std::make_unique<Poco::Net::TCPServer>(new ConnectionFactory(params, handlerFactory_), *pool_,
                                                    socket, params);
}

HttpServer::~HttpServer()
{
    server_->stop();
    factory_->stopConnections(true);
    pool_->joinAll();
}

void HttpServer::start()
{
    server_->start();
}

int HttpServer::drainAndStop(int drainSeconds)
{
    state_.setDraining();
    server_->stop(); // closes the listening socket; connections already accepted go on
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(drainSeconds);
    while (state_.inFlight() > 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const int left = state_.inFlight();
    // Closes idle keep-alive connections (and cuts any request still running after the deadline).
    factory_->stopConnections(true);
    return left;
}

int HttpServer::refusedConnections() const
{
    return server_->refusedConnections();
}

int HttpServer::currentConnections() const
{
    return server_->currentConnections();
}

int HttpServer::queuedConnections() const
{
    return server_->queuedConnections();
}

unsigned short HttpServer::port() const
{
    return server_->port();
}

} // namespace portico
