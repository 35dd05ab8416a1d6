#pragma once
/// The idempotency plugin's Prometheus counters, registered in the process-wide registry (they
/// keep counting across reloads).
///
///   portico_idempotency_hits_total                 replays served from the store
///   portico_idempotency_misses_total               first requests: the key was reserved, the handler ran
///   portico_idempotency_conflicts_total            422 idempotency_key_reused (same key, other body)
///   portico_idempotency_in_flight_rejections_total 409 idempotency_key_in_use
///   portico_idempotency_invalid_keys_total         400: a malformed key, or a missing one with require_key
///   portico_idempotency_not_stored_total{reason}   a reserved request whose answer was not stored:
///       not_handler (a hook or the core answered), failed (error or client gone mid-stream),
///       stream_too_large, too_large (over the store's bound), lost (the reservation expired)
///   portico_idempotency_store_errors_total         the store threw (the request got a 500)

namespace prometheus {
class Counter;
class Registry;
} // namespace prometheus

namespace portico::idempotency {

struct IdempotencyMetrics
{
    explicit IdempotencyMetrics(prometheus::Registry& registry);

    prometheus::Counter& hits;
    prometheus::Counter& misses;
    prometheus::Counter& conflicts;
    prometheus::Counter& inFlightRejections;
    prometheus::Counter& invalidKeys;
    prometheus::Counter& notStoredNotHandler;
    prometheus::Counter& notStoredFailed;
    prometheus::Counter& notStoredStreamTooLarge;
    prometheus::Counter& notStoredTooLarge;
    prometheus::Counter& notStoredLost;
    prometheus::Counter& storeErrors;
};

} // namespace portico::idempotency
