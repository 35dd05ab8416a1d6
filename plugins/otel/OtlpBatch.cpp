#include "OtlpBatch.h"
#include "JsonSpanEncoder.h"
#include "ProtobufWire.h"

namespace portico::otel {

namespace {

// ExportTraceServiceRequest.resource_spans; ResourceSpans.resource, .scope_spans;
// ScopeSpans.scope, .spans; Resource.attributes; InstrumentationScope.name, .version;
// KeyValue.key, .value; AnyValue.string_value.
constexpr unsigned RequestResourceSpans = 1, Resource = 1, ScopeSpansField = 2, Scope = 1, Spans = 2,
                   ResourceAttributes = 1, ScopeName = 1, ScopeVersion = 2, Key = 1, Value = 2, StringValue = 1;

std::string protobufResource(const ExportResource& resource)
{
    std::string out;
    for (const auto& [key, value] : resource.attributes)
    {
        const std::size_t any = wire::delimitedSize(value.size());
        wire::header(out, ResourceAttributes, wire::delimitedSize(key.size()) + wire::delimitedSize(any));
        wire::bytes(out, Key, key);
        wire::header(out, Value, any);
        wire::bytes(out, StringValue, value);
    }
    return out;
}

std::string protobufScope(const ExportResource& resource)
{
    std::string out;
    if (!resource.scopeName.empty())
        wire::bytes(out, ScopeName, resource.scopeName);
    if (!resource.scopeVersion.empty())
        wire::bytes(out, ScopeVersion, resource.scopeVersion);
    return out;
}

std::string jsonPrefix(const ExportResource& resource)
{
    std::string out = "{\"resourceSpans\":[{\"resource\":{\"attributes\":[";
    bool first = true;
    for (const auto& [key, value] : resource.attributes)
    {
        if (!first)
            out += ',';
        first = false;
        out += "{\"key\":";
        appendJsonString(out, key);
        out += ",\"value\":{\"stringValue\":";
        appendJsonString(out, value);
        out += "}}";
    }
    out += "]},\"scopeSpans\":[{\"scope\":{\"name\":";
    appendJsonString(out, resource.scopeName);
    out += ",\"version\":";
    appendJsonString(out, resource.scopeVersion);
    out += "},\"spans\":[";
    return out;
}

} // namespace

OtlpBatch::OtlpBatch(const ExportResource& resource, Format format) : format_(format)
{
    if (format_ == Format::Json)
        resource_ = jsonPrefix(resource);
    else
    {
        resource_ = protobufResource(resource);
        scope_ = protobufScope(resource);
    }
}

std::string OtlpBatch::encode(const std::vector<std::string>& spans) const
{
    std::string out;
    if (format_ == Format::Json)
    {
        std::size_t size = resource_.size() + 8;
        for (const std::string& span : spans)
            size += span.size() + 1;
        out.reserve(size);
        out += resource_;
        bool first = true;
        for (const std::string& span : spans)
        {
            if (!first)
                out += ',';
            first = false;
            out += span;
        }
        out += "]}]}]}";
        return out;
    }
    // Sizes inside out: the spans, the ScopeSpans around them, the ResourceSpans around that.
    std::size_t scopeSpans = wire::delimitedSize(scope_.size());
    for (const std::string& span : spans)
        scopeSpans += wire::delimitedSize(span.size());
    const std::size_t resourceSpans = wire::delimitedSize(resource_.size()) + wire::delimitedSize(scopeSpans);
    out.reserve(wire::delimitedSize(resourceSpans));
    wire::header(out, RequestResourceSpans, resourceSpans);
    wire::bytes(out, Resource, resource_);
    wire::header(out, ScopeSpansField, scopeSpans);
    wire::bytes(out, Scope, scope_);
    for (const std::string& span : spans)
        wire::bytes(out, Spans, span);
    return out;
}

} // namespace portico::otel
