#pragma once
/// A batch of encoded spans (SpanEncoder) as the body of POST /v1/traces: one
/// ExportTraceServiceRequest with one ResourceSpans (the resource) and one ScopeSpans (the
/// scope, the spans), in protobuf or in OTLP/JSON. What every batch shares (the resource and
/// scope parts) is encoded once, when the exporter starts.

#include <string>
#include <utility>
#include <vector>

namespace portico::otel {

/// The resource (service.name and the rest) and the instrumentation scope of every span.
struct ExportResource
{
    std::vector<std::pair<std::string, std::string>> attributes;
    std::string scopeName = "portico.otel";
    std::string scopeVersion;
};

class OtlpBatch
{
public:
    enum class Format
    {
        Protobuf,
        Json
    };

    OtlpBatch(const ExportResource& resource, Format format);

    /// The request body for `spans` (each from a SpanEncoder of this batch's format).
    std::string encode(const std::vector<std::string>& spans) const;

private:
    Format format_;
    /// Protobuf: the Resource and InstrumentationScope messages. JSON: the text before the
    /// first span.
    std::string resource_;
    std::string scope_;
};

} // namespace portico::otel
