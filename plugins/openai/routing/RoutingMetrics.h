#pragma once
/// The model catalog's series in /metrics; every label comes from the configuration (deployment
/// and model names), never from a request.
///
///   portico_deployment_requests_total{deployment}      attempts sent to the deployment
///   portico_deployment_failures_total{deployment}      attempts it failed (refused, timed out,
///                                                      a fallback_on status, broken before the answer)
///   portico_deployment_first_byte_seconds{deployment}  time from an attempt's start to its answer
///                                                      (the head of a buffered answer, a stream's first event)
///   portico_deployment_state{deployment}               0 healthy, 1 cooling down, 2 half-open, as of its
///                                                      last request (GET /routing has the live state)
///   portico_model_failovers_total{model}               attempts of the model's requests that moved on
///                                                      to another deployment

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <string>

namespace portico::openai {

class RoutingMetrics
{
public:
    explicit RoutingMetrics(prometheus::Registry& registry);

    /// One deployment's series.
    struct Deployment
    {
        prometheus::Counter* requests = nullptr;
        prometheus::Counter* failures = nullptr;
        prometheus::Histogram* firstByte = nullptr;
        prometheus::Gauge* state = nullptr;
    };
    Deployment deployment(const std::string& name);
    prometheus::Counter& failovers(const std::string& model);

private:
    prometheus::Family<prometheus::Counter>& requests_;
    prometheus::Family<prometheus::Counter>& failures_;
    prometheus::Family<prometheus::Histogram>& firstByte_;
    prometheus::Family<prometheus::Gauge>& state_;
    prometheus::Family<prometheus::Counter>& failovers_;
};

} // namespace portico::openai
