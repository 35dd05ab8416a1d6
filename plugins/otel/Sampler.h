#pragma once
/// The head sampler, by the OpenTelemetry SDK rules (OTEL_TRACES_SAMPLER): always_on,
/// always_off, traceidratio, and their parentbased_* forms, which follow the sampled flag of
/// an incoming traceparent and use the named sampler only for new traces (roots).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace portico::otel {

class Sampler
{
public:
    enum class Root
    {
        AlwaysOn,
        AlwaysOff,
        TraceIdRatio
    };

    /// `name` as OTEL_TRACES_SAMPLER spells it; `ratio` in [0, 1] (traceidratio's argument).
    /// Nothing for an unknown name.
    static std::optional<Sampler> fromName(std::string_view name, double ratio);

    /// Whether the span of a request in trace `traceId` is recorded and exported.
    /// `parentSampled`: the sampled flag of the incoming traceparent, absent for a new trace.
    bool sample(std::string_view traceId, std::optional<bool> parentSampled) const;

    bool parentBased() const { return parentBased_; }
    Root root() const { return root_; }
    double ratio() const { return ratio_; }

private:
    Sampler(Root root, bool parentBased, double ratio);
    /// The root sampler alone.
    bool sampleRoot(std::string_view traceId) const;

    Root root_;
    bool parentBased_;
    double ratio_;
    /// traceidratio: a trace is sampled when its id's lower 8 bytes (big-endian) are below this.
    std::uint64_t bound_;
    bool all_; ///< ratio 1: every id (the bound cannot say 2^64)
};

} // namespace portico::otel
