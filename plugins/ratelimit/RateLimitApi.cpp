// ratelimit's part of the OpenAPI document: OpenAI's x-ratelimit-* headers on every answer of a
// limited route (not in exempt_routes), and the 429 with Retry-After.
#include "RateLimitPlugin.h"

namespace portico::ratelimit {

namespace {

bool anyTokenLimit(const RateLimitConfig& config)
{
    if (config.tokensPerMinute > 0)
        return true;
    for (const auto* overrides : {&config.byRoute, &config.byPrincipal, &config.byPair})
        for (const auto& entry : *overrides)
            if (entry.second.tokensPerMinute.value_or(0) > 0)
                return true;
    return false;
}

void header(ApiDescription& api, const std::string& name, const std::string& description, const char* type,
            const ApiDescription::RouteFilter& limited)
{
    api.addResponseHeader(name,
                          std::string("{\"description\": \"") + description + "\", \"schema\": {\"type\": \"" +
                              type + "\"}}",
                          "*", limited);
}

} // namespace

void RateLimitPlugin::describeApi(ApiDescription& api) const
{
    const RateLimitConfig& config = config_;
    const ApiDescription::RouteFilter limited = [&config](const std::string&, const std::string& pattern) {
        return !config.exempt(pattern);
    };
    api.addResponse("429", R"({
        "description": "A request or token limit is exhausted (rate_limit_exceeded).",
        "headers": {"Retry-After": {"description": "Seconds until a retry can succeed (at least 1).",
                                    "schema": {"type": "integer", "minimum": 1}}}
    })", limited);
    if (config.store == "redis" && config.redisFailure == RedisFailurePolicy::FailClosed)
        api.addResponse("503", R"({
        "description": "The shared rate-limit store (Redis) cannot be reached and redis_failure = fail_closed (service_unavailable).",
        "headers": {"Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer", "minimum": 1}}}
    })", limited);
    header(api, "x-ratelimit-limit-requests", "Requests the bucket holds when full.", "integer", limited);
    header(api, "x-ratelimit-remaining-requests", "Requests left in the bucket.", "integer", limited);
    header(api, "x-ratelimit-reset-requests", "Time until the bucket is full again, e.g. 1s or 6m0s.", "string",
           limited);
    if (anyTokenLimit(config))
    {
        const char* when = " Sent when a token limit applies to the request.";
        header(api, "x-ratelimit-limit-tokens", std::string("Tokens per minute allowed.") + when, "integer", limited);
        header(api, "x-ratelimit-remaining-tokens", std::string("Tokens left this minute.") + when, "integer",
               limited);
        header(api, "x-ratelimit-reset-tokens", std::string("Time until the token bucket is full again.") + when,
               "string", limited);
    }
    if (config.ietfHeaders)
    {
        header(api, "RateLimit-Policy", "The limits (IETF draft): \\\"requests\\\";q=<quota>;w=<window seconds>.",
               "string", limited);
        header(api, "RateLimit", "The state (IETF draft): \\\"requests\\\";r=<remaining>;t=<reset seconds>.",
               "string", limited);
    }
}

} // namespace portico::ratelimit
