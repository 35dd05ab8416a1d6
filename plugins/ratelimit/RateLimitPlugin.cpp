#include "RateLimitPlugin.h"
#include "ProcessState.h"
#include "RateLimitHeaders.h"
#include "RedisBucketStore.h"
#include "TokenEstimate.h"
#include "portico/Attributes.h"
#include <cmath>
#include <cstring>
#include <string_view>
#include <type_traits>

namespace portico::ratelimit {

namespace {

const std::string UnmatchedRoute = "unmatched";

std::string tokensKey(const std::string& principal)
{
    std::string key;
    key.reserve(principal.size() + 4);
    key += "tok\n";
    key += principal;
    return key;
}

std::string whole(double value)
{
    return std::to_string(static_cast<long long>(std::floor(value)));
}

/// `key` becomes "<prefix>\n<middle>\n<last>", copied in place. The caller's key is one this
/// thread keeps (onRequest): once it has grown, no request allocates or frees a key, and the
/// length is cut by erase (inline) rather than through resize.
void joinKeyInto(std::string& key, std::string_view prefix, const std::string& middle, const std::string& last)
{
    const std::size_t size = prefix.size() + middle.size() + last.size() + 2;
    if (key.size() < size)
        key.resize(size);
    else
        key.erase(size);
    char* at = key.data();
    std::memcpy(at, prefix.data(), prefix.size());
    at += prefix.size();
    *at++ = '\n';
    std::memcpy(at, middle.data(), middle.size());
    at += middle.size();
    *at++ = '\n';
    std::memcpy(at, last.data(), last.size());
}

RateLimitConfig readConfig(PluginContext& context)
{
    return RateLimitConfig::from(context.config());
}

/// The store ratelimit.store names: the process-wide memory store of this section (kept across
/// reloads), or buckets in Redis under "portico:<section>:".
std::shared_ptr<BucketStore> openStore(PluginContext& context, const RateLimitConfig& config)
{
    const std::string& section = context.config().section();
    if (config.store == "redis")
        return std::make_shared<RedisBucketStore>(
            redisPool(context.config()), "portico:" + section + ":",
            std::chrono::milliseconds(config.eviction.idleNanos / 1'000'000));
    return ProcessState::memoryStore(section, config.eviction);
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
    : config_(std::move(config)), tokenLimits_(config_.anyTokenLimit()),
      state_(context.stateSlot<RequestState>()),
      store_(store ? std::move(store) : openStore(context, config_)),
      metrics_(context.metrics(),
               ProcessState::principalLabels(context.config().section(),
                                             static_cast<std::size_t>(config_.maxPrincipalLabels)),
               MetricsSettings{config_.gauges, config_.gaugeSampleEvery}),
      redisFailures_(config_.store == "redis"
                         ? std::make_unique<RedisFailureReporter>(context.metrics(), context.logger(),
                                                                  context.config().section(), config_.redisFailure)
                         : nullptr)
{
}

std::string RateLimitPlugin::principalOf(const Exchange& exchange) const
{
    std::string storage;
    return principalOf(exchange, storage);
}

const std::string& RateLimitPlugin::principalOf(const Exchange& exchange, std::string& storage) const
{
    if (const std::string* principal = exchange.find(attr::Principal); principal && !principal->empty())
        return *principal;
    storage = config_.anonymous == Anonymous::Shared ? std::string("anonymous")
                                                     : "ip:" + addressOnly(exchange.clientAddress());
    return storage;
}

void RateLimitPlugin::onRequest(Exchange& exchange)
{
    const std::string& route = exchange.route().empty() ? UnmatchedRoute : exchange.route();
    if (config_.exempt(route))
        return;
    std::string principalStorage;
    const std::string& principal = principalOf(exchange, principalStorage); // no copy of attr::Principal
    const Policy policy = config_.policyFor(route, principal);

    // The request bucket's key and the (route, principal) it is reported under: references to
    // the strings at hand rather than copies (only an ip key is made here).
    std::string ipSubject;
    const std::string* bucketRoute = &Exchange::empty();
    const std::string* bucketSubject = &Exchange::empty();
    switch (config_.keying)
    {
    case Keying::RoutePrincipal: bucketRoute = &route; bucketSubject = &principal; break;
    case Keying::Principal: bucketSubject = &principal; break;
    case Keying::Route: bucketRoute = &route; break;
    case Keying::Ip:
        ipSubject = "ip:" + addressOnly(exchange.clientAddress());
        bucketSubject = &ipSubject;
        break;
    }
    // One per thread, its keys' buffers kept from the last request (joinKeyInto): the store
    // call below is synchronous, and nothing in between runs another request on this thread.
    static thread_local AcquireRequest request;
    joinKeyInto(request.requests.key, "req", *bucketRoute, *bucketSubject);
    request.requests.limit = policy.requests;
    request.requests.cost = 1;
    request.tokens.reset();
    double tokenCost = 0;
    if (policy.tokens)
    {
        tokenCost = static_cast<double>(TokenEstimate::fromBody(exchange.body()).total());
        request.tokens = BucketCharge{tokensKey(principal), *policy.tokens, tokenCost};
    }

    Decision decision;
    try
    {
        decision = store_->acquire(request);
    }
    catch (const RedisUnavailable& error)
    {
        storeUnavailable(exchange, error);
        return;
    }
    metrics_.sample(request.requests.key, *bucketRoute, *bucketSubject, decision.requests);
    RequestState& state = exchange.emplaceState(state_);
    state.decided = true;
    state.decision = decision;
    if (!decision.allowed)
    {
        refuse(exchange, route, principal, decision, tokenCost);
        return;
    }
    if (policy.tokens)
    {
        state.reserved = static_cast<long long>(std::floor(tokenCost));
        state.principal = principal;
    }
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

void RateLimitPlugin::storeUnavailable(Exchange& exchange, const RedisUnavailable& error)
{
    if (!redisFailures_)
        throw error; // not a Redis store: the core answers 500, as for any other failure
    const bool open = redisFailures_->policy() == RedisFailurePolicy::FailOpen;
    redisFailures_->report(error, open ? "requests pass without rate limits until Redis answers"
                                       : "requests are refused with 503 until Redis answers");
    if (open)
        return; // no x-ratelimit-* headers: there are no real values to give
    exchange.emplaceState(state_).retryOnly = true;
    exchange.respondError(503,
                          "Rate limiting is temporarily unavailable (its shared store cannot be reached), so "
                          "the request was not served. Please try again shortly.",
                          "server_error", "service_unavailable");
}

void RateLimitPlugin::onResponseHead(Exchange& exchange)
{
    const RequestState* state = exchange.state(state_);
    if (!state)
        return;
    auto& headers = exchange.response().headers;
    if (state->retryOnly)
        applyRetryAfterOnly(headers);
    else if (state->decided)
        applyRateLimitHeaders(state->decision, config_.ietfHeaders, headers);
}

Blocking RateLimitPlugin::blocking() const
{
    return config_.store == "redis" ? Blocking::May : Blocking::Never;
}

void RateLimitPlugin::onComplete(Exchange& exchange, Outcome)
{
    if (!tokenLimits_)
        return; // nothing was reserved
    const RequestState* state = exchange.state(state_);
    if (!state || state->reserved < 0)
        return;
    const long long reserved = state->reserved;
    const std::string& principal = state->principal;
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
    if (actual == reserved)
        return;
    try
    {
        store_->settle({tokensKey(principal), *policy.tokens, static_cast<double>(reserved - actual)});
    }
    catch (const RedisUnavailable& error)
    {
        if (!redisFailures_)
            throw;
        redisFailures_->report(error, "token usage is not settled (the reservation stands)");
    }
}

std::string RateLimitPlugin::notReadyReason() const
{
    return store_->notReadyReason();
}

} // namespace portico::ratelimit
