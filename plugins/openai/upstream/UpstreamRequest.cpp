#include "UpstreamRequest.h"
#include "portico/Attributes.h"
#include "Poco/String.h"

namespace portico::openai {

namespace {

bool endsWith(const std::string& text, const std::string& suffix)
{
    return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// Client headers that mean the same thing to the upstream as to us.
const char* const PassedThrough[] = {"OpenAI-Beta", "Idempotency-Key", "User-Agent", "tracestate"};

} // namespace

std::string upstreamTarget(const UpstreamConfig& upstream, const std::string& apiPath)
{
    std::string path = apiPath.empty() || apiPath[0] != '/' ? "/" + apiPath : apiPath;
    const bool versioned = path == "/v1" || path.compare(0, 4, "/v1/") == 0 || path.compare(0, 4, "/v1?") == 0;
    if (versioned && endsWith(upstream.basePath, "/v1"))
        path.erase(0, 3);
    if (path.empty())
        path = "/";
    return upstream.basePath + path;
}

namespace {

/// Calls `add(name, value)` for every header that goes upstream besides Host (and, for a body,
/// Content-Type and Content-Length): one list for both ways of sending a request.
template <class Add>
void forEachForwardedHeader(const Exchange& exchange, const UpstreamConfig& upstream, bool stream, Add&& add)
{
    add("Accept", stream ? "text/event-stream" : "application/json");
    // The body is relayed as is and scanned for usage: it must not come compressed.
    add("Accept-Encoding", "identity");
    if (!upstream.apiKey.empty())
        add("Authorization", "Bearer " + upstream.apiKey);
    if (const std::string* traceparent = exchange.find(attr::TraceparentOut))
        add("traceparent", *traceparent);
    else if (const std::string& incoming = exchange.requestHeader("traceparent"); !incoming.empty())
        add("traceparent", incoming);
    for (const char* name : PassedThrough)
    {
        const std::string& value = exchange.requestHeader(name);
        if (!value.empty())
            add(name, value);
    }
}

const std::string& requestContentType(const Exchange& exchange)
{
    static const std::string json = "application/json";
    const std::string& contentType = exchange.requestHeader("Content-Type");
    return contentType.empty() ? json : contentType;
}

} // namespace

void prepareRequest(Poco::Net::HTTPRequest& request, const Exchange& exchange, const UpstreamConfig& upstream,
                    bool stream)
{
    const std::string& body = exchange.body();
    if (!body.empty() || request.getMethod() == Poco::Net::HTTPRequest::HTTP_POST)
    {
        request.setContentType(requestContentType(exchange));
        request.setContentLength64(static_cast<Poco::Int64>(body.size()));
    }
    forEachForwardedHeader(exchange, upstream, stream,
                           [&request](const char* name, const std::string& value) { request.set(name, value); });
}

std::string hostHeader(const UpstreamConfig& upstream)
{
    // As Poco's HTTPRequest::setHost writes it: IPv6 in brackets, no port for 80 and 443.
    std::string value = upstream.host.find(':') != std::string::npos ? "[" + upstream.host + "]" : upstream.host;
    if (upstream.port != 80 && upstream.port != 443)
        value += ":" + std::to_string(upstream.port);
    return value;
}

void writeRequestHead(std::string& out, const std::string& method, const std::string& target,
                      const std::string& host, const Exchange& exchange, const UpstreamConfig& upstream, bool stream,
                      bool keepAlive)
{
    const auto line = [&out](std::string_view name, std::string_view value) {
        out.append(name).append(": ").append(value).append("\r\n");
    };
    out.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
    line("Host", host);
    const std::string& body = exchange.body();
    if (!body.empty() || method == Poco::Net::HTTPRequest::HTTP_POST)
    {
        line("Content-Type", requestContentType(exchange));
        line("Content-Length", std::to_string(body.size()));
    }
    forEachForwardedHeader(exchange, upstream, stream,
                           [&line](const char* name, const std::string& value) { line(name, value); });
    if (!keepAlive)
        line("Connection", "close");
    out.append("\r\n");
}

void copyResponseHeaders(const Poco::Net::HTTPResponse& response, Exchange& exchange)
{
    const std::string& requestId = response.get("x-request-id", Exchange::empty());
    if (!requestId.empty())
        exchange.response().headers.set(UpstreamRequestIdHeader, requestId);
}

} // namespace portico::openai
