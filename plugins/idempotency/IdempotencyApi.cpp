// idempotency's part of the OpenAPI document: on the routes it covers, the Idempotency-Key
// request header, the headers of a replay, and the 400/409/422 it answers.
#include "IdempotencyPlugin.h"

namespace portico::idempotency {

void IdempotencyPlugin::describeApi(ApiDescription& api) const
{
    const IdempotencyConfig& config = config_;
    const ApiDescription::RouteFilter covered = [&config](const std::string& method, const std::string& pattern) {
        return config.covers(method, pattern);
    };
    api.addRequestHeader("Idempotency-Key",
                         std::string(R"({"description": "Replays the stored answer of the first request with this key (same principal and route) instead of running it again.", "required": )") +
                             (config.requireKey ? "true" : "false") +
                             R"(, "schema": {"type": "string", "minLength": 1, "maxLength": 255}})",
                         covered);
    api.addResponse("400", R"({"description": "The request is invalid, or the Idempotency-Key header is malformed, repeated or missing where required (invalid_idempotency_key, idempotency_key_required)."})",
                    covered);
    api.addResponse("409", R"({
        "description": "A request with this Idempotency-Key is still running (idempotency_key_in_use).",
        "headers": {"Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer", "minimum": 1}}}
    })", covered);
    api.addResponse("422", R"({"description": "The Idempotency-Key was used with a different request body (idempotency_key_reused)."})",
                    covered);
    if (config.store == StoreKind::Redis && config.redisFailure == RedisFailurePolicy::FailClosed)
        api.addResponse("503", R"({"description": "The shared idempotency store (Redis) cannot be reached and redis_failure = fail_closed: a request with an Idempotency-Key is not run (service_unavailable)."})",
                        covered);
    api.addResponseHeader("Idempotency-Key", R"({"description": "The request's Idempotency-Key, echoed.", "schema": {"type": "string"}})",
                          "*", covered);
    api.addResponseHeader("Idempotent-Replayed", R"({"description": "true when this answer is a replay of the stored one.", "schema": {"type": "string", "const": "true"}})",
                          "*", covered);
}

} // namespace portico::idempotency
