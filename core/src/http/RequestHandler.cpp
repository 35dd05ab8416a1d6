#include "http/RequestHandler.h"
#include "http/AccessLog.h"
#include "http/ChainRunner.h"
#include "http/LingeringClose.h"
#include "http/HttpDate.h"
#include "http/SocketResponseSink.h"
#include "portico/Json.h"
#include "Poco/Logger.h"
#include "Poco/Net/HTTPServerRequest.h"
#include "Poco/Net/HTTPServerResponse.h"
#include <algorithm>
#include <chrono>
#include <istream>

namespace portico {

namespace {

enum class BodyRead
{
    Complete,
    TooLarge,
    Failed
};

// Reads at most `limit` bytes of body. A declared Content-Length over the limit is refused
// before a byte is read; a chunked body is read until it passes the limit.
BodyRead readBody(Poco::Net::HTTPServerRequest& request, long long limit, std::string& body)
{
    const bool hasLength = request.hasContentLength();
    const long long declared = hasLength ? request.getContentLength64() : -1;
    if (hasLength && declared > limit)
        return BodyRead::TooLarge;
    if (hasLength && declared == 0)
        return BodyRead::Complete;
    if (!hasLength && !request.getChunkedTransferEncoding())
        return BodyRead::Complete; // no body
    std::istream& in = request.stream();
    if (hasLength)
    {
        body.resize(static_cast<std::size_t>(declared));
        in.read(body.data(), declared);
        if (in.gcount() != declared)
            return BodyRead::Failed;
        return BodyRead::Complete;
    }
    char buffer[16384];
    while (in)
    {
        // istream::read blocks until it has all it asked for: never ask for more than one byte
        // past the limit, or a client that sent just over the limit and waits gets no 413.
        const long long room = limit - static_cast<long long>(body.size()) + 1;
        in.read(buffer, static_cast<std::streamsize>(std::min<long long>(sizeof buffer, room)));
        const auto got = in.gcount();
        if (got <= 0)
            break;
        if (static_cast<long long>(body.size()) + got > limit)
            return BodyRead::TooLarge;
        body.append(buffer, static_cast<std::size_t>(got));
    }
    return in.bad() ? BodyRead::Failed : BodyRead::Complete;
}

/// Lends the connection thread's spare header collection to an answer for its lifetime. A
/// HeaderList is a vector: the spare keeps the capacity its earlier answers grew it to,
/// so the response-head hooks add their headers without reallocating it from empty each time.
class RecycledHeaders
{
public:
    explicit RecycledHeaders(HeaderList& headers) : headers_(headers) { headers_.swap(spare()); }
    ~RecycledHeaders()
    {
        headers_.swap(spare());
        spare().clear(); // keeps the capacity
    }
    RecycledHeaders(const RecycledHeaders&) = delete;
    RecycledHeaders& operator=(const RecycledHeaders&) = delete;

private:
    static HeaderList& spare()
    {
        thread_local HeaderList headers;
        return headers;
    }

    HeaderList& headers_;
};

} // namespace

void RequestHandler::handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                                   Poco::Net::StreamSocket& socket, const std::string& clientAddress,
                                   bool& keepAlive)
{
    ServerState::InFlight inFlight(state_);
    const auto startedAt = std::chrono::steady_clock::now();
    static Poco::Logger& logger = Poco::Logger::get("portico.core");
    // Hold the chain for the whole request: a reload swaps in a new one, this one stays alive.
    const std::shared_ptr<const Chain> chain = state_.chain();

    std::string body;
    BodyRead read = BodyRead::Failed;
    try
    {
        read = readBody(request, state_.maxBodyBytes(), body);
    }
    catch (const Poco::Exception& e)
    {
        logger.debug("reading the request body failed: " + e.displayText());
    }
    if (read == BodyRead::Failed)
    {
        // The client stopped sending mid-body (or timed out): the connection cannot be reused.
        keepAlive = false;
        response.setKeepAlive(false);
        response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_BAD_REQUEST);
        response.setContentType("application/json");
        response.set("Date", httpDateNow());
        const std::string error = openAiErrorBody("Could not read the request body.", "invalid_request_error",
                                                  "invalid_body");
        try
        {
            response.sendBuffer(error.data(), error.size());
        }
        catch (...)
        {
        }
        AccessLog::recordUnread(request.getMethod(), request.getURI(), clientAddress, 400,
                                error.size(), startedAt);
        return;
    }

    if (state_.draining() || read == BodyRead::TooLarge)
        keepAlive = false; // an unread body poisons the connection; drain closes it

    // The headers are moved, not copied: nothing reads them from the Poco request after this.
    Exchange exchange(request.getMethod(), request.getURI(),
                      std::move(static_cast<Poco::Net::NameValueCollection&>(request)), std::move(body), clientAddress);
    if (read == BodyRead::TooLarge)
    {
        exchange.markBodyTooLarge();
        requestLingeringClose();
    }
    const RecycledHeaders recycled(exchange.response().headers);
    SocketResponseSink sink(socket, request.getVersion(), keepAlive,
                            exchange.method() == Poco::Net::HTTPRequest::HTTP_HEAD);
    const Outcome outcome = ChainRunner(*chain, logger).run(exchange, sink);
    AccessLog::record(exchange, outcome);
    sink.flush(); // the answer's last bytes, now that the completion hooks have run
}

} // namespace portico
