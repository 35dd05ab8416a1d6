#include "RepeatedAttributes.h"

namespace portico::otel {

std::pair<std::string_view, int> splitHostPort(std::string_view text)
{
    std::string_view host = text;
    int port = 0;
    // The port: the digits after the last ':' (one pass from the end, over at most 6 bytes).
    std::size_t digits = 0;
    while (digits < 6 && digits < text.size() && text[text.size() - 1 - digits] >= '0' &&
           text[text.size() - 1 - digits] <= '9')
        ++digits;
    const std::size_t colon = text.size() - digits - 1;
    if (digits > 0 && digits < 6 && digits < text.size() && text[colon] == ':')
    {
        const std::string_view before = text.substr(0, colon);
        // "[v6]:port", or a host with no other ':' (a bare IPv6 address has no port).
        const bool bracketed = !before.empty() && before.front() == '[' && before.back() == ']';
        if (bracketed || before.find(':') == std::string_view::npos)
        {
            int parsed = 0;
            for (std::size_t i = colon + 1; i < text.size(); ++i)
                parsed = parsed * 10 + (text[i] - '0');
            if (parsed > 0 && parsed <= 65535)
            {
                host = before;
                port = parsed;
            }
        }
    }
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    return {host, port};
}

bool RepeatedAttributes::Kept::matches(const RepeatedInputs& inputs) const
{
    // The ones most likely to differ between the requests of one loop first.
    return !encoded.empty() && userAgent == inputs.userAgent && clientHost == inputs.clientHost &&
           model == inputs.model && status == inputs.status && secure == inputs.secure && path == inputs.path &&
           maxTokens == inputs.maxTokens && finishReasons == inputs.finishReasons &&
           responseModel == inputs.responseModel && route == inputs.route && method == inputs.method &&
           host == inputs.host;
}

void RepeatedAttributes::write(SpanEncoder& span, const RepeatedInputs& inputs)
{
    for (const Kept& kept : kept_)
        if (kept.matches(inputs))
            return span.replay(kept.encoded);
    const std::size_t mark = span.attributeMark();
    encode(span, inputs);
    Kept& kept = kept_[oldest_];
    oldest_ = (oldest_ + 1) % Capacity;
    kept.method = inputs.method;
    kept.secure = inputs.secure;
    kept.path = inputs.path;
    kept.route = inputs.route;
    kept.status = inputs.status;
    kept.host = inputs.host;
    kept.userAgent = inputs.userAgent;
    kept.clientHost = inputs.clientHost;
    kept.model = inputs.model;
    kept.maxTokens = inputs.maxTokens;
    kept.responseModel = inputs.responseModel;
    kept.finishReasons = inputs.finishReasons;
    kept.encoded = span.attributesSince(mark);
}

void RepeatedAttributes::encode(SpanEncoder& span, const RepeatedInputs& inputs)
{
    span.text("http.request.method", inputs.method);
    span.text("url.path", inputs.path);
    span.text("url.scheme", inputs.secure ? "https" : "http");
    if (!inputs.route.empty())
        span.text("http.route", inputs.route);
    if (inputs.status > 0)
        span.number("http.response.status_code", inputs.status);
    if (!inputs.host.empty())
    {
        const auto [address, port] = splitHostPort(inputs.host);
        span.text("server.address", address);
        if (port > 0)
            span.number("server.port", port);
    }
    if (!inputs.userAgent.empty())
        span.text("user_agent.original", inputs.userAgent);
    if (!inputs.clientHost.empty())
        span.text("client.address", inputs.clientHost);
    if (!inputs.operation)
        return;
    span.text("gen_ai.operation.name", inputs.operation);
    span.text("gen_ai.provider.name", inputs.provider);
    span.text("gen_ai.system", inputs.provider);
    if (!inputs.model.empty())
        span.text("gen_ai.request.model", inputs.model);
    if (inputs.maxTokens)
        span.number("gen_ai.request.max_tokens", *inputs.maxTokens);
    if (inputs.responseModel)
        span.text("gen_ai.response.model", *inputs.responseModel);
    if (!inputs.finishReasons.empty())
        span.texts("gen_ai.response.finish_reasons", inputs.finishReasons);
}

} // namespace portico::otel
