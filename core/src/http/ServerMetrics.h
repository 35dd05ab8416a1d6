#pragma once
// Server-level metrics the plugins cannot see, in the process-wide registry, copied from the
// server's own counters by a small thread every `period` (and once more on destruction):
//
//   portico_http_connections                 gauge    open client connections
//   portico_http_streams                     gauge    answers being streamed to clients (head
//                                                     sent, end not yet)
//   portico_http_connections_refused_total   counter  connections refused at server.max_connections
//   portico_http_timeouts_total{phase}       counter  head (408), body (408), send (client stalled)
//   portico_http_streams_cut_total           counter  streams cut because their producer ignored
//                                                     the client's backpressure
//   portico_http_response_fields_dropped_total counter response header fields (or a status, a
//                                                     content type) a plugin set that could not
//                                                     be sent as they were (CR, LF, NUL, ...)
//   portico_workers                          gauge    worker threads running
//   portico_workers_busy                     gauge    worker threads in plugin code
//   portico_worker_queue                     gauge    requests waiting for a worker
//   portico_worker_queue_refused_total       counter  requests answered 503 with the queue full
//   portico_log_lines_dropped_total          counter  server log lines dropped (stderr not read)
//
// A refused request (full worker queue) is also logged as a warning when the count grows, so
// that a limit that is reached is visible in the log and the metrics, never a silent drop.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace prometheus {
class Counter;
class Gauge;
class Registry;
} // namespace prometheus

namespace portico {

/// The server's running counts, as ServerMetrics reads them.
struct ServerSnapshot
{
    std::uint64_t connections = 0;
    std::uint64_t streams = 0;
    std::uint64_t refusedConnections = 0;
    std::uint64_t headTimeouts = 0;
    std::uint64_t bodyTimeouts = 0;
    std::uint64_t sendTimeouts = 0;
    std::uint64_t streamsCut = 0;
    std::uint64_t responseFieldsDropped = 0;
    std::uint64_t workers = 0;
    std::uint64_t workersBusy = 0;
    std::uint64_t workerQueue = 0;
    std::uint64_t workerQueueRefused = 0;
    std::uint64_t logLinesDropped = 0;
};

class ServerMetrics
{
public:
    ServerMetrics(prometheus::Registry& registry, std::function<ServerSnapshot()> source,
                  std::chrono::milliseconds period = std::chrono::seconds(1));
    /// Takes a last reading, then stops the thread.
    ~ServerMetrics();
    ServerMetrics(const ServerMetrics&) = delete;
    ServerMetrics& operator=(const ServerMetrics&) = delete;

    /// Copies the counts into the metrics now.
    void update();

private:
    void run();

    /// A running count copied into a process-wide counter: only its growth is added, so a new
    /// server (a restart of the listener in tests) keeps adding to the same counter.
    struct Growth
    {
        prometheus::Counter& counter;
        std::uint64_t last = 0;
        /// Adds what `now` grew by; returns it.
        std::uint64_t follow(std::uint64_t now);
    };

    std::function<ServerSnapshot()> source_;
    const std::chrono::milliseconds period_;
    Growth refused_;
    Growth headTimeouts_;
    Growth bodyTimeouts_;
    Growth sendTimeouts_;
    Growth streamsCut_;
    Growth fieldsDropped_;
    Growth queueRefused_;
    Growth logDropped_;
    prometheus::Gauge& connections_;
    prometheus::Gauge& streams_;
    prometheus::Gauge& workers_;
    prometheus::Gauge& workersBusy_;
    prometheus::Gauge& workerQueue_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace portico
