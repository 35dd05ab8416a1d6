#include "OtelMetrics.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace portico::otel {

namespace {

prometheus::Family<prometheus::Counter>& dropped(prometheus::Registry& registry)
{
    return prometheus::BuildCounter()
        .Name("portico_otel_spans_dropped_total")
        .Help("Spans not exported, by reason (queue_full, export_failed, shutdown)")
        .Register(registry);
}

prometheus::Family<prometheus::Counter>& exports(prometheus::Registry& registry)
{
    return prometheus::BuildCounter()
        .Name("portico_otel_exports_total")
        .Help("OTLP export requests to the collector, by result (ok, failed)")
        .Register(registry);
}

} // namespace

OtelMetrics::OtelMetrics(prometheus::Registry& registry)
    : exported(prometheus::BuildCounter()
                   .Name("portico_otel_spans_exported_total")
                   .Help("Spans the OTLP collector accepted")
                   .Register(registry)
                   .Add({})),
      droppedQueueFull(dropped(registry).Add({{"reason", "queue_full"}})),
      droppedExportFailed(dropped(registry).Add({{"reason", "export_failed"}})),
      droppedShutdown(dropped(registry).Add({{"reason", "shutdown"}})),
      exportsOk(exports(registry).Add({{"result", "ok"}})),
      exportsFailed(exports(registry).Add({{"result", "failed"}})),
      queued(prometheus::BuildGauge()
                 .Name("portico_otel_queue_spans")
                 .Help("Spans waiting to be exported")
                 .Register(registry)
                 .Add({}))
{
}

} // namespace portico::otel
