#include "SpanBuilder.h"
#include "BodyFacts.h"
#include "RepeatedAttributes.h"
#include "UpstreamAttempt.h"
#include "portico/Attributes.h"
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>

namespace portico::otel {

namespace {

/// "<first> <second>" (or `first` alone when `second` is empty) in place when it fits: a
/// span's name is built for every request, and most would not fit a string's own buffer.
class SpanName
{
public:
    SpanName(std::string_view first, std::string_view second)
    {
        const std::size_t size = first.size() + (second.empty() ? 0 : 1 + second.size());
        char* out = buffer_;
        if (size > sizeof buffer_)
        {
            long_.resize(size);
            out = long_.data();
        }
        std::memcpy(out, first.data(), first.size());
        if (!second.empty())
        {
            out[first.size()] = ' ';
            std::memcpy(out + first.size() + 1, second.data(), second.size());
        }
        view_ = std::string_view(out, size);
    }
    SpanName(const SpanName&) = delete;
    SpanName& operator=(const SpanName&) = delete;
    std::string_view view() const { return view_; }

private:
    char buffer_[128];
    std::string long_;
    std::string_view view_;
};

std::optional<long long> attributeNumber(const Exchange& exchange, const AttributeKey& key)
{
    // The openai plugin writes these with std::to_string: plain decimal, read back exactly.
    const std::string* text = exchange.find(key);
    long long value = 0;
    if (!text)
        return std::nullopt;
    const char* end = text->data() + text->size();
    const auto [at, error] = std::from_chars(text->data(), end, value);
    if (error != std::errc() || at != end)
        return std::nullopt;
    return value;
}

/// From the handler that parsed the request (attr::RequestMaxTokens), else from the body: chat's
/// max_tokens (and its newer name), the Responses API's max_output_tokens.
std::optional<long long> requestMaxTokens(const Exchange& exchange)
{
    if (exchange.find(attr::RequestMaxTokens))
        return attributeNumber(exchange, attr::RequestMaxTokens); // empty: the request set none
    if (exchange.bodyTooLarge())
        return std::nullopt;
    return topLevelInteger(exchange.body(), {"max_tokens", "max_completion_tokens", "max_output_tokens"});
}

/// The GenAI attributes both the server span and the attempts carry. `provider`: the API spoken,
/// by its name in the conventions: "openai" (the gateway's API, and its OpenAI-compatible
/// upstreams), "anthropic" (an upstream of type anthropic).
void genAiRequest(SpanEncoder& span, const char* operation, const std::string* model, const std::string& provider)
{
    span.text("gen_ai.operation.name", operation);
    span.text("gen_ai.provider.name", provider);
    span.text("gen_ai.system", provider);
    if (model && !model->empty())
        span.text("gen_ai.request.model", *model);
}

void usage(SpanEncoder& span, const Exchange& exchange)
{
    if (auto input = attributeNumber(exchange, attr::UsageInputTokens))
        span.number("gen_ai.usage.input_tokens", *input);
    if (auto output = attributeNumber(exchange, attr::UsageOutputTokens))
        span.number("gen_ai.usage.output_tokens", *output);
}

/// The answer's model and finish reasons: from the attributes the handler set, else from what
/// onResponseBody found in the body.
std::optional<std::string_view> responseModel(const Exchange& exchange, const RequestTrace& trace)
{
    if (const std::string* model = exchange.find(attr::ResponseModel))
        return *model;
    if (trace.facts && trace.facts->responseModel)
        return *trace.facts->responseModel;
    return std::nullopt;
}

std::string_view finishReasons(const Exchange& exchange, const RequestTrace& trace)
{
    const std::string* reasons = exchange.find(attr::ResponseFinishReasons);
    if (reasons)
        return *reasons;
    return trace.facts ? std::string_view(trace.facts->finishReasons) : std::string_view();
}

void responseFacts(SpanEncoder& span, const Exchange& exchange, const RequestTrace& trace)
{
    if (const auto model = responseModel(exchange, trace))
        span.text("gen_ai.response.model", *model);
    if (const std::string_view reasons = finishReasons(exchange, trace); !reasons.empty())
        span.texts("gen_ai.response.finish_reasons", reasons);
}

/// The server span, framed (SpanEncoder::finishFramed: the encoder's bytes).
std::string_view serverSpan(const Exchange& exchange, const RequestTrace& trace, Outcome outcome, std::uint64_t endNs,
                            const char* operation, SpanEncoder& span, RepeatedAttributes* repeated)
{
    const std::string& route = exchange.route();
    const SpanName name(exchange.method(), route);
    SpanHead head;
    head.traceId = trace.traceId();
    head.spanId = trace.spanId();
    head.parentSpanId = trace.parentSpanId();
    head.remoteParent = trace.hasParent;
    head.name = name.view();
    head.kind = SpanKind::Server;
    head.startNs = trace.startNs;
    head.endNs = endNs;
    span.begin(head);

    // The attributes a client's requests repeat, then the request's own.
    const auto [clientHost, clientPort] = splitHostPort(exchange.clientAddress());
    const int status = exchange.response().status;
    RepeatedInputs inputs;
    inputs.method = exchange.method();
    inputs.secure = exchange.secure();
    inputs.path = exchange.path();
    inputs.route = route;
    inputs.status = status;
    inputs.host = exchange.requestHeader("Host");
    inputs.userAgent = exchange.requestHeader("User-Agent");
    inputs.clientHost = clientHost;
    if (operation)
    {
        // The API this request speaks (its upstream's is on the attempt spans).
        inputs.operation = operation;
        inputs.provider = speaksAnthropic(route) ? "anthropic" : "openai";
        if (const std::string* model = exchange.find(attr::Model))
            inputs.model = *model;
        inputs.maxTokens = requestMaxTokens(exchange);
        inputs.responseModel = responseModel(exchange, trace);
        inputs.finishReasons = finishReasons(exchange, trace);
    }
    if (repeated)
        repeated->write(span, inputs);
    else
        RepeatedAttributes::encode(span, inputs);
    if (clientPort > 0)
        span.number("client.port", clientPort);
    if (operation)
        usage(span, exchange);
    const bool firstToken = trace.firstChunkNs > trace.startNs;
    if (firstToken)
        span.decimal("gen_ai.server.time_to_first_token", static_cast<double>(trace.firstChunkNs - trace.startNs) / 1e9);

    StatusCode code = StatusCode::Unset;
    const char* message = "";
    if (status >= 500)
    {
        code = StatusCode::Error;
        span.text("error.type", std::to_string(status));
    }
    else if (outcome == Outcome::Error)
    {
        // A stream that broke after its 200 went out, or a hook that threw.
        code = StatusCode::Error;
        message = "the answer ended in an error";
        span.text("error.type", "stream_error");
    }
    else if (outcome == Outcome::ClientGone)
        span.flag("portico.client_gone", true);

    if (firstToken)
        span.event("gen_ai.first_token", trace.firstChunkNs);
    if (code != StatusCode::Unset)
        span.status(code, message);
    return span.finishFramed();
}

void attemptSpan(const Exchange& exchange, const RequestTrace& trace, const UpstreamAttempt& attempt,
                 const char* operation, bool answered, SpanEncoder& span, std::string& framed)
{
    const std::string* model = exchange.find(attr::Model);
    // GenAI client spans are "{operation} {model}"; an attempt that is not one is an HTTP POST.
    const SpanName name(operation ? operation : "POST",
                        operation && model ? std::string_view(*model) : std::string_view());
    SpanHead head;
    head.traceId = trace.traceId();
    head.spanId = attempt.spanId;
    head.parentSpanId = trace.spanId();
    head.name = name.view();
    head.kind = SpanKind::Client;
    head.startNs = attempt.startNs;
    head.endNs = attempt.startNs + attempt.durationNs;
    span.begin(head);

    span.text("http.request.method", "POST");
    span.text("server.address", attempt.host);
    span.number("server.port", attempt.port);
    span.text("portico.upstream", attempt.upstream);
    if (operation)
        genAiRequest(span, operation, model, attempt.api);
    const int status = attempt.status();
    if (status > 0)
        span.number("http.response.status_code", status);
    // For a client span a 4xx is an error too (the HTTP conventions).
    const bool failed = status == 0 || status >= 400;
    if (failed)
        span.text("error.type", attempt.outcome);
    if (answered)
    {
        responseFacts(span, exchange, trace);
        usage(span, exchange);
    }
    if (failed)
        span.status(StatusCode::Error, "");
    span.finishInto(framed);
}

} // namespace

bool speaksAnthropic(const std::string& route)
{
    return route == "/v1/messages";
}

const char* genAiOperation(const std::string& route)
{
    if (route == "/v1/chat/completions" || route == "/v1/responses" || route == "/v1/messages")
        return "chat";
    if (route == "/v1/embeddings")
        return "embeddings";
    if (route == "/v1/completions")
        return "text_completion";
    return nullptr;
}

BuiltSpans buildSpans(const Exchange& exchange, const RequestTrace& trace, Outcome outcome, std::uint64_t endNs,
                      SpanEncoder& encoder, RepeatedAttributes* repeated, std::string& framed)
{
    const char* operation = genAiOperation(exchange.route());
    const std::string* lines = exchange.find(attr::UpstreamAttempts);
    if (!lines)
        return {serverSpan(exchange, trace, outcome, endNs, operation, encoder, repeated), 1}; // the encoder's bytes
    const std::vector<UpstreamAttempt> attempts = UpstreamAttempt::parseAll(*lines);
    // The attempts' times are the system clock's, read at each attempt; the server span's come
    // from the clock the otel plugin anchors per thread (unixNowAt), which may differ from it by
    // the system clock's slew or step since the anchor. A parent must hold its children: the
    // server span is widened to its attempts.
    RequestTrace widened = trace;
    for (const UpstreamAttempt& attempt : attempts)
    {
        widened.startNs = std::min(widened.startNs, attempt.startNs);
        endNs = std::max(endNs, attempt.startNs + attempt.durationNs);
    }
    const std::string_view server = serverSpan(exchange, widened, outcome, endNs, operation, encoder, repeated);
    framed.assign(server.data(), server.size()); // before the next span reuses the encoder
    for (std::size_t i = 0; i < attempts.size(); ++i)
    {
        // The last attempt is the one whose answer the client got.
        const bool answered = i + 1 == attempts.size() && attempts[i].status() >= 200 && attempts[i].status() < 300;
        attemptSpan(exchange, trace, attempts[i], operation, answered, encoder, framed);
    }
    return {framed, 1 + attempts.size()};
}

std::uint64_t nowUnixNs()
{
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
}

} // namespace portico::otel
