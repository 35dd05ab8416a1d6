#include "RedisBucketStore.h"
#include "Poco/NumberParser.h"
#include <algorithm>
#include <cstdio>

namespace portico::ratelimit {

namespace {

/// A double as the script reads it back exactly (17 significant digits, C locale).
std::string number(double value)
{
    char text[40];
    std::snprintf(text, sizeof text, "%.17g", value);
    return text;
}

void appendCharge(std::vector<std::string>& args, const BucketCharge& charge)
{
    args.push_back(number(charge.limit.capacity));
    args.push_back(number(charge.limit.perSecond));
    args.push_back(number(charge.cost));
}

struct ScriptResult
{
    bool allowed = false;
    bool requestsFit = false;
    double first = 0;
    double second = 0;
};

double parseLevel(const std::optional<std::string>& text)
{
    double value = 0;
    if (!text || !Poco::NumberParser::tryParseFloat(*text, value))
        throw RedisUnavailable("the rate-limit script answered '" + text.value_or("nil") + "' where a level was expected",
                               0);
    return value;
}

ScriptResult parse(const RedisReply& reply, bool twoBuckets)
{
    const std::vector<RedisReply> elements = replyElements(reply);
    if (elements.size() != 4)
        throw RedisUnavailable("the rate-limit script answered " + std::to_string(elements.size()) +
                                   " values instead of 4",
                               0);
    ScriptResult result;
    result.allowed = replyText(elements[0]).value_or("0") == "1";
    result.requestsFit = replyText(elements[1]).value_or("0") == "1";
    result.first = parseLevel(replyText(elements[2]));
    if (twoBuckets)
        result.second = parseLevel(replyText(elements[3]));
    return result;
}

} // namespace

RedisBucketStore::RedisBucketStore(std::shared_ptr<RedisPool> pool, std::string prefix, std::chrono::milliseconds idle)
    : pool_(std::move(pool)), prefix_(std::move(prefix)), idleMillis_(std::to_string(std::max<long long>(0, idle.count())))
{
}

Decision RedisBucketStore::acquire(const AcquireRequest& request)
{
    std::vector<std::string> keys{redisKey(request.requests.key)};
    std::vector<std::string> args{"acquire", idleMillis_};
    args.reserve(8);
    appendCharge(args, request.requests);
    if (request.tokens)
    {
        keys.push_back(redisKey(request.tokens->key));
        appendCharge(args, *request.tokens);
    }
    const ScriptResult result = parse(pool_->run(bucketScript(), keys, args), request.tokens.has_value());

    // The same decision MemoryBucketStore::acquire makes, from the levels the script reports.
    const BucketState requests{result.first, 0};
    const BucketState tokens{result.second, 0};
    const double tokenCost = request.tokens ? request.tokens->cost : 0;
    Decision decision;
    decision.allowed = result.allowed;
    if (!decision.allowed)
    {
        decision.refusedBy = result.requestsFit ? LimitKind::Tokens : LimitKind::Requests;
        double wait = TokenBucket::secondsUntil(requests, request.requests.limit, request.requests.cost);
        if (request.tokens && tokenCost > 0)
            wait = std::max(wait, TokenBucket::secondsUntil(tokens, request.tokens->limit, tokenCost));
        decision.retryAfterSeconds = wait;
    }
    decision.requests = TokenBucket::view(requests, request.requests.limit);
    if (request.tokens)
    {
        decision.tokens = TokenBucket::view(tokens, request.tokens->limit);
        decision.tokensOverCapacity = tokenCost > request.tokens->limit.capacity;
    }
    return decision;
}

BucketView RedisBucketStore::settle(const BucketCharge& charge)
{
    std::vector<std::string> args{"settle", idleMillis_};
    appendCharge(args, charge);
    const ScriptResult result = parse(pool_->run(bucketScript(), {redisKey(charge.key)}, args), false);
    return TokenBucket::view(BucketState{result.first, 0}, charge.limit);
}

std::string RedisBucketStore::notReadyReason() const
{
    return pool_->unavailableReason();
}

} // namespace portico::ratelimit
