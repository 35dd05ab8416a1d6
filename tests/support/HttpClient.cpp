#include "HttpClient.h"
#include "Poco/Net/HTTPClientSession.h"
#include "Poco/Net/HTTPRequest.h"
#include "Poco/Net/HTTPResponse.h"
#include "Poco/Net/StreamSocket.h"
#include "Poco/Net/NetException.h"
#include "Poco/StreamCopier.h"
#include "Poco/String.h"
#include <sstream>

namespace portico::test {

namespace {

HttpResult exchangeOn(Poco::Net::HTTPClientSession& session, const std::string& method, const std::string& path,
                      const std::string& body, const std::map<std::string, std::string>& headers)
{
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [name, value] : headers)
        request.set(name, value);
    if (!body.empty() || method == "POST" || method == "PUT")
    {
        request.setContentLength(static_cast<std::streamsize>(body.size()));
        if (!request.has("Content-Type"))
            request.setContentType("application/json");
    }
    std::ostream& out = session.sendRequest(request);
    out << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    HttpResult result;
    result.status = response.getStatus();
    for (const auto& [name, value] : response)
        result.headers.add(name, value);
    std::ostringstream content;
    Poco::StreamCopier::copyStream(in, content);
    result.body = content.str();
    return result;
}

} // namespace

HttpResult httpRequest(unsigned short port, const std::string& method, const std::string& path,
                       const std::string& body, const std::map<std::string, std::string>& headers,
                       int timeoutSeconds)
{
    Poco::Net::HTTPClientSession session("127.0.0.1", port);
    session.setTimeout(Poco::Timespan(timeoutSeconds, 0));
    return exchangeOn(session, method, path, body, headers);
}

HttpResult httpRequestSettled(unsigned short port, const std::string& method, const std::string& path,
                              const std::string& body, const std::map<std::string, std::string>& headers,
                              const std::string& settlePath, int timeoutSeconds)
{
    Poco::Net::HTTPClientSession session("127.0.0.1", port);
    session.setTimeout(Poco::Timespan(timeoutSeconds, 0));
    session.setKeepAlive(true);
    HttpResult first = exchangeOn(session, method, path, body, headers);
    exchangeOn(session, "GET", settlePath, "", {});
    return first;
}

namespace {

// True once `raw` holds a complete answer (head plus Content-Length bytes, or the last chunk).
bool complete(const std::string& raw)
{
    const auto headEnd = raw.find("\r\n\r\n");
    if (headEnd == std::string::npos)
        return false;
    const std::string head = Poco::toLower(raw.substr(0, headEnd));
    const std::string body = raw.substr(headEnd + 4);
    if (head.find("transfer-encoding: chunked") != std::string::npos)
        return body.size() >= 5 && (body.compare(0, 5, "0\r\n\r\n") == 0 || body.find("\r\n0\r\n\r\n") != std::string::npos);
    const auto length = head.find("content-length:");
    if (length != std::string::npos)
        return body.size() >= std::stoull(head.substr(length + 15));
    return false;
}

RawResult exchangeRaw(unsigned short port, const std::string& request, int timeoutSeconds, bool untilClosed)
{
    using Clock = std::chrono::steady_clock;
    RawResult result;
    Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port));
    socket.setNoDelay(true);
    const auto start = Clock::now();
    socket.sendBytes(request.data(), static_cast<int>(request.size()));
    const auto deadline = start + std::chrono::seconds(timeoutSeconds);
    char buffer[65536];
    while (Clock::now() < deadline)
    {
        socket.setReceiveTimeout(Poco::Timespan(0, 200000));
        int got = 0;
        try
        {
            got = socket.receiveBytes(buffer, sizeof buffer);
        }
        catch (const Poco::TimeoutException&)
        {
            continue;
        }
        catch (const Poco::Net::NetException&)
        {
            result.closedByServer = true;
            break;
        }
        if (got <= 0)
        {
            result.closedByServer = true;
            break;
        }
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        result.arrivals.push_back({ms, std::string(buffer, static_cast<std::size_t>(got))});
        result.raw.append(buffer, static_cast<std::size_t>(got));
        if (!untilClosed && complete(result.raw))
            break;
    }
    if (result.raw.compare(0, 5, "HTTP/") == 0 && result.raw.size() > 12)
        result.status = std::atoi(result.raw.substr(9, 3).c_str());
    return result;
}

} // namespace

RawResult rawRequest(unsigned short port, const std::string& request, int timeoutSeconds)
{
    return exchangeRaw(port, request, timeoutSeconds, false);
}

RawResult rawRequestUntilClosed(unsigned short port, const std::string& request, int timeoutSeconds)
{
    return exchangeRaw(port, request, timeoutSeconds, true);
}

std::string dechunk(const std::string& body)
{
    std::string out;
    std::size_t at = 0;
    while (at < body.size())
    {
        const auto lineEnd = body.find("\r\n", at);
        if (lineEnd == std::string::npos)
            break;
        const std::size_t size = std::stoul(body.substr(at, lineEnd - at), nullptr, 16);
        if (size == 0)
            break;
        at = lineEnd + 2;
        if (at + size > body.size())
            break;
        out.append(body, at, size);
        at += size + 2;
    }
    return out;
}

} // namespace portico::test
