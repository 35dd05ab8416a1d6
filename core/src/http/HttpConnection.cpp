#include "http/HttpConnection.h"
#include "http/ChainRunner.h"
#include "http/LingeringClose.h"
#include "http/SocketResponseSink.h"
#include "Poco/Logger.h"
#include "Poco/Net/HTTPServerRequestImpl.h"
#include "Poco/Net/HTTPServerResponseImpl.h"
#include "Poco/Net/HTTPServerSession.h"
#include "Poco/Net/NetException.h"
#include "Poco/String.h"
#include <memory>

namespace portico {

namespace {

// Poco reports every head problem as a MessageException; its message says which limit was hit.
struct ProtocolError
{
    int status;
    const char* message;
    const char* code;
};

ProtocolError classify(const Poco::Net::MessageException& e)
{
    // Header limits ("Field value too long", "Too many header fields") are 431. Poco says
    // "invalid or too long" for a bad request line, so those stay a plain 400.
    const std::string text = Poco::toLower(e.displayText());
    if (text.find("field") != std::string::npos &&
        (text.find("too long") != std::string::npos || text.find("too many") != std::string::npos))
        return {431, "Request header fields too large.", "request_header_fields_too_large"};
    if (text.find("request uri") != std::string::npos)
        return {400, "Malformed request line: the URI is invalid or too long.", "malformed_request"};
    return {400, "Malformed HTTP request.", "malformed_request"};
}

} // namespace

HttpConnection::HttpConnection(const Poco::Net::StreamSocket& socket, Poco::Net::HTTPServerParams::Ptr params,
                               ServerState& state, HeaderDeadlines& deadlines, ConnectionRegistry& registry)
    : TCPServerConnection(socket),
      params_(std::move(params)),
      state_(state),
      handler_(state),
      deadlines_(deadlines),
      registry_(registry)
{
    registry_.add(this);
}

HttpConnection::~HttpConnection()
{
    registry_.remove(this);
}

void HttpConnection::run()
{
    Poco::Net::HTTPServerSession session(socket(), params_);
    HeaderDeadlines::Slot deadline(deadlines_, socket());
    for (bool first = true; !stopped_; first = false)
    {
        // The head deadline starts at accept for the first request (a client that connects and
        // sends nothing is as slow as one that sends a byte a second), and at the first byte of
        // each later request (the keep-alive gap before it has its own timeout).
        if (first)
            deadline.arm();
        if (!session.hasMoreRequests())
            break;
        if (!first)
            deadline.arm();
        bool headTimedOut = false;
        try
        {
            Poco::FastMutex::ScopedLock lock(mutex_);
            if (stopped_)
                break;
            Poco::Net::HTTPServerResponseImpl response(session);
            Poco::Net::HTTPServerRequestImpl request(response, session, params_);
            // The head is in; the body has its own read timeout. But the deadline shuts the read
            // side, and Poco takes that end of input for the end of the header block: a head
            // cut mid-way parses as a (truncated) request. Not served.
            headTimedOut = deadline.release();
            if (headTimedOut)
                throw Poco::Net::MessageException("request head cut at the deadline"); // 408 below

            // The keep-alive decision is a plain bool, not Poco's Connection header: the answer's
            // head is written by SocketResponseSink, which reads and updates it.
            response.setVersion(request.getVersion());
            bool keepAlive = params_->getKeepAlive() && request.getKeepAlive() && session.canKeepAlive();
            if (request.getExpectContinue())
                response.sendContinue();
            handler_.handleRequest(request, response, socket(), clientAddress(), keepAlive);
            session.setKeepAlive(keepAlive && session.canKeepAlive());
            if (!session.getKeepAlive())
                break;
        }
        catch (const Poco::Net::MessageException& e) // NoMessageException included
        {
            // A head that failed to parse: was it cut by the deadline?
            if (!headTimedOut)
                headTimedOut = deadline.release();
            if (headTimedOut)
                answerProtocolError(session, 408, "Timed out reading the request head.", "request_timeout");
            else if (!dynamic_cast<const Poco::Net::NoMessageException*>(&e))
            {
                const ProtocolError error = classify(e);
                answerProtocolError(session, error.status, error.message, error.code);
            }
            break;
        }
        catch (const Poco::Exception& e)
        {
            // Network errors (reset, timeout): nothing can be sent any more.
            Poco::Logger::get("portico.core").debug("connection closed: " + e.displayText());
            break;
        }
    }
    deadline.release(); // a lingering close below must not be cut by a deadline
    if (takeLingeringCloseRequest())
        lingeringClose(socket());
}

void HttpConnection::answerProtocolError(Poco::Net::HTTPServerSession& session, int status,
                                         const std::string& message, const std::string& code)
{
    try
    {
        bool keepAlive = false;
        session.setKeepAlive(false);
        SocketResponseSink sink(socket(), Poco::Net::HTTPMessage::HTTP_1_1, keepAlive, false);
        const std::shared_ptr<const Chain> chain = state_.chain();
        // No request could be parsed: an Exchange with what we know, answered by the core.
        Exchange exchange("-", "/", {}, {}, clientAddress());
        ChainRunner(*chain, Poco::Logger::get("portico.core")).answerWithoutRequest(exchange, sink, status, message, code);
        sink.flush();
    }
    catch (const Poco::Exception& e)
    {
        Poco::Logger::get("portico.core").debug("could not answer a protocol error: " + e.displayText());
    }
}

const std::string& HttpConnection::clientAddress()
{
    if (clientAddress_.empty())
    {
        try
        {
            clientAddress_ = socket().peerAddress().toString();
        }
        catch (const Poco::Exception&)
        {
            clientAddress_ = "-"; // the peer is already gone
        }
    }
    return clientAddress_;
}

void HttpConnection::stop(bool abortCurrent)
{
    stopped_ = true;
    try
    {
        if (abortCurrent)
            socket().shutdown();
        else
        {
            Poco::FastMutex::ScopedLock lock(mutex_); // waits for the request in progress
            socket().shutdown();
        }
    }
    catch (...)
    {
    }
}

void ConnectionRegistry::add(HttpConnection* connection)
{
    std::lock_guard<std::mutex> lock(mutex_);
    connections_.insert(connection);
}

void ConnectionRegistry::remove(HttpConnection* connection)
{
    std::lock_guard<std::mutex> lock(mutex_);
    connections_.erase(connection);
}

void ConnectionRegistry::stopAll(bool abortCurrent)
{
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto* connection : connections_)
        connection->stop(abortCurrent);
}

} // namespace portico
