#pragma once
// ratelimit: token buckets per principal and route (see RateLimitConfig for the keying), a
// tokens-per-minute limit per principal with reserve-then-settle, OpenAI's x-ratelimit-*
// headers on every answer of a limited route, and 429 in OpenAI's error shape.
//
// Request hook: resolves the principal (attr::Principal, else the client address or
// "anonymous"), reserves one request and, when a token limit applies, the request's token
// estimate, atomically in the bucket store; refuses with 429 when either is short.
// Response-head hook: writes the headers of that decision (also on the 429, and on answers
// produced further in, e.g. a 500). Completion hook: settles the token reservation with the
// real usage (attr::UsageInputTokens + attr::UsageOutputTokens).

#include "BucketStore.h"
#include "RateLimitConfig.h"
#include "RateLimitMetrics.h"
#include "portico/Plugin.h"
#include "portico/PluginContext.h"
#include <memory>
#include <string>

namespace portico::ratelimit {

class RateLimitPlugin : public Plugin
{
public:
    /// Uses the process-wide store of this plugin's section (kept across reloads).
    explicit RateLimitPlugin(PluginContext& context);
    /// Uses `store` (tests drive it with a manual clock).
    RateLimitPlugin(PluginContext& context, std::shared_ptr<BucketStore> store);

    void onRequest(Exchange& exchange) override;
    void onResponseHead(Exchange& exchange) override;
    void onComplete(Exchange& exchange, Outcome outcome) override;
    std::string notReadyReason() const override;
    void describeApi(ApiDescription& api) const override;
    /// The memory store decides in memory; the Redis store waits on Redis.
    Blocking blocking() const override;

    /// The principal a request is limited as: attr::Principal, else "ip:<client address>" or
    /// "anonymous" (ratelimit.anonymous).
    std::string principalOf(const Exchange& exchange) const;

private:
    /// What the request hook decided, for the response-head and completion hooks.
    struct RequestState
    {
        bool decided = false;
        /// The store could not decide and the request is refused (fail closed): Retry-After only.
        bool retryOnly = false;
        Decision decision;
        /// Tokens reserved for the request (when a token limit applies), and for whom.
        long long reserved = -1;
        std::string principal;
    };

    RateLimitPlugin(PluginContext& context, RateLimitConfig config, std::shared_ptr<BucketStore> store);
    /// principalOf(), as a reference to attr::Principal when that is it (else to `storage`).
    const std::string& principalOf(const Exchange& exchange, std::string& storage) const;

    void refuse(Exchange& exchange, const std::string& route, const std::string& principal,
                const Decision& decision, double tokenCost);
    /// The store could not decide (Redis unavailable): ratelimit.redis_failure says whether the
    /// request passes unlimited or gets a 503.
    void storeUnavailable(Exchange& exchange, const RedisUnavailable& error);

    const RateLimitConfig config_;
    /// config_.anyTokenLimit(): without one, the completion hook has nothing to settle.
    const bool tokenLimits_;
    const StateSlot<RequestState> state_;
    std::shared_ptr<BucketStore> store_;
    RateLimitMetrics metrics_;
    /// store = redis only: counts and logs Redis failures.
    std::unique_ptr<RedisFailureReporter> redisFailures_;
};

/// The address part of "host:port" / "[v6]:port" (what Exchange::clientAddress() holds).
std::string addressOnly(const std::string& clientAddress);

} // namespace portico::ratelimit
