// tracing's part of the OpenAPI document: the trace id and request id headers on every answer.
#include "TracingPlugin.h"

namespace portico::tracing {

void TracingPlugin::describeApi(ApiDescription& api) const
{
    const std::string header = R"({
        "description": "The request's trace id: 32 lowercase hex digits, the incoming W3C traceparent's when one was accepted.",
        "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"}
    })";
    api.addResponseHeader(config_.traceHeader, header, "*");
    if (!config_.requestIdHeader.empty())
        api.addResponseHeader(config_.requestIdHeader, R"({
            "description": "The request id (the trace id, unless the handler set its own, such as an upstream's x-request-id).",
            "schema": {"type": "string"}
        })", "*");
}

} // namespace portico::tracing
