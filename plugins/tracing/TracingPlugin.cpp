#include "TracingPlugin.h"
#include "portico/Attributes.h"
#include "portico/Traceparent.h"
#include <cstring>

namespace portico::tracing {

TracingConfig TracingConfig::from(const PluginConfig& config)
{
    TracingConfig result;
    result.acceptTraceparent = config.getBool("accept_traceparent", result.acceptTraceparent);
    result.traceHeader = config.getString("trace_header", result.traceHeader);
    result.requestIdHeader = config.getString("request_id_header", result.requestIdHeader);
    if (result.traceHeader.empty())
        throw config.error("trace_header", "must not be empty");
    return result;
}

TracingPlugin::TracingPlugin(PluginContext& context) : config_(TracingConfig::from(context.config())) {}

void TracingPlugin::onRequest(Exchange& exchange)
{
    static const std::string traceparentHeader = "traceparent";
    // The outgoing traceparent, "00-<trace id>-<our span id>-<flags>", built in place: the
    // trace id attribute is its bytes 3-34, and both go into the Exchange's recycled attribute
    // buffers without a string of their own (two mallocs a request otherwise).
    char outgoing[55];
    std::memcpy(outgoing, "00-", 3);
    bool joined = false;
    bool sampled = true;
    if (config_.acceptTraceparent)
    {
        const std::string& incoming = exchange.requestHeader(traceparentHeader);
        if (!incoming.empty())
        {
            if (auto parent = Traceparent::parse(incoming))
            {
                std::memcpy(outgoing + 3, parent->traceId.data(), 32);
                sampled = parent->sampled;
                joined = true;
            }
        }
    }
    if (!joined)
        writeNewTraceId(outgoing + 3);
    // Our own span: the upstream sees us as its parent.
    outgoing[35] = '-';
    writeNewSpanId(outgoing + 36);
    std::memcpy(outgoing + 52, sampled ? "-01" : "-00", 3);
    exchange.set(attr::TraceparentOut, std::string_view(outgoing, sizeof outgoing));
    exchange.set(attr::TraceId, std::string_view(outgoing + 3, 32));
}

void TracingPlugin::onResponseHead(Exchange& exchange)
{
    const std::string* traceId = exchange.find(attr::TraceId);
    if (!traceId)
    {
        // The core answered a request it could not parse (400, 408, 431): no request hook ran,
        // but the answer still gets an id.
        exchange.set(attr::TraceId, newTraceId());
        traceId = exchange.find(attr::TraceId);
    }
    auto& headers = exchange.response().headers;
    headers.set(config_.traceHeader, *traceId);
    // add(), not set(): it is known to be absent, and set() would search for it again.
    if (!config_.requestIdHeader.empty() && !headers.has(config_.requestIdHeader))
        headers.add(config_.requestIdHeader, *traceId);
}

} // namespace portico::tracing

