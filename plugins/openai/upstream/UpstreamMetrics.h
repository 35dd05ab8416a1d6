#pragma once
/// portico_upstream_request_duration_seconds{upstream,status}: the time from the start of a call
/// (so resolving the name, connecting, the TLS handshake and any retries with their backoff
/// are included) to the end of its answer (or stream), or to its failure. `status` is the
/// upstream's HTTP status, or connect_error / timeout / error when there was none or the answer
/// failed after it.
///
/// Thread-safe: calls on every event loop record into it.

#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace prometheus {
class Registry;
class Histogram;
template <typename T>
class Family;
} // namespace prometheus

namespace portico::openai {

class UpstreamMetrics
{
public:
    explicit UpstreamMetrics(prometheus::Registry& registry);

    void observe(const std::string& upstream, const std::string& status, double seconds);

private:
    prometheus::Family<prometheus::Histogram>& duration_;
    /// The histogram of each (upstream, status label) seen: Family::Add builds a label map and
    /// searches the family, several µs per request. Status labels are few (HTTP codes and three
    /// failure words), so this stays small.
    std::mutex mutex_;
    std::map<std::pair<std::string, std::string>, prometheus::Histogram*> series_;
};

} // namespace portico::openai
