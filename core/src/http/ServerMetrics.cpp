#include "http/ServerMetrics.h"
#include "Poco/Logger.h"
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace portico {

namespace {

prometheus::Counter& counter(prometheus::Registry& registry, const char* name, const char* help,
                             const std::map<std::string, std::string>& labels = {})
{
    return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add(labels);
}

prometheus::Gauge& gauge(prometheus::Registry& registry, const char* name, const char* help)
{
    return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
}

const char* const TimeoutsHelp = "Connections ended by a deadline: head and body (answered 408), send (the "
                                 "client took no bytes for server.send_timeout_seconds).";

} // namespace

std::uint64_t ServerMetrics::Growth::follow(std::uint64_t now)
{
    if (now <= last)
    {
        last = now;
        return 0;
    }
    const std::uint64_t grown = now - last;
    last = now;
    counter.Increment(static_cast<double>(grown));
    return grown;
}

ServerMetrics::ServerMetrics(prometheus::Registry& registry, std::function<ServerSnapshot()> source,
                             std::chrono::milliseconds period)
    : source_(std::move(source)),
      period_(period),
      refused_{counter(registry, "portico_http_connections_refused_total",
                       "Connections refused (503, then closed) because server.max_connections were open.")},
      headTimeouts_{counter(registry, "portico_http_timeouts_total", TimeoutsHelp, {{"phase", "head"}})},
      bodyTimeouts_{counter(registry, "portico_http_timeouts_total", TimeoutsHelp, {{"phase", "body"}})},
      sendTimeouts_{counter(registry, "portico_http_timeouts_total", TimeoutsHelp, {{"phase", "send"}})},
      streamsCut_{counter(registry, "portico_http_streams_cut_total",
                          "Streams cut because their producer kept writing to a client that read nothing.")},
      fieldsDropped_{counter(registry, "portico_http_response_fields_dropped_total",
                             "Response header fields, statuses or content types a plugin set that could not "
                             "be sent as they were (control bytes, a name that is not a token).")},
      queueRefused_{counter(registry, "portico_worker_queue_refused_total",
                            "Requests answered 503 because every worker was busy and the queue (server.queue) "
                            "was full.")},
      logDropped_{counter(registry, "portico_log_lines_dropped_total",
                          "Server log lines dropped because their queue was full (stderr was not being read).")},
      connections_(gauge(registry, "portico_http_connections", "Open client connections.")),
      streams_(gauge(registry, "portico_http_streams",
                     "Answers being streamed to clients now (head sent, end not yet sent).")),
      workers_(gauge(registry, "portico_workers", "Worker threads running (server.threads at most).")),
      workersBusy_(gauge(registry, "portico_workers_busy", "Worker threads running plugin code.")),
      workerQueue_(gauge(registry, "portico_worker_queue", "Requests waiting for a worker."))
{
    thread_ = std::thread([this] { run(); });
}

ServerMetrics::~ServerMetrics()
{
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
    update();
}

void ServerMetrics::update()
{
    const ServerSnapshot now = source_();
    std::uint64_t refusedRequests = 0;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        refused_.follow(now.refusedConnections);
        headTimeouts_.follow(now.headTimeouts);
        bodyTimeouts_.follow(now.bodyTimeouts);
        sendTimeouts_.follow(now.sendTimeouts);
        streamsCut_.follow(now.streamsCut);
        fieldsDropped_.follow(now.responseFieldsDropped);
        refusedRequests = queueRefused_.follow(now.workerQueueRefused);
        logDropped_.follow(now.logLinesDropped);
        connections_.Set(static_cast<double>(now.connections));
        streams_.Set(static_cast<double>(now.streams));
        workers_.Set(static_cast<double>(now.workers));
        workersBusy_.Set(static_cast<double>(now.workersBusy));
        workerQueue_.Set(static_cast<double>(now.workerQueue));
    }
    if (refusedRequests > 0)
        Poco::Logger::get("portico.core")
            .warning(std::to_string(refusedRequests) +
                     " request(s) answered 503: every worker was busy and the queue was full (raise server.threads "
                     "or server.queue, or add capacity)");
}

void ServerMetrics::run()
{
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_)
    {
        wake_.wait_for(lock, period_, [this] { return stopping_; });
        if (stopping_)
            break;
        lock.unlock();
        update();
        lock.lock();
    }
}

} // namespace portico
