#include "SharedKeyCounters.h"
#include "RedisNumber.h"
#include <stdexcept>

namespace portico::auth {

namespace {

/// KeyLimiter's buckets, in Redis, on Redis's own clock (TIME) so that every instance sees one
/// bucket. ARGV: the rate per minute; "request" to take one request when a whole one is there,
/// or the tokens to charge ("0": only ask whether the bucket is above zero); KeyLimiter::Unit.
/// Lua numbers are doubles, exact below 2^53: rates up to 150 million. Returns {admitted,
/// units left} (a token bucket's may be below zero).
RedisScript& bucketScript()
{
    static RedisScript script(R"lua(
local rate = tonumber(ARGV[1])
local unit = tonumber(ARGV[3])
local capacity = rate * unit
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local state = redis.call('HMGET', KEYS[1], 'units', 'at')
local units = tonumber(state[1])
local at = tonumber(state[2])
if units == nil or at == nil or units > capacity then
  units = capacity
  at = now
elseif now > at then
  units = math.min(capacity, units + math.min(now - at, unit) * rate)
  at = now
end
local admitted = 0
if ARGV[2] == 'request' then
  if units >= unit then
    units = units - unit
    admitted = 1
  end
else
  units = units - tonumber(ARGV[2]) * unit
  if units > 0 then admitted = 1 end
end
redis.call('HSET', KEYS[1], 'units', string.format('%d', units), 'at', string.format('%d', at))
redis.call('PEXPIRE', KEYS[1], 600000)
return {tostring(admitted), string.format('%d', units)}
)lua");
    return script;
}

std::string spendKey(const std::string& id, const std::string& firstDay)
{
    return "portico:vk:{" + id + "}:spend:" + (firstDay.empty() ? std::string("total") : firstDay);
}

/// Runs the bucket script for `key` and decides as KeyLimiter does.
KeyLimiter::Decision runBucket(RedisPool& pool, const std::string& key, std::int64_t rate, const std::string& take)
{
    const auto elements = replyElements(
        pool.run(bucketScript(), {key}, {std::to_string(rate), take, std::to_string(KeyLimiter::Unit)}));
    if (elements.size() != 2)
        throw RedisUnavailable("the virtual-key bucket script answered " + std::to_string(elements.size()) +
                                   " values instead of 2",
                               0);
    return KeyLimiter::decision(replyText(elements[0]).value_or("0") == "1", redisNumber(replyText(elements[1])), rate,
                                take != "request");
}

} // namespace

KeyLimiter::Decision SharedKeyCounters::takeRequest(const std::string& id, std::int64_t rpm)
{
    return runBucket(*pool_, "portico:vk:{" + id + "}:rpm", rpm, "request");
}

KeyLimiter::Decision SharedKeyCounters::admitTokens(const std::string& id, std::int64_t tpm)
{
    return runBucket(*pool_, "portico:vk:{" + id + "}:tpm", tpm, "0");
}

void SharedKeyCounters::chargeTokens(const std::string& id, std::int64_t tpm, std::int64_t tokens)
{
    runBucket(*pool_, "portico:vk:{" + id + "}:tpm", tpm, std::to_string(tokens));
}

std::int64_t SharedKeyCounters::spent(const std::string& id, const std::string& firstDay)
{
    return redisNumber(replyText(pool_->execute(Poco::Redis::Array() << "GET" << spendKey(id, firstDay))));
}

void SharedKeyCounters::addSpend(const std::string& id, const std::string& firstDay, std::int64_t pico)
{
    const std::string key = spendKey(id, firstDay);
    pool_->execute(Poco::Redis::Array() << "INCRBY" << key << std::to_string(pico));
    // A period's counter outlives its period by a week (a month is at most 31 days); the
    // all-time one stays.
    if (!firstDay.empty())
        pool_->execute(Poco::Redis::Array() << "EXPIRE" << key << std::to_string(38 * 86400));
}

} // namespace portico::auth
