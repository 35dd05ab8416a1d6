#include "http/ServerMetrics.h"
#include "Poco/Logger.h"
#include <prometheus/counter.h>
#include <prometheus/registry.h>

namespace portico {

ServerMetrics::ServerMetrics(prometheus::Registry& registry, std::function<int()> refusedSource,
                             std::chrono::milliseconds period)
    : refused_(prometheus::BuildCounter()
                   .Name("portico_http_connections_refused_total")
                   .Help("Connections refused because the server's queue (server.queue) was full.")
                   .Register(registry)
                   .Add({})),
      refusedSource_(std::move(refusedSource)), period_(period)
{
    // Poco's count starts at zero with its server (lastRefused_ = 0 matches it); the counter
    // is process-wide, so only growth is ever added to it.
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
    const int now = refusedSource_();
    int grown = 0;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        grown = now - lastRefused_;
        if (grown > 0)
            lastRefused_ = now;
    }
    if (grown <= 0)
        return;
    refused_.Increment(grown);
    Poco::Logger::get("portico.core")
        .warning(std::to_string(grown) + " connection(s) refused: the server's queue is full (raise server.threads "
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
