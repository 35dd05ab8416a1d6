#pragma once
// The access log: one JSON line per request, written when the request is over.
//
//   {"time":"2026-01-02T03:04:05.678Z","trace_id":"…","principal":"alice","method":"POST",
//    "path":"/v1/chat/completions","status":200,"bytes_out":512,"duration_ms":12.345,
//    "upstream_ms":10.2,"model":"gpt-4o","client":"127.0.0.1:51234","outcome":"completed"}
//
// Absent facts are null (no tracing plugin: trace_id; no auth or exempt path: principal; not
// proxied: upstream_ms). The path never carries the query.
//
// A request never waits for its line to be written. record() formats the line on the calling
// thread and puts it on a bounded queue; a writer thread of its own runs the log pipeline's
// filters over it (the redaction plugin's: so redaction costs the request path nothing) and
// writes it to the [log] destination: stderr (whole lines, in batches, never cut by the server
// log's lines), a file rotated by Poco::FileChannel, or nowhere (log.access = off). When the
// destination cannot keep up (a stderr pipe nobody reads, a slow disk) the queue fills and
// further lines are dropped, not waited for: portico_access_log_dropped_total{reason=
// "queue_full"} counts them, and the writer says so in the server log at most once a minute
// (when it next gets a batch out). Lines the destination refuses (a full disk) count as
// reason="write_failed". A line a log filter throws on is written as LogPipeline::FilterFailed
// (not JSON), never as it was.
//
// The queue holds AccessLogOptions::queueBytes of lines (8 MiB: some 28,000 lines of the usual
// ~300 bytes, about a second of a very busy server); the writer holds at most one more batch.
// server.log_level does not silence the access log: log.access does.

#include "config/ServerSettings.h"
#include "log/LineQueue.h"
#include "portico/Exchange.h"
#include "portico/Plugin.h"
#include "Poco/Timestamp.h"
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <unistd.h>

namespace prometheus {
class Counter;
class Registry;
template <typename T>
class Family;
} // namespace prometheus

namespace portico {

class AccessLogDestination;
class LogPipeline;

struct AccessLogOptions
{
    /// Bytes of lines (with their newlines) waiting for the writer before record() drops.
    std::size_t queueBytes = 8 * 1024 * 1024;
    /// The descriptor log.access = stderr writes to (tests: a pipe).
    int streamFd = STDERR_FILENO;
};

class AccessLog
{
public:
    /// Starts the writer thread, writing to stderr (options.streamFd) until configure() says
    /// otherwise. `metrics` gets portico_access_log_dropped_total; `pipeline` must outlive this.
    AccessLog(prometheus::Registry& metrics, const LogPipeline& pipeline, AccessLogOptions options = {});
    /// Writes what is queued, then joins the writer. Waits as long as the destination does.
    ~AccessLog();
    AccessLog(const AccessLog&) = delete;
    AccessLog& operator=(const AccessLog&) = delete;

    /// Applies the [log] settings. The new destination is opened before it replaces the old
    /// one: when it cannot be opened this throws ConfigError naming log.access_file and the
    /// previous destination stays in use. Lines already queued go to the new destination.
    void configure(const AccessLogSettings& settings);

    /// What configure() would refuse, checked without creating or opening anything (for
    /// --check-config, which may run as another user than the service). Throws ConfigError.
    static void check(const AccessLogSettings& settings);

    /// Queues the line for a finished exchange (nothing when log.access = off). Never waits
    /// for the writer: when the queue is full the line is dropped and counted.
    void record(const Exchange& exchange, Outcome outcome);

    /// The JSON line (no newline) for `exchange`, stamped `now`.
    static std::string format(const Exchange& exchange, Outcome outcome, const Poco::Timestamp& now);

    /// Lines lost so far: dropped because the queue was full, or refused by the destination.
    std::uint64_t dropped() const { return droppedFull_.load() + droppedFailed_.load(); }
    /// Lines waiting for the writer.
    std::size_t queued() const { return queue_.size(); }

private:
    void run();
    /// Writes one batch taken from the queue.
    void write(std::vector<std::string>& batch);
    /// The server-log warning about lost lines, at most once a minute.
    void reportLosses();

    const LogPipeline& pipeline_;
    const int streamFd_;
    LineQueue queue_;
    /// Read by the writer, replaced by configure(): std::atomic_load / std::atomic_store only.
    std::shared_ptr<AccessLogDestination> destination_;
    std::atomic<bool> enabled_{true};

    prometheus::Family<prometheus::Counter>& droppedFamily_;
    prometheus::Counter& queueFullCounter_;
    prometheus::Counter& writeFailedCounter_;
    std::atomic<std::uint64_t> droppedFull_{0};
    std::atomic<std::uint64_t> droppedFailed_{0};

    // The writer thread's own bookkeeping for reportLosses().
    std::uint64_t reportedFull_ = 0;
    std::uint64_t reportedFailed_ = 0;
    std::string lastWriteError_;
    std::chrono::steady_clock::time_point lastReport_;

    std::thread writer_; // started in the constructor's body, once every member above is ready
};

} // namespace portico
