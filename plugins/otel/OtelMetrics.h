#pragma once
/// The otel plugin's Prometheus metrics, in the process-wide registry (so /metrics shows them
/// and they keep counting across reloads):
///
///   portico_otel_spans_exported_total          spans the collector accepted (a 2xx answer)
///   portico_otel_spans_dropped_total{reason}   spans lost: queue_full (the queue was at
///       max_queue_size when the request ended), export_failed (the collector refused the
///       connection, timed out or answered other than 2xx: the batch is dropped, not retried),
///       shutdown (still queued when the plugin stopped and the flush ran out of time)
///   portico_otel_exports_total{result}         POSTs to the collector: ok | failed
///   portico_otel_queue_spans                   spans waiting for the exporter

namespace prometheus {
class Counter;
class Gauge;
class Registry;
} // namespace prometheus

namespace portico::otel {

struct OtelMetrics
{
    explicit OtelMetrics(prometheus::Registry& registry);

    prometheus::Counter& exported;
    prometheus::Counter& droppedQueueFull;
    prometheus::Counter& droppedExportFailed;
    prometheus::Counter& droppedShutdown;
    prometheus::Counter& exportsOk;
    prometheus::Counter& exportsFailed;
    prometheus::Gauge& queued;
};

} // namespace portico::otel
