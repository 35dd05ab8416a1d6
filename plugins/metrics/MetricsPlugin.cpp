#include "MetricsPlugin.h"
#include "Exposition.h"
#include "portico/Version.h"
#include <chrono>

namespace portico::metrics {

MetricsPlugin::MetricsPlugin(PluginContext& context)
    : config_(MetricsConfig::from(context.config())),
      http_(context.metrics(), config_.durationBuckets, PORTICO_VERSION)
{
    prometheus::Registry* registry = &context.metrics(); // lives as long as the process
    context.addRoute({"GET", config_.path,
                      [registry](Exchange& exchange) {
                          exchange.respond(200, renderExposition(*registry), ExpositionContentType);
                      },
                      Blocking::Never});
}

void MetricsPlugin::onRequest(Exchange&)
{
    http_.started();
}

void MetricsPlugin::onComplete(Exchange& exchange, Outcome)
{
    const double seconds =
        std::chrono::duration<double>(Exchange::Clock::now() - exchange.startedAt()).count();
    static const std::string unmatched = "unmatched";
    http_.finished(exchange.route().empty() ? unmatched : exchange.route(), exchange.method(),
                   exchange.response().status, seconds);
}

} // namespace portico::metrics
