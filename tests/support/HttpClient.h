#pragma once
// HTTP for tests: a plain request/answer helper on Poco's HTTPClientSession, and a raw-socket
// reader that records when each piece of a (streamed) answer arrived.

#include "Poco/Net/NameValueCollection.h"
#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace portico::test {

struct HttpResult
{
    int status = 0;
    /// Response headers; lookups are case-insensitive.
    Poco::Net::NameValueCollection headers;
    std::string body;

    std::string header(const std::string& name) const { return headers.get(name, ""); }
    bool has(const std::string& name) const { return headers.has(name); }
};

/// One request on a fresh connection to 127.0.0.1:port. Throws on connection failure or timeout.
HttpResult httpRequest(unsigned short port, const std::string& method, const std::string& path,
                       const std::string& body = "",
                       const std::map<std::string, std::string>& headers = {}, int timeoutSeconds = 10);

/// Like httpRequest, then `GET settlePath` on the same keep-alive connection. porticod answers
/// the client first and runs the completion hooks (the idempotency store, token settlement,
/// metrics) right after; it serves a connection's next request only once they are over. So
/// when this returns, the first request is settled, which a test that checks its effects from
/// another connection (a replay on a second instance, a restart after kill -9) relies on.
/// Returns the first request's answer.
HttpResult httpRequestSettled(unsigned short port, const std::string& method, const std::string& path,
                              const std::string& body, const std::map<std::string, std::string>& headers,
                              const std::string& settlePath, int timeoutSeconds = 10);

/// A piece of bytes and the milliseconds since the request was sent when it arrived.
struct Arrival
{
    double ms;
    std::string bytes;
};

struct RawResult
{
    std::vector<Arrival> arrivals;
    /// Everything received, head included, chunked framing as sent.
    std::string raw;
    /// The status line's code, 0 when none was received.
    int status = 0;
    bool closedByServer = false;
};

/// Sends `request` (the exact bytes) on a new connection and reads until the server closes it,
/// the answer is complete (Content-Length reached or the final 0-chunk seen) or
/// `timeoutSeconds` pass.
RawResult rawRequest(unsigned short port, const std::string& request, int timeoutSeconds = 10);

/// Like rawRequest, but goes on reading after the answer is complete, until the server closes
/// the connection (or resets it: both set closedByServer) or `timeoutSeconds` pass. For checking
/// that the server closes a connection it cannot reuse.
RawResult rawRequestUntilClosed(unsigned short port, const std::string& request, int timeoutSeconds = 10);

/// Decodes a chunked body ("5\r\nhello\r\n0\r\n\r\n" -> "hello"); stops at the first error.
std::string dechunk(const std::string& body);

} // namespace portico::test
