#include "OtelPlugin.h"
#include "BodyFacts.h"
#include "HexId.h"
#include "JsonSpanEncoder.h"
#include "ProtobufSpanEncoder.h"
#include "SpanBuilder.h"
#include "portico/Attributes.h"
#include "portico/Traceparent.h"
#include "Poco/Logger.h"
#include "prometheus/counter.h"
#include <cstring>

namespace portico::otel {

namespace {

/// The Unix time of a steady-clock instant (the Exchange's times are steady), given the two
/// clocks read together.
std::uint64_t unixNs(Exchange::Clock::time_point at, Exchange::Clock::time_point steadyNow, std::uint64_t unixNow)
{
    const auto ago = std::chrono::duration_cast<std::chrono::nanoseconds>(steadyNow - at).count();
    return ago > 0 && static_cast<std::uint64_t>(ago) < unixNow ? unixNow - static_cast<std::uint64_t>(ago) : unixNow;
}

/// The Unix time of `steadyNow`, a steady-clock reading of now. The system clock is read at most
/// every 100 ms per thread and the steady clock's progress since is added to it, as
/// OpenTelemetry's Java SDK anchors its clock: one clock read per request instead of two. A
/// step of the system clock shows in spans within 100 ms. A slew moves them until then by its
/// rate times 100 ms: 50 us at ntpd's 500 ppm, milliseconds at chrony's default maximum of
/// 83,333 ppm. Attempt spans read the system clock itself, so buildSpans widens a server span
/// to hold its attempts.
std::uint64_t unixNowAt(Exchange::Clock::time_point steadyNow)
{
    struct Anchor
    {
        Exchange::Clock::time_point steady{};
        std::uint64_t unix = 0;
    };
    thread_local Anchor anchor;
    if (anchor.unix == 0 || steadyNow - anchor.steady > std::chrono::milliseconds(100))
        anchor = {steadyNow, nowUnixNs()};
    return anchor.unix + static_cast<std::uint64_t>(
                             std::chrono::duration_cast<std::chrono::nanoseconds>(steadyNow - anchor.steady).count());
}

/// The fields of a well-formed "00-<32 hex>-<16 hex>-<2 hex>" (as the tracing plugin writes
/// traceparent_out), read in place: Traceparent::parse would allocate two strings.
struct OutgoingFields
{
    std::string_view traceId;
    std::string_view spanId;
    bool sampled = false;
};

/// `checkIds`: also that the ids are lowercase hex and not all zero. onRequest checks what the
/// tracing plugin wrote; at completion the value is the one onRequest checked or wrote, and
/// only its shape is looked at again.
std::optional<OutgoingFields> outgoingFields(const std::string& traceparent, bool checkIds)
{
    if (traceparent.size() != 55 || traceparent[2] != '-' || traceparent[35] != '-' || traceparent[52] != '-')
        return std::nullopt;
    const std::string_view text(traceparent);
    OutgoingFields fields{text.substr(3, 32), text.substr(36, 16), false};
    if (checkIds && (!isHexId(fields.traceId, 32) || !isHexId(fields.spanId, 16)))
        return std::nullopt;
    const char flags = text[54];
    fields.sampled = ((flags >= '0' && flags <= '9' ? flags - '0' : flags - 'a' + 10) & 1) != 0;
    return fields;
}

/// At completion: the fields of attr::TraceparentOut when the request is traced (not on an
/// excluded path, and sampled).
std::optional<OutgoingFields> tracedFields(const OtelConfig& config, const Exchange& exchange)
{
    if (config.excluded(exchange.path()))
        return std::nullopt;
    const std::string* out = exchange.find(attr::TraceparentOut);
    std::optional<OutgoingFields> fields = out ? outgoingFields(*out, false) : std::nullopt;
    if (!fields || !fields->sampled)
        return std::nullopt;
    return fields;
}

} // namespace

OtelPlugin::OtelPlugin(PluginContext& context) : OtelPlugin(context, OtelConfig::from(context.config())) {}

OtelPlugin::OtelPlugin(PluginContext& context, OtelConfig config)
    : config_(std::make_shared<const OtelConfig>(std::move(config))),
      metrics_(context.metrics()),
      logger_(context.logger()),
      exporter_(config_, metrics_, context.logger()),
      facts_(context.stateSlot<ResponseFacts>())
{
}

void OtelPlugin::start()
{
    exporter_.start();
    logger_.information("otel: exporting spans to " + config_->url + " (" +
                        (config_->protocol == OtelConfig::Protocol::Json ? "http/json" : "http/protobuf") +
                        (config_->gzip ? ", gzip" : "") + ")");
}

void OtelPlugin::stop()
{
    exporter_.stop();
}

void OtelPlugin::onRequest(Exchange& exchange)
{
    try
    {
        begin(exchange);
    }
    catch (...)
    {
        // Tracing must never fail a request: this one goes unrecorded.
    }
}

void OtelPlugin::begin(Exchange& exchange)
{
    if (config_->excluded(exchange.path()))
        return;
    std::optional<Traceparent> incoming;
    if (const std::string& header = exchange.requestHeader("traceparent"); !header.empty())
        incoming = Traceparent::parse(header);

    const std::string* out = exchange.find(attr::TraceparentOut);
    const std::optional<OutgoingFields> fields = out ? outgoingFields(*out, true) : std::nullopt;
    // The tracing plugin ran: its ids are ours (its span id is the server span's, and X-Trace-Id
    // will be its trace id). Otherwise join the caller's trace ourselves, or start one.
    std::string ownTraceId, ownSpanId;
    if (!fields)
    {
        ownTraceId = incoming ? incoming->traceId : newTraceId();
        ownSpanId = newSpanId();
        exchange.set(attr::TraceId, ownTraceId);
    }
    const std::string_view traceId = fields ? fields->traceId : std::string_view(ownTraceId);
    std::optional<bool> parentSampled;
    if (incoming && incoming->traceId == traceId)
        parentSampled = incoming->sampled;
    const bool sampled = config_->sampler.sample(traceId, parentSampled);
    if (!fields || fields->sampled != sampled)
    {
        // Upstreams follow our decision (the W3C sampled flag), as an SDK's propagator does; and
        // so does onComplete, which reads the trace back from here (traceOf).
        Traceparent outgoing{std::string(traceId), fields ? std::string(fields->spanId) : std::move(ownSpanId),
                             sampled};
        exchange.set(attr::TraceparentOut, outgoing.format());
    }
}

std::optional<RequestTrace> OtelPlugin::traceOf(const Exchange& exchange) const
{
    const std::optional<OutgoingFields> fields = tracedFields(*config_, exchange);
    if (!fields)
        return std::nullopt;
    RequestTrace trace;
    std::memcpy(trace.traceIdHex, fields->traceId.data(), 32);
    std::memcpy(trace.spanIdHex, fields->spanId.data(), 16);
    if (const std::string& header = exchange.requestHeader("traceparent"); !header.empty())
    {
        // The caller's span is the parent when we joined its trace.
        const std::optional<Traceparent> incoming = Traceparent::parse(header);
        if (incoming && incoming->traceId == fields->traceId)
        {
            std::memcpy(trace.parentIdHex, incoming->parentId.data(), 16);
            trace.hasParent = true;
        }
    }
    return trace;
}

bool OtelPlugin::traced(const Exchange& exchange) const
{
    return tracedFields(*config_, exchange).has_value();
}

void OtelPlugin::onResponseBody(Exchange& exchange, std::string_view chunk)
{
    if (chunk.empty())
        return;
    try
    {
        // The body is read only for what the handler did not say (attr::ResponseModel,
        // attr::ResponseFinishReasons): an upstream's answer.
        const bool streamed = exchange.response().streamed;
        const bool wantModel = !exchange.find(attr::ResponseModel);
        const bool wantReasons = !exchange.find(attr::ResponseFinishReasons) && genAiOperation(exchange.route());
        ResponseFacts* facts = exchange.state(facts_);
        if (!facts)
        {
            // A buffered answer whose handler said it all (the local models) leaves nothing to note.
            if ((!streamed && !wantModel && !wantReasons) || !traced(exchange))
                return;
            facts = &exchange.emplaceState(facts_);
        }
        if (streamed && facts->firstChunk == Exchange::Clock::time_point{})
            facts->firstChunk = Exchange::Clock::now();
        if (wantModel)
        {
            if (streamed)
            {
                if (!facts->responseModel)
                    facts->responseModel = firstModel(chunk);
            }
            else
            {
                facts->responseModel = topLevelString(chunk, "model");
                if (!facts->responseModel)
                    facts->responseModel = firstModel(chunk);
            }
        }
        if (wantReasons)
            collectFinishReasons(chunk, facts->finishReasons,
                                 speaksAnthropic(exchange.route()) ? "\"stop_reason\"" : "\"finish_reason\"");
    }
    catch (...)
    {
        // Only facts for the span: the answer goes on without them.
    }
}

void OtelPlugin::onComplete(Exchange& exchange, Outcome outcome)
{
    try
    {
        std::optional<RequestTrace> trace = traceOf(exchange);
        if (!trace)
            return;
        const ResponseFacts* facts = exchange.state(facts_);
        trace->facts = facts;
        // The clock once for the whole span: the end now, the start and the first chunk from
        // their steady instants.
        const Exchange::Clock::time_point steadyNow = Exchange::Clock::now();
        const std::uint64_t endNs = unixNowAt(steadyNow);
        trace->startNs = unixNs(exchange.startedAt(), steadyNow, endNs);
        if (facts && facts->firstChunk != Exchange::Clock::time_point{})
            trace->firstChunkNs = unixNs(facts->firstChunk, steadyNow, endNs);
        // One set per thread that completes requests (the event loops, workers), reused: once
        // their buffers have grown to a span's size, building the spans allocates nothing.
        // Each encoder has its own repeated attributes: they are kept in its format.
        struct Scratch
        {
            ProtobufSpanEncoder protobuf;
            RepeatedAttributes protobufRepeated;
            JsonSpanEncoder json;
            RepeatedAttributes jsonRepeated;
            std::string framed;
        };
        thread_local Scratch scratch;
        const bool json = config_->protocol == OtelConfig::Protocol::Json;
        SpanEncoder& encoder = json ? static_cast<SpanEncoder&>(scratch.json) : static_cast<SpanEncoder&>(scratch.protobuf);
        const BuiltSpans spans = buildSpans(exchange, *trace, outcome, endNs, encoder,
                                            json ? &scratch.jsonRepeated : &scratch.protobufRepeated, scratch.framed);
        exporter_.submit(spans.framed, spans.count);
    }
    catch (...)
    {
        metrics_.droppedQueueFull.Increment(); // out of memory building it: lost like a full queue
    }
}

} // namespace portico::otel
