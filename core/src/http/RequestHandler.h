#pragma once
// The Poco request handler: reads the body (bounded), builds the Exchange and runs the chain.

#include "http/ServerState.h"
#include "Poco/Net/HTTPRequestHandler.h"
#include "Poco/Net/HTTPRequestHandlerFactory.h"

namespace portico {

class RequestHandler : public Poco::Net::HTTPRequestHandler
{
public:
    explicit RequestHandler(ServerState& state) : state_(state) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override;

private:
    ServerState& state_;
};

class RequestHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory
{
public:
    explicit RequestHandlerFactory(ServerState& state) : state_(state) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override
    {
        return new RequestHandler(state_);
    }

private:
    ServerState& state_;
};

} // namespace portico
