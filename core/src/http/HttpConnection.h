#pragma once
// One client connection: Poco's HTTPServerConnection loop (keep-alive requests on one socket),
// with what a gateway needs on top: a deadline for each request head (HeaderDeadlines),
// protocol errors answered in OpenAI's JSON shape through the response hooks (400 malformed,
// 408 head too slow, 431 headers too large) instead of Poco's bare pages, and
// a stop that the server can broadcast (drain, shutdown).

#include "http/HeaderDeadlines.h"
#include "http/RequestHandler.h"
#include "http/ServerState.h"
#include "Poco/Mutex.h"
#include "Poco/Net/HTTPServerParams.h"
#include "Poco/Net/TCPServerConnection.h"
#include <atomic>
#include <mutex>
#include <set>

namespace Poco::Net {
class HTTPServerSession;
}

namespace portico {

class ConnectionRegistry;

class HttpConnection : public Poco::Net::TCPServerConnection
{
public:
    HttpConnection(const Poco::Net::StreamSocket& socket, Poco::Net::HTTPServerParams::Ptr params,
                   ServerState& state, HeaderDeadlines& deadlines, ConnectionRegistry& registry);
    ~HttpConnection() override;

    void run() override;
    /// The server stopped: finish the current request (or cut it with `abortCurrent`), then close.
    void stop(bool abortCurrent);

private:
    void answerProtocolError(Poco::Net::HTTPServerSession& session, int status, const std::string& message,
                             const std::string& code);

    /// The peer as "host:port", formatted at the first request (it cannot change).
    const std::string& clientAddress();

    Poco::Net::HTTPServerParams::Ptr params_;
    ServerState& state_;
    RequestHandler handler_;
    std::string clientAddress_;
    HeaderDeadlines& deadlines_;
    ConnectionRegistry& registry_;
    std::atomic<bool> stopped_{false};
    Poco::FastMutex mutex_; ///< held while a request is being served
};

/// The open connections, so that a stop can reach each of them.
class ConnectionRegistry
{
public:
    void add(HttpConnection* connection);
    void remove(HttpConnection* connection);
    void stopAll(bool abortCurrent);

private:
    std::mutex mutex_;
    std::set<HttpConnection*> connections_;
};

} // namespace portico
