#pragma once
/// idempotency: Idempotency-Key replays for the configured routes (see README.md).
///
/// Request hook: validates the key (400), finds the request's identity (principal, route, key)
/// in the store and either reserves it (the handler runs), replays the stored answer
/// (`Idempotent-Replayed: true`), or refuses: 422 idempotency_key_reused when the body differs
/// from the first request's, 409 idempotency_key_in_use (Retry-After: 1) while the first one runs.
/// Response-head hook: echoes Idempotency-Key; starts recording a streamed handler answer.
/// Body hook: records stream chunks up to max_stream_bytes.
/// Completion hook: stores the handler's answer, or releases the reservation so that a retry runs.
///
/// Per-request state lives in the Exchange's typed slot (a recorded stream grows chunk by
/// chunk there, with no lock); the "idempotency" attribute tells other plugins and the access
/// log what happened to the request.

#include "IdempotencyConfig.h"
#include "IdempotencyMetrics.h"
#include "IdempotencyStore.h"
#include "portico/Plugin.h"
#include "portico/PluginContext.h"
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace portico::idempotency {

/// The attribute this plugin sets on tracked requests: miss, replayed, conflict, in_flight,
/// invalid_key, missing_key.
inline const AttributeKey VerdictAttribute{"idempotency"};

class IdempotencyPlugin : public Plugin
{
public:
    explicit IdempotencyPlugin(PluginContext& context);
    ~IdempotencyPlugin() override;

    void onRequest(Exchange& exchange) override;
    void onResponseHead(Exchange& exchange) override;
    void onResponseBody(Exchange& exchange, std::string_view chunk) override;
    void onComplete(Exchange& exchange, Outcome outcome) override;
    void describeApi(ApiDescription& api) const override;
    /// Starts the background purge of expired entries; stop() ends it.
    void start() override;
    void stop() override;
    /// The store's: the redis store is not ready while Redis cannot be reached.
    std::string notReadyReason() const override { return store_->notReadyReason(); }
    /// The memory store answers in memory; SQLite and Redis wait on I/O.
    Blocking blocking() const override;

    const IdempotencyConfig& config() const { return config_; }
    IdempotencyStore& store() { return *store_; }

private:
    enum class Verdict
    {
        Miss,
        Replayed,
        Conflict,
        InFlight
    };

    struct RequestState
    {
        /// The store gave a verdict (false while begin() failed: the request runs untracked).
        bool tracked = false;
        Verdict verdict = Verdict::Miss;
        std::string headerValue; ///< echoed in Idempotency-Key
        std::string storeKey;
        std::string token;       ///< the reservation, while this request holds one
        bool recording = false;  ///< a streamed handler answer is being recorded
        bool overflow = false;   ///< the stream passed max_stream_bytes
        std::string recorded;
    };

    /// Answers 400 when the header is malformed or repeated; returns the key otherwise (or
    /// nothing when there is none, which is a 400 only with require_key).
    std::optional<std::string> readKey(Exchange& exchange, std::string& headerValue);
    /// Stores the answer or releases the reservation.
    void settle(Exchange& exchange, Outcome outcome, RequestState& state);
    void purgeLoop();
    /// begin() could not reach Redis: idempotency.redis_failure says whether the request runs
    /// untracked or gets a 503.
    void storeUnavailable(Exchange& exchange, const RedisUnavailable& error);

    const IdempotencyConfig config_;
    Poco::Logger& logger_;
    IdempotencyMetrics metrics_;
    std::shared_ptr<IdempotencyStore> store_;
    /// store = redis only: counts and logs Redis failures.
    std::unique_ptr<RedisFailureReporter> redisFailures_;

    const StateSlot<RequestState> state_;

    std::mutex purgeMutex_;
    std::condition_variable purgeWake_;
    bool stopping_ = false;
    std::thread purger_;
};

} // namespace portico::idempotency
