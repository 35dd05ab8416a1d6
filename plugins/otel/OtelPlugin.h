#pragma once
// otel: exports a span per request, and one per upstream attempt, to an OpenTelemetry
// collector over OTLP/HTTP (protobuf or JSON), with the HTTP and GenAI semantic conventions.
//
//  - onRequest joins the trace the tracing plugin set up (attr::TraceId, attr::TraceparentOut:
//    the server span's id is the parent id tracing sends upstream, so X-Trace-Id is the
//    span's trace id), or starts one itself when tracing is off (from an incoming traceparent
//    or new ids, which it then sets). It samples (Sampler) and writes the decision into the
//    outgoing traceparent's sampled flag, so that upstreams follow it. It keeps nothing: that
//    traceparent holds the ids and the decision until the request completes.
//  - onResponseBody notes a stream's first chunk (time to first token) and the answering
//    model and finish reasons (ResponseFacts, made only when there is something to note).
//  - onComplete reads the trace back (traceOf), builds the spans (SpanBuilder: the server span,
//    a client span per line of attr::UpstreamAttempts, which the openai proxy writes) and hands
//    them to the exporter's queue (SpanExporter). Nothing on the request path waits or does I/O.

#include "OtelConfig.h"
#include "OtelMetrics.h"
#include "RequestTrace.h"
#include "SpanExporter.h"
#include "portico/Plugin.h"
#include "portico/PluginContext.h"
#include <memory>
#include <optional>

namespace portico::otel {

class OtelPlugin : public Plugin
{
public:
    explicit OtelPlugin(PluginContext& context);
    /// For tests: the configuration already read (e.g. with a fake environment).
    OtelPlugin(PluginContext& context, OtelConfig config);

    void onRequest(Exchange& exchange) override;
    void onResponseBody(Exchange& exchange, std::string_view chunk) override;
    void onComplete(Exchange& exchange, Outcome outcome) override;
    void start() override;
    void stop() override;
    /// Its hooks only compute and queue: they may run on the event loop.
    Blocking blocking() const override { return Blocking::Never; }

    const OtelConfig& config() const { return *config_; }

private:
    void begin(Exchange& exchange);
    /// The request's trace as onRequest left it in attr::TraceparentOut (its parent from the
    /// incoming traceparent); nullopt when it is not sampled or not traced (an excluded path).
    std::optional<RequestTrace> traceOf(const Exchange& exchange) const;
    /// Whether traceOf would find a trace (sampled, not excluded), without building it.
    bool traced(const Exchange& exchange) const;

    const std::shared_ptr<const OtelConfig> config_;
    OtelMetrics metrics_;
    Poco::Logger& logger_;
    SpanExporter exporter_;
    const StateSlot<ResponseFacts> facts_;
};

} // namespace portico::otel
