#include "MetricsPlugin.h"
#include "Exposition.h"
#include "ProcessMetrics.h"
#include "portico/Version.h"
#include <chrono>
#include <memory>

namespace portico::metrics {

MetricsPlugin::MetricsPlugin(PluginContext& context)
    : config_(MetricsConfig::from(context.config())),
      http_(context.metrics(), config_.durationBuckets, PORTICO_VERSION),
      counted_(context.stateSlot<Counted>())
{
    prometheus::Registry* registry = &context.metrics(); // lives as long as the process
    // The process family is read from /proc by the scrape itself (a few small procfs reads,
    // no blocking I/O): it may run on the event loop like the rest of the exposition.
    auto process = std::make_shared<const ProcessMetrics>();
    context.addRoute({"GET", config_.path,
                      [registry, process](Exchange& exchange) {
                          exchange.respond(200, renderExposition(*registry, {process.get()}), ExpositionContentType);
                      },
                      Blocking::Never});
}

void MetricsPlugin::onRequest(Exchange& exchange)
{
    exchange.emplaceState(counted_);
    http_.started();
}

void MetricsPlugin::onComplete(Exchange& exchange, Outcome)
{
    const double seconds =
        std::chrono::duration<double>(Exchange::Clock::now() - exchange.startedAt()).count();
    static const std::string unmatched = "unmatched";
    // A request the core answered without running the chain (400, 408, 431, 503 server_busy)
    // is counted, but it never entered the in-flight gauge.
    http_.finished(exchange.route().empty() ? unmatched : exchange.route(), exchange.method(),
                   exchange.response().status, seconds, exchange.state(counted_) != nullptr);
}

} // namespace portico::metrics
