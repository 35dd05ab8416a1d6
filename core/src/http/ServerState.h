#pragma once
// What the request handlers share with the application: the current chain (swapped on reload),
// the in-flight count (for drain), the streams being sent (for portico_http_streams), the
// draining flag and the body limit.

#include "http/Chain.h"
#include <atomic>
#include <memory>

namespace portico {

class ServerState
{
public:
    std::shared_ptr<const Chain> chain() const { return std::atomic_load(&chain_); }
    void setChain(std::shared_ptr<const Chain> chain) { std::atomic_store(&chain_, std::move(chain)); }

    long long maxBodyBytes() const { return maxBodyBytes_.load(std::memory_order_relaxed); }
    void setMaxBodyBytes(long long bytes) { maxBodyBytes_.store(bytes, std::memory_order_relaxed); }

    bool draining() const { return draining_.load(); }
    void setDraining() { draining_.store(true); }

    int inFlight() const { return inFlight_.load(); }

    /// Counts one request in flight for its lifetime.
    class InFlight
    {
    public:
        explicit InFlight(ServerState& state) : state_(state) { state_.inFlight_.fetch_add(1); }
        ~InFlight() { state_.inFlight_.fetch_sub(1); }
        InFlight(const InFlight&) = delete;
        InFlight& operator=(const InFlight&) = delete;

    private:
        ServerState& state_;
    };

    int streams() const { return streams_.load(); }

    /// Counts one streamed answer from its head going out to its end (completed, cut, or the
    /// client gone), for portico_http_streams.
    class Streaming
    {
    public:
        explicit Streaming(ServerState& state) : state_(state) { state_.streams_.fetch_add(1); }
        ~Streaming() { state_.streams_.fetch_sub(1); }
        Streaming(const Streaming&) = delete;
        Streaming& operator=(const Streaming&) = delete;

    private:
        ServerState& state_;
    };

private:
    std::shared_ptr<const Chain> chain_;
    std::atomic<long long> maxBodyBytes_{1048576};
    std::atomic<bool> draining_{false};
    std::atomic<int> inFlight_{0};
    std::atomic<int> streams_{0};
};

} // namespace portico
