#pragma once
// tracing: gives every request a trace id (reusing a valid incoming W3C traceparent's), puts it
// on the Exchange for the other plugins and the access log, prepares the traceparent to send
// upstream, and returns it as X-Trace-Id and X-Request-Id on every answer.

#include "portico/Plugin.h"
#include "portico/PluginContext.h"

namespace portico::tracing {

struct TracingConfig
{
    bool acceptTraceparent = true;
    std::string traceHeader = "X-Trace-Id";
    std::string requestIdHeader = "X-Request-Id";

    static TracingConfig from(const PluginConfig& config);
};

class TracingPlugin : public Plugin
{
public:
    explicit TracingPlugin(PluginContext& context);
    void onRequest(Exchange& exchange) override;
    void onResponseHead(Exchange& exchange) override;
    void describeApi(ApiDescription& api) const override;
    /// Its hooks only compute: they may run on the event loop.
    Blocking blocking() const override { return Blocking::Never; }

private:
    const TracingConfig config_;
};

} // namespace portico::tracing
