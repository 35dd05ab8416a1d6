#include "TracingPlugin.h"
#include "portico/Attributes.h"
#include "portico/Traceparent.h"

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
    std::string traceId;
    bool sampled = true;
    if (config_.acceptTraceparent)
    {
        const std::string& incoming = exchange.requestHeader(traceparentHeader);
        if (!incoming.empty())
        {
            if (auto parent = Traceparent::parse(incoming))
            {
                traceId = parent->traceId;
                sampled = parent->sampled;
            }
        }
    }
    if (traceId.empty())
        traceId = newTraceId();
    // Our own span: the upstream sees us as its parent. The id is moved through the
    // Traceparent and back, not copied: a 32-byte string is an allocation each time.
    Traceparent outgoing{std::move(traceId), newSpanId(), sampled};
    exchange.set(attr::TraceparentOut, outgoing.format());
    exchange.set(attr::TraceId, std::move(outgoing.traceId));
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

