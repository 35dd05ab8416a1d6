#pragma once
/// The batch span processor: the request hooks submit() finished spans (never waiting, never
/// doing I/O), and one thread of the plugin takes them from the bounded queue in batches of
/// max_export_batch_size, at the latest every schedule_delay_ms, encodes them and POSTs them
/// to the collector (OtlpSender).
///
/// Nothing is retried: a batch the collector does not take (refused, timed out, not 2xx) is
/// dropped and counted, and the next batch simply goes when it is due, so export resumes by
/// itself once the collector is back. Failures are logged at most once every 10 s, with the
/// number of failures in between. stop() flushes what is queued, waiting at most
/// export_timeout_ms + 1 s; a thread still stuck after that (a collector that does not answer)
/// is left to finish on its own: it holds its own references to everything it uses.

#include "OtelConfig.h"
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace Poco {
class Logger;
}

namespace portico::otel {

struct OtelMetrics;

class SpanExporter
{
public:
    SpanExporter(std::shared_ptr<const OtelConfig> config, OtelMetrics& metrics, Poco::Logger& logger);
    ~SpanExporter();
    SpanExporter(const SpanExporter&) = delete;
    SpanExporter& operator=(const SpanExporter&) = delete;

    /// Queues the `count` spans of one request (framed by SpanEncoder::finishInto), or drops
    /// (and counts) them all when the queue is full.
    void submit(std::string_view framed, std::size_t count);

    /// Starts the thread (once).
    void start();
    /// Flushes and stops the thread, waiting a bounded time (see above). Idempotent.
    void stop();

private:
    struct Shared;
    static void run(std::shared_ptr<Shared> shared);

    std::shared_ptr<Shared> shared_;
    std::thread thread_;
};

} // namespace portico::otel
