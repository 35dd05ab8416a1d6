#include "OtlpBatch.h"
#include "JsonSpanEncoder.h"
#include "ProtobufSpanEncoder.h"
#include "ProtobufWire.h"

namespace portico::otel {

namespace {

// ExportTraceServiceRequest.resource_spans; ResourceSpans.resource, .scope_spans;
// ScopeSpans.scope (its spans are framed by the encoders); Resource.attributes;
// InstrumentationScope.name, .version; KeyValue.key, .value; AnyValue.string_value.
constexpr unsigned RequestResourceSpans = 1, Resource = 1, ScopeSpansField = 2, Scope = 1,
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

OtlpBatch::Body OtlpBatch::wrap(std::string_view framed) const
{
    Body body;
    if (format_ == Format::Json)
    {
        body.head = resource_;
        body.spans = framed.empty() ? framed : framed.substr(1); // each span came after a comma
        body.tail = "]}]}]}";
        return body;
    }
    // Sizes inside out: the ScopeSpans (scope and spans), the ResourceSpans around it.
    const std::size_t scopeSpans = wire::delimitedSize(scope_.size()) + framed.size();
    const std::size_t resourceSpans = wire::delimitedSize(resource_.size()) + wire::delimitedSize(scopeSpans);
    body.head.reserve(resourceSpans - framed.size() + 12);
    wire::header(body.head, RequestResourceSpans, resourceSpans);
    wire::bytes(body.head, Resource, resource_);
    wire::header(body.head, ScopeSpansField, scopeSpans);
    wire::bytes(body.head, Scope, scope_);
    body.spans = framed;
    return body;
}

std::string OtlpBatch::encode(const std::vector<std::string>& spans) const
{
    std::string framed;
    for (const std::string& span : spans)
        if (format_ == Format::Json)
            JsonSpanEncoder::frame(framed, span);
        else
            ProtobufSpanEncoder::frame(framed, span);
    const Body body = wrap(framed);
    std::string out;
    out.reserve(body.size());
    out.append(body.head).append(body.spans).append(body.tail);
    return out;
}

} // namespace portico::otel
