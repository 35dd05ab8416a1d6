#include "RoutingMetrics.h"

namespace portico::openai {

RoutingMetrics::RoutingMetrics(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("portico_deployment_requests_total")
                    .Help("Attempts the model catalog sent to a deployment.")
                    .Register(registry)),
      failures_(prometheus::BuildCounter()
                    .Name("portico_deployment_failures_total")
                    .Help("Attempts a deployment failed: refused, timed out, a fallback_on status, or broken "
                          "before anything reached the client.")
                    .Register(registry)),
      firstByte_(prometheus::BuildHistogram()
                     .Name("portico_deployment_first_byte_seconds")
                     .Help("Time from the start of an attempt to its answer (a buffered answer's head, a "
                           "stream's first event).")
                     .Register(registry)),
      state_(prometheus::BuildGauge()
                 .Name("portico_deployment_state")
                 .Help("0 healthy, 1 cooling down, 2 half-open (probing), as of the deployment's last request.")
                 .Register(registry)),
      failovers_(prometheus::BuildCounter()
                     .Name("portico_model_failovers_total")
                     .Help("Attempts of a catalog model's requests that failed and moved on to another "
                           "deployment or fallback.")
                     .Register(registry))
{
}

RoutingMetrics::Deployment RoutingMetrics::deployment(const std::string& name)
{
    static const prometheus::Histogram::BucketBoundaries buckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                                 1,     2.5,  5,     10,   30,  60};
    Deployment series;
    series.requests = &requests_.Add({{"deployment", name}});
    series.failures = &failures_.Add({{"deployment", name}});
    series.firstByte = &firstByte_.Add({{"deployment", name}}, buckets);
    series.state = &state_.Add({{"deployment", name}});
    return series;
}

prometheus::Counter& RoutingMetrics::failovers(const std::string& model)
{
    return failovers_.Add({{"model", model}});
}

} // namespace portico::openai
