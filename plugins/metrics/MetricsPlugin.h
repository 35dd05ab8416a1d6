#pragma once
// metrics: serves GET <path> (default /metrics) with the text exposition of the core's
// Prometheus registry, where every plugin and the core register their metrics, and feeds the
// HTTP metrics (see HttpMetrics) from its request and completion hooks. Each scrape also reads
// the standard process_* family from /proc (see ProcessMetrics). Put it early in
// plugins.order: it counts the requests whose request hook it saw, so plugins before it that
// answer (none of the standard ones do) would not be counted.

#include "HttpMetrics.h"
#include "MetricsConfig.h"
#include "portico/Plugin.h"
#include "portico/PluginContext.h"

namespace portico::metrics {

class MetricsPlugin : public Plugin
{
public:
    explicit MetricsPlugin(PluginContext& context);

    void onRequest(Exchange& exchange) override;
    void onComplete(Exchange& exchange, Outcome outcome) override;
    void describeApi(ApiDescription& api) const override;
    /// Its hooks only compute: they may run on the event loop.
    Blocking blocking() const override { return Blocking::Never; }

private:
    /// Present on an exchange whose onRequest ran (and so entered the in-flight gauge).
    struct Counted
    {
    };

    const MetricsConfig config_;
    HttpMetrics http_;
    const StateSlot<Counted> counted_;
};

} // namespace portico::metrics
