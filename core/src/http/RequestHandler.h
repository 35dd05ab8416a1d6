#pragma once
// Serves one parsed request: reads the body (bounded), builds the Exchange and runs the chain.
// Called by HttpConnection on the connection's thread for every request on it.

#include "http/ServerState.h"
#include "Poco/Net/HTTPServerRequest.h"
#include "Poco/Net/HTTPServerResponse.h"
#include "Poco/Net/StreamSocket.h"
#include <string>

namespace portico {

class RequestHandler
{
public:
    explicit RequestHandler(ServerState& state) : state_(state) {}

    /// `socket` is the connection's: the answer is written to it directly (SocketResponseSink).
    /// `response` is only used to answer a body that could not be read. `keepAlive` is the
    /// connection's decision, set to false here when the connection must close after this answer.
    /// `clientAddress` is the peer as "host:port", formatted once per connection. The request's
    /// headers are moved into the Exchange: `request` has none left afterwards.
    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                       Poco::Net::StreamSocket& socket, const std::string& clientAddress, bool& keepAlive);

private:
    ServerState& state_;
};

} // namespace portico
