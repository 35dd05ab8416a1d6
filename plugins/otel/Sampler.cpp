#include "Sampler.h"
#include "HexId.h"
#include <cmath>

namespace portico::otel {

Sampler::Sampler(Root root, bool parentBased, double ratio)
    : root_(root), parentBased_(parentBased), ratio_(ratio), bound_(0), all_(ratio >= 1.0)
{
    // ratio * 2^64, computed in long double; ratio < 1 keeps it below 2^64.
    if (!all_ && ratio > 0)
        bound_ = static_cast<std::uint64_t>(std::ldexp(static_cast<long double>(ratio), 64));
}

std::optional<Sampler> Sampler::fromName(std::string_view name, double ratio)
{
    bool parentBased = false;
    constexpr std::string_view prefix = "parentbased_";
    if (name.substr(0, prefix.size()) == prefix)
    {
        parentBased = true;
        name.remove_prefix(prefix.size());
    }
    if (name == "always_on")
        return Sampler(Root::AlwaysOn, parentBased, ratio);
    if (name == "always_off")
        return Sampler(Root::AlwaysOff, parentBased, ratio);
    if (name == "traceidratio")
        return Sampler(Root::TraceIdRatio, parentBased, ratio);
    return std::nullopt;
}

bool Sampler::sampleRoot(std::string_view traceId) const
{
    switch (root_)
    {
    case Root::AlwaysOn: return true;
    case Root::AlwaysOff: return false;
    case Root::TraceIdRatio: break;
    }
    // The SDKs' TraceIdRatioBased: decided by the random lower 8 bytes of the id, so every
    // service with the same ratio keeps the same traces.
    return all_ || lowerEightBytes(traceId) < bound_;
}

bool Sampler::sample(std::string_view traceId, std::optional<bool> parentSampled) const
{
    if (parentBased_ && parentSampled)
        return *parentSampled;
    return sampleRoot(traceId);
}

} // namespace portico::otel
