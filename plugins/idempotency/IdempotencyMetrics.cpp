#include "IdempotencyMetrics.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"

namespace portico::idempotency {

namespace {

prometheus::Counter& counter(prometheus::Registry& registry, const std::string& name, const std::string& help)
{
    return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add({});
}

prometheus::Family<prometheus::Counter>& notStored(prometheus::Registry& registry)
{
    return prometheus::BuildCounter()
        .Name("portico_idempotency_not_stored_total")
        .Help("Requests that held an idempotency key but whose answer was not stored, by reason")
        .Register(registry);
}

} // namespace

IdempotencyMetrics::IdempotencyMetrics(prometheus::Registry& registry)
    : hits(counter(registry, "portico_idempotency_hits_total", "Idempotent replays served from the store")),
      misses(counter(registry, "portico_idempotency_misses_total",
                     "Requests with an idempotency key that was free: the handler ran")),
      conflicts(counter(registry, "portico_idempotency_conflicts_total",
                        "Idempotency keys reused with another request body (422)")),
      inFlightRejections(counter(registry, "portico_idempotency_in_flight_rejections_total",
                                 "Requests refused because their idempotency key was still in flight (409)")),
      invalidKeys(counter(registry, "portico_idempotency_invalid_keys_total",
                          "Requests refused for a malformed or missing Idempotency-Key (400)")),
      notStoredNotHandler(notStored(registry).Add({{"reason", "not_handler"}})),
      notStoredFailed(notStored(registry).Add({{"reason", "failed"}})),
      notStoredStreamTooLarge(notStored(registry).Add({{"reason", "stream_too_large"}})),
      notStoredTooLarge(notStored(registry).Add({{"reason", "too_large"}})),
      notStoredLost(notStored(registry).Add({{"reason", "lost"}})),
      storeErrors(counter(registry, "portico_idempotency_store_errors_total",
                          "Idempotency store operations that failed"))
{
}

} // namespace portico::idempotency
