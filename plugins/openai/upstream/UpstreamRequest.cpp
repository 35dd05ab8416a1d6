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

void prepareRequest(Poco::Net::HTTPRequest& request, const Exchange& exchange, const UpstreamConfig& upstream,
                    bool stream)
{
    const std::string& body = exchange.body();
    const std::string& contentType = exchange.requestHeader("Content-Type");
    if (!body.empty() || request.getMethod() == Poco::Net::HTTPRequest::HTTP_POST)
    {
        request.setContentType(contentType.empty() ? std::string("application/json") : contentType);
        request.setContentLength64(static_cast<Poco::Int64>(body.size()));
    }
    request.set("Accept", stream ? "text/event-stream" : "application/json");
    // The body is relayed as is and scanned for usage: it must not come compressed.
    request.set("Accept-Encoding", "identity");
    if (!upstream.apiKey.empty())
        request.set("Authorization", "Bearer " + upstream.apiKey);
    if (const std::string* traceparent = exchange.find(attr::TraceparentOut))
        request.set("traceparent", *traceparent);
    else if (const std::string& incoming = exchange.requestHeader("traceparent"); !incoming.empty())
        request.set("traceparent", incoming);
    for (const char* name : PassedThrough)
    {
        const std::string& value = exchange.requestHeader(name);
        if (!value.empty())
            request.set(name, value);
    }
}

void copyResponseHeaders(const Poco::Net::HTTPResponse& response, Exchange& exchange)
{
    const std::string& requestId = response.get("x-request-id", Exchange::empty());
    if (!requestId.empty())
        exchange.response().headers.set(UpstreamRequestIdHeader, requestId);
}

} // namespace portico::openai
