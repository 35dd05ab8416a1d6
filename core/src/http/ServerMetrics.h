#pragma once
// Server-level metrics the plugins cannot see, in the process-wide registry:
//   portico_http_connections_refused_total   connections Poco's TCPServer refused because its
//                                            queue (server.queue) was full
// Poco keeps the count itself; a small thread copies its growth into a prometheus counter
// every `period` (and once more on destruction), and logs a warning when it grew, so that a
// full queue is visible in the metrics and the log, never a silent drop.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace prometheus {
class Counter;
class Registry;
} // namespace prometheus

namespace portico {

class ServerMetrics
{
public:
    /// `refusedSource` returns Poco's running count (TCPServer::refusedConnections()).
    ServerMetrics(prometheus::Registry& registry, std::function<int()> refusedSource,
                  std::chrono::milliseconds period = std::chrono::seconds(1));
    /// Takes a last reading, then stops the thread.
    ~ServerMetrics();
    ServerMetrics(const ServerMetrics&) = delete;
    ServerMetrics& operator=(const ServerMetrics&) = delete;

    /// Copies the growth since the last reading into the counter now.
    void update();

private:
    void run();

    prometheus::Counter& refused_;
    std::function<int()> refusedSource_;
    const std::chrono::milliseconds period_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    int lastRefused_ = 0;
    std::thread thread_;
};

} // namespace portico
