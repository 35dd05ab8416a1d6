#pragma once
/// A batch of encoded spans (SpanEncoder) as the body of POST /v1/traces: one
/// ExportTraceServiceRequest with one ResourceSpans (the resource) and one ScopeSpans (the
/// scope, the spans), in protobuf or in OTLP/JSON. What every batch shares (the resource and
/// scope parts) is encoded once, when the exporter starts.
///
/// The spans come framed (SpanEncoder::finishInto, as the queue holds them), so the body is a
/// head, the framed bytes as they are, and a tail: the exporter sends the three pieces and
/// never joins them into one string.

#include <string>
#include <string_view>
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

    /// The request body in three pieces, to be sent in this order.
    struct Body
    {
        std::string head;
        std::string_view spans;
        std::string_view tail;
        std::size_t size() const { return head.size() + spans.size() + tail.size(); }
    };
    /// The body for spans framed by SpanEncoder::finishInto of this batch's format (`framed`
    /// must outlive the result).
    Body wrap(std::string_view framed) const;

    /// The body for `spans` (each from SpanEncoder::finish of this batch's format) as one
    /// string: for tests and tools.
    std::string encode(const std::vector<std::string>& spans) const;

private:
    Format format_;
    /// Protobuf: the Resource and InstrumentationScope messages. JSON: the text before the
    /// first span.
    std::string resource_;
    std::string scope_;
};

} // namespace portico::otel
