#include "VirtualKeyMetrics.h"
#include <chrono>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace portico::auth {

namespace {

const char* const ReasonNames[] = {"revoked", "expired", "model", "budget", "tpm", "rpm", "in_flight"};

std::int64_t steadySeconds()
{
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

} // namespace

VirtualKeyMetrics::VirtualKeyMetrics(prometheus::Registry& registry, Poco::Logger& logger) : logger_(logger)
{
    auto& refusals = prometheus::BuildCounter()
                         .Name("portico_virtual_key_refusals_total")
                         .Help("Requests of virtual keys refused, by the rule that refused them.")
                         .Register(registry);
    for (std::size_t i = 0; i < refusals_.size(); ++i)
        refusals_[i] = &refusals.Add({{"reason", ReasonNames[i]}});
    ledgerFailures_ = &prometheus::BuildCounter()
                           .Name("portico_virtual_key_ledger_failures_total")
                           .Help("Requests whose spend could not be written to the ledger (logged).")
                           .Register(registry)
                           .Add({});
    keys_ = &prometheus::BuildGauge()
                 .Name("portico_virtual_keys")
                 .Help("Virtual keys loaded from the key store (revoked ones included).")
                 .Register(registry)
                 .Add({});
}

void VirtualKeyMetrics::refused(Refusal reason)
{
    const auto index = static_cast<std::size_t>(reason);
    refusals_[index]->Increment();
    const std::uint64_t pending = unlogged_[index].fetch_add(1, std::memory_order_relaxed) + 1;
    const std::int64_t now = steadySeconds();
    std::int64_t last = loggedAt_[index].load(std::memory_order_relaxed);
    if (now - last < 60 || !loggedAt_[index].compare_exchange_strong(last, now))
        return;
    unlogged_[index].fetch_sub(pending, std::memory_order_relaxed);
    logger_.notice("virtual keys: " + std::to_string(pending) + " request(s) refused by " + ReasonNames[index] +
                   " since the last such line (portico_virtual_key_refusals_total)");
}

void VirtualKeyMetrics::ledgerFailed()
{
    ledgerFailures_->Increment();
}

void VirtualKeyMetrics::keysLoaded(std::size_t count)
{
    keys_->Set(static_cast<double>(count));
}

} // namespace portico::auth
