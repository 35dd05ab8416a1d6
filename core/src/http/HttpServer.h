#pragma once
// The listening server: Poco's TCPServer with its own thread pool, a connection factory that
// turns on TCP_NODELAY (each answer is two writes, head and body; Nagle would hold the second
// for a delayed ACK), and a graceful stop.

#include "config/ServerSettings.h"
#include "http/RequestHandler.h"
#include "Poco/Net/TCPServer.h"
#include "Poco/ThreadPool.h"
#include <memory>

namespace portico {

class HttpServer
{
public:
    HttpServer(const ServerSettings& settings, ServerState& state);
    ~HttpServer();

    void start();
    /// Stops accepting, waits until no request is in flight or `drainSeconds` have passed,
    /// then closes every connection that is left. Returns the number still in flight at the end.
    int drainAndStop(int drainSeconds);

    /// Connections Poco refused because its queue was full.
    int refusedConnections() const;
    int currentConnections() const;
    int queuedConnections() const;
    unsigned short port() const;

private:
    ServerState& state_;
    RequestHandlerFactory* factory_; ///< owned by handlerFactory_
    Poco::Net::HTTPRequestHandlerFactory::Ptr handlerFactory_;
    std::unique_ptr<Poco::ThreadPool> pool_;
    std::unique_ptr<Poco::Net::TCPServer> server_;
};

} // namespace portico
