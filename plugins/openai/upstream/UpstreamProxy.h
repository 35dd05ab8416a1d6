#pragma once
/// Sends a client's OpenAI request to a configured upstream and relays the answer: buffered
/// answers passed through as the upstream gave them (its 4xx/5xx too), streams relayed event by
/// event. One keep-alive ConnectionPool per upstream.
///
/// Failures: connect failures are retried (jittered backoff) for every call, since nothing
/// reached the upstream; a 502/503 answer is retried for non-streaming calls only; a pooled
/// connection the upstream had closed is retried once on a new one, transparently. What still
/// fails becomes 502 (unreachable, broken) or 504 (timeout) in OpenAI's error shape.
///
/// Sets on the exchange: usage.input_tokens / usage.output_tokens (from the answer's usage or a
/// stream's final event), upstream_ms; reads traceparent_out. Records the histogram
/// portico_upstream_request_duration_seconds{upstream,status}: status is the upstream's HTTP
/// status, or connect_error / timeout / error when there was none.
///
/// Thread-safe: one proxy serves all requests of a chain.

#include "ConnectionPool.h"
#include "UpstreamConfig.h"
#include "UpstreamFailure.h"
#include "WireExchange.h"
#include "portico/Exchange.h"
#include "Poco/Logger.h"
#include "Poco/Net/HTTPRequest.h"
#include "Poco/Net/HTTPResponse.h"
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace prometheus {
class Registry;
class Histogram;
template <typename T>
class Family;
} // namespace prometheus

namespace portico::openai {

class UpstreamProxy
{
public:
    UpstreamProxy(std::vector<UpstreamConfig> upstreams, Poco::Logger& logger, prometheus::Registry& metrics);
    ~UpstreamProxy();
    UpstreamProxy(const UpstreamProxy&) = delete;
    UpstreamProxy& operator=(const UpstreamProxy&) = delete;

    const std::vector<UpstreamConfig>& upstreams() const { return upstreams_; }

    /// The upstream that serves `model`: the one listing it by name, else the one with "*";
    /// nullptr when the model stays local.
    const UpstreamConfig* upstreamFor(const std::string& model) const;

    /// Forwards `exchange`'s body as `method` `apiPath` (the path below the API root, e.g.
    /// "/chat/completions"; see upstreamTarget) and answers the exchange: passed through, relayed
    /// (`stream`: the client asked for stream: true) or a 502/504 error.
    void forward(Exchange& exchange, const UpstreamConfig& upstream, const std::string& method,
                 const std::string& apiPath, bool stream);

    /// The ids of the upstream's GET /models. On failure, logs a warning and returns the model
    /// names configured for it (so /v1/models still lists them).
    std::vector<std::string> listModels(const UpstreamConfig& upstream);

    /// The connection pool of an upstream (statistics and tests).
    ConnectionPool& pool(const UpstreamConfig& upstream);

private:
    using Clock = std::chrono::steady_clock;

    /// A request on the wire whose answer's head has arrived.
    struct Opened
    {
        ConnectionPool::Lease lease;
        Poco::Net::HTTPResponse response;
        std::istream* body = nullptr;
    };

    std::size_t indexOf(const UpstreamConfig& upstream) const;
    // The retry policy's three steps, shared by open() (Poco's session: streams, GET) and
    // call() (WireExchange: buffered answers); `attempt` counts every retry of one request.
    /// A connection from the pool (or a new one when `fresh`), connect failures retried with
    /// backoff; false (and `failure`) when they are not retryable or the retries are spent.
    bool acquire(std::size_t index, bool fresh, int& attempt, ConnectionPool::Lease& lease, UpstreamFailure& failure);
    /// True (once per request) when `error` on a reused connection means the upstream had
    /// closed it while idle and nothing came back: the request may go again on a new one.
    bool retryOnStale(const UpstreamConfig& upstream, bool reused, bool nothingCameBack, const std::exception& error,
                      bool& staleRetried);
    /// Sleeps the backoff before retry `attempt` + 1 and counts it; logs `why` followed by
    /// "<attempt> of <retries> in <ms> ms.".
    void backOff(const UpstreamConfig& upstream, int& attempt, const std::string& why);
    /// Sends the request with the retry policy. False (and `failure`) when no answer came.
    bool open(std::size_t index, Poco::Net::HTTPRequest& request, const std::string& body, bool retryBusy,
              Opened& opened, UpstreamFailure& failure);
    /// Reads a whole answer body; false (and `failure`) when reading failed.
    bool readAll(std::size_t index, Opened& opened, std::string& content, UpstreamFailure& failure);
    /// open() + readAll() for a buffered answer, on the pooled connection's socket directly
    /// (WireExchange): the same retry policy, the connection given back after the answer.
    bool call(std::size_t index, const std::string& head, const std::string& body, WireAnswer& answer,
              UpstreamFailure& failure);
    /// forward() for a non-streaming request.
    void forwardBuffered(Exchange& exchange, std::size_t index, const std::string& method, const std::string& apiPath);
    void finish(Exchange& exchange, std::size_t index, const std::string& label, Clock::time_point started);
    void fail(Exchange& exchange, std::size_t index, const UpstreamFailure& failure, Clock::time_point started);
    void observe(std::size_t index, const std::string& status, double seconds);
    void reap();

    std::vector<UpstreamConfig> upstreams_;
    /// Each upstream's Host header, written once.
    std::vector<std::string> hostHeaders_;
    std::vector<std::unique_ptr<ConnectionPool>> pools_;
    Poco::Logger& logger_;
    prometheus::Family<prometheus::Histogram>& duration_;
    /// The histogram of each (upstream index, status label) seen: Family::Add builds a label map
    /// and searches the family, several µs per request. Status labels are few (HTTP codes and
    /// three failure words), so this stays small.
    std::mutex durationMutex_;
    std::map<std::pair<std::size_t, std::string>, prometheus::Histogram*> durationSeries_;

    std::mutex reaperMutex_;
    std::condition_variable reaperWake_;
    bool stopping_ = false;
    std::thread reaper_;
};

} // namespace portico::openai
