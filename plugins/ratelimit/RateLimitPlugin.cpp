#include "RateLimitPlugin.h"
#include "ProcessState.h"
#include "RateLimitHeaders.h"
#include "TokenEstimate.h"
#include "portico/Attributes.h"
#include <cmath>

namespace portico::ratelimit {

namespace {

// Per-request state, kept in the Exchange: the plugin object is shared by all requests.
constexpr const char* HeadersAttr = "ratelimit.headers";     // "name: value\n" lines
constexpr const char* PrincipalAttr = "ratelimit.principal"; // who the request was limited as
constexpr const char* ReservedAttr = "ratelimit.reserved";   // tokens reserved, to settle

const std::string UnmatchedRoute = "unmatched";

std::string tokensKey(const std::string& principal)
{
    return "tok\n" + principal;
}

std::string whole(double value)
{
    return std::to_string(static_cast<long long>(std::floor(value)));
}

std::string serialize(const HeaderList& headers)
{
    std::string out;
    for (const auto& [name, value] : headers)
        out += name + ": " + value + "\n";
    return out;
}

RateLimitConfig readConfig(PluginContext& context)
{
    return RateLimitConfig::from(context.config());
}

} // namespace

std::string addressOnly(const std::string& clientAddress)
{
    if (!clientAddress.empty() && clientAddress.front() == '[')
    {
        const auto close = clientAddress.find(']');
        return close == std::string::npos ? clientAddress : clientAddress.substr(1, close - 1);
    }
    const auto colon = clientAddress.rfind(':');
    return colon == std::string::npos ? clientAddress : clientAddress.substr(0, colon);
}

RateLimitPlugin::RateLimitPlugin(PluginContext& context) : RateLimitPlugin(context, readConfig(context), nullptr) {}

RateLimitPlugin::RateLimitPlugin(PluginContext& context, std::shared_ptr<BucketStore> store)
    : RateLimitPlugin(context, readConfig(context), std::move(store))
{
}

RateLimitPlugin::RateLimitPlugin(PluginContext& context, RateLimitConfig config, std::shared_ptr<BucketStore> store)
    : config_(std::move(config)),
      store_(store ? std::move(store) : ProcessState::memoryStore(context.config().section(), config_.eviction)),
      metrics_(context.metrics(),
               ProcessState::principalLabels(context.config().section(),
                                             static_cast<std::size_t>(config_.maxPrincipalLabels)),
               MetricsSettings{config_.gauges, config_.gaugeSampleEvery})
{
}

std::string RateLimitPlugin::principalOf(const Exchange& exchange) const
{
    if (const std::string* principal = exchange.find(attr::Principal); principal && !principal->empty())
        return *principal;
    if (config_.anonymous == Anonymous::Shared)
        return "anonymous";
    return "ip:" + addressOnly(exchange.clientAddress());
}

void RateLimitPlugin::onRequest(Exchange& exchange)
{
    const std::string& route = exchange.route().empty() ? UnmatchedRoute : exchange.route();
    if (config_.exempt(route))
        return;
    const std::string principal = principalOf(exchange);
    const Policy policy = config_.policyFor(route, principal);

    // The request bucket's key and the (route, principal) it is reported under.
    std::string bucketRoute;
    std::string bucketSubject;
    switch (config_.keying)
    {
    case Keying::RoutePrincipal: bucketRoute = route; bucketSubject = principal; break;
    case Keying::Principal: bucketSubject = principal; break;
    case Keying::Route: bucketRoute = route; break;
    case Keying::Ip: bucketSubject = "ip:" + addressOnly(exchange.clientAddress()); break;
    }
    AcquireRequest request;
    request.requests = {"req\n" + bucketRoute + "\n" + bucketSubject, policy.requests, 1};
    double tokenCost = 0;
    if (policy.tokens)
    {
        tokenCost = static_cast<double>(TokenEstimate::fromBody(exchange.body()).total());
        request.tokens = BucketCharge{tokensKey(principal), *policy.tokens, tokenCost};
    }

    const Decision decision = store_->acquire(request);
    metrics_.sample(bucketRoute, bucketSubject, decision.requests);
    exchange.set(HeadersAttr, serialize(rateLimitHeaders(decision, config_.ietfHeaders)));
    exchange.set(PrincipalAttr, principal);
    if (!decision.allowed)
    {
        refuse(exchange, route, principal, decision, tokenCost);
        return;
    }
    if (policy.tokens)
        exchange.set(ReservedAttr, whole(tokenCost));
}

void RateLimitPlugin::refuse(Exchange& exchange, const std::string& route, const std::string& principal,
                             const Decision& decision, double tokenCost)
{
    metrics_.exceeded(route, principal, decision.refusedBy);
    const std::string wait = formatResetDuration(decision.retryAfterSeconds);
    std::string message;
    if (decision.refusedBy == LimitKind::Requests)
        message = "Rate limit reached for requests on " + route + ": limit " + whole(decision.requests.limit) +
                  ", remaining " + whole(decision.requests.remaining) + ". Please try again in " + wait + ".";
    else if (decision.tokensOverCapacity)
        message = "Request too large for the tokens per minute limit: limit " + whole(decision.tokens->limit) +
                  ", requested " + whole(tokenCost) +
                  ". Shorten the input or lower max_tokens / max_output_tokens.";
    else
        message = "Rate limit reached for tokens per minute: limit " + whole(decision.tokens->limit) +
                  ", remaining " + whole(decision.tokens->remaining) + ", requested " + whole(tokenCost) +
                  ". Please try again in " + wait + ".";
    exchange.respondError(429, message, decision.refusedBy == LimitKind::Tokens ? "tokens" : "requests",
                          "rate_limit_exceeded");
}

void RateLimitPlugin::onResponseHead(Exchange& exchange)
{
    const std::string* lines = exchange.find(HeadersAttr);
    if (!lines)
        return;
    auto& headers = exchange.response().headers;
    std::size_t start = 0;
    while (start < lines->size())
    {
        const auto end = lines->find('\n', start);
        const auto colon = lines->find(": ", start);
        if (end == std::string::npos || colon == std::string::npos || colon > end)
            break;
        headers.set(lines->substr(start, colon - start), lines->substr(colon + 2, end - colon - 2));
        start = end + 1;
    }
}

void RateLimitPlugin::onComplete(Exchange& exchange, Outcome)
{
    const long long reserved = parseCount(exchange.find(ReservedAttr));
    if (reserved < 0)
        return;
    const std::string principal = exchange.get(PrincipalAttr);
    const std::string& route = exchange.route().empty() ? UnmatchedRoute : exchange.route();
    const Policy policy = config_.policyFor(route, principal);
    if (!policy.tokens)
        return;

    const long long input = parseCount(exchange.find(attr::UsageInputTokens));
    const long long output = parseCount(exchange.find(attr::UsageOutputTokens));
    long long actual = 0;
    if (input >= 0 || output >= 0)
        actual = std::max(0LL, input) + std::max(0LL, output);
    else if (exchange.response().status >= 400 || exchange.response().source != AnswerSource::Handler)
        actual = 0; // refused, failed or replayed: nothing was generated for it
    else
        return; // no usage reported: the estimate stands
    if (actual != reserved)
        store_->settle({tokensKey(principal), *policy.tokens, static_cast<double>(reserved - actual)});
}

std::string RateLimitPlugin::notReadyReason() const
{
    return store_->notReadyReason();
}

} // namespace portico::ratelimit
