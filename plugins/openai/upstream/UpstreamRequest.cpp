#include "UpstreamRequest.h"
#include "portico/Attributes.h"

namespace portico::openai {

namespace {

bool endsWith(const std::string& text, const std::string& suffix)
{
    return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// Client headers that mean the same thing to the upstream as to us.
const char* const PassedThrough[] = {"OpenAI-Beta", "Idempotency-Key", "User-Agent", "tracestate"};
/// The same for an Anthropic upstream: OpenAI-Beta means nothing to it, anthropic-beta does
/// (a client of /v1/chat/completions may still send it to reach a beta feature).
const char* const PassedThroughToAnthropic[] = {"anthropic-beta", "Idempotency-Key", "User-Agent", "tracestate"};

const std::string& requestContentType(const Exchange& exchange)
{
    static const std::string json = "application/json";
    const std::string& contentType = exchange.requestHeader("Content-Type");
    return contentType.empty() ? json : contentType;
}

/// The upstream's key, the way its API takes it: Anthropic's as x-api-key, with the API version
/// it must name on every request.
void addAuthorization(HeaderList& headers, const UpstreamConfig& upstream)
{
    if (upstream.anthropic())
    {
        headers.add("anthropic-version", upstream.anthropicVersion);
        if (!upstream.apiKey.empty())
            headers.add("x-api-key", upstream.apiKey);
        return;
    }
    if (!upstream.apiKey.empty())
        headers.add("Authorization", "Bearer " + upstream.apiKey);
}

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

UpstreamRequest forwardedRequest(const Exchange& exchange, const UpstreamConfig& upstream,
                                 const std::string& apiPath, bool stream, const std::string* body)
{
    UpstreamRequest request;
    request.method = "POST";
    request.target = upstreamTarget(upstream, apiPath);
    HeaderList& headers = request.headers;
    headers.reserve(10);
    headers.add("Content-Type", requestContentType(exchange));
    headers.add("Accept", stream ? "text/event-stream" : "application/json");
    // The body is relayed as is and scanned for usage: it must not come compressed.
    headers.add("Accept-Encoding", "identity");
    addAuthorization(headers, upstream);
    if (const std::string* traceparent = exchange.find(attr::TraceparentOut))
        headers.add("traceparent", *traceparent);
    else if (const std::string& incoming = exchange.requestHeader("traceparent"); !incoming.empty())
        headers.add("traceparent", incoming);
    for (const char* name : upstream.anthropic() ? PassedThroughToAnthropic : PassedThrough)
    {
        const std::string& value = exchange.requestHeader(name);
        if (!value.empty())
            headers.add(name, value);
    }
    request.body = body ? *body : exchange.body();
    // A buffered answer may be retried when the upstream is busy; a stream's 502 is passed on.
    request.retryBusy = !stream;
    // A stream's events are capped one by one (max_event_bytes) by the relay; an answer to a
    // stream request that is not an event stream is capped by the relay too (ProxyCall).
    request.maxBodyBytes = stream ? 0 : upstream.maxBodyBytes;
    return request;
}

UpstreamRequest modelsRequest(const UpstreamConfig& upstream)
{
    UpstreamRequest request;
    request.method = "GET";
    request.target = upstreamTarget(upstream, "/models");
    request.headers.add("Accept", "application/json");
    addAuthorization(request.headers, upstream);
    request.retryBusy = true;
    request.maxBodyBytes = upstream.maxBodyBytes;
    return request;
}

} // namespace portico::openai
