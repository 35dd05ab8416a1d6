#include "SharedKeyCounters.h"
#include <stdexcept>

namespace portico::auth {

namespace {

/// KeyLimiter's bucket, in Redis: units of 1/60,000,000 request, refilled at rpm units per
/// microsecond of Redis's own clock (TIME), so every instance sees one bucket. Lua numbers are
/// doubles, exact below 2^53: rpm up to 150 million. Returns {admitted, units left}.
RedisScript& bucketScript()
{
    static RedisScript script(R"lua(
local unit = 60000000
local rpm = tonumber(ARGV[1])
local capacity = rpm * unit
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local state = redis.call('HMGET', KEYS[1], 'units', 'at')
local units = tonumber(state[1])
local at = tonumber(state[2])
if units == nil or at == nil or units > capacity then
  units = capacity
  at = now
elseif now > at then
  units = math.min(capacity, units + math.min(now - at, unit) * rpm)
  at = now
end
local admitted = 0
if units >= unit then
  units = units - unit
  admitted = 1
end
redis.call('HSET', KEYS[1], 'units', string.format('%d', units), 'at', string.format('%d', at))
redis.call('PEXPIRE', KEYS[1], 120000)
return {tostring(admitted), string.format('%d', units)}
)lua");
    return script;
}

/// KeyLimiter's token bucket: ARGV[1] = tpm, ARGV[2] = tokens to charge (0: only ask whether
/// the bucket is above zero). Returns {admitted, units left} (units may be below zero).
RedisScript& tokenScript()
{
    static RedisScript script(R"lua(
local unit = 60000000
local tpm = tonumber(ARGV[1])
local charge = tonumber(ARGV[2])
local capacity = tpm * unit
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local state = redis.call('HMGET', KEYS[1], 'units', 'at')
local units = tonumber(state[1])
local at = tonumber(state[2])
if units == nil or at == nil or units > capacity then
  units = capacity
  at = now
elseif now > at then
  units = math.min(capacity, units + math.min(now - at, unit) * tpm)
  at = now
end
units = units - charge * unit
local admitted = 0
if units > 0 then admitted = 1 end
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

std::int64_t number(const std::optional<std::string>& text)
{
    if (!text || text->empty())
        return 0;
    try
    {
        return std::stoll(*text);
    }
    catch (const std::exception&)
    {
        throw RedisUnavailable("Redis answered '" + *text + "' where a number was expected", 0);
    }
}


/// A script's {admitted, units} as KeyLimiter would decide: `tokens` for the token bucket (admitted
/// above zero) rather than the request bucket (admitted when a whole request was there).
KeyLimiter::Decision decisionOf(const RedisReply& reply, std::int64_t rate, bool tokens)
{
    constexpr std::int64_t Unit = 60'000'000;
    const auto elements = replyElements(reply);
    if (elements.size() != 2)
        throw RedisUnavailable("a virtual-key bucket script answered " + std::to_string(elements.size()) +
                                   " values instead of 2",
                               0);
    KeyLimiter::Decision decision;
    decision.admitted = replyText(elements[0]).value_or("0") == "1";
    const std::int64_t units = number(replyText(elements[1]));
    decision.remaining = units > 0 ? units / Unit : 0;
    const std::int64_t full = rate * Unit - units;
    const std::int64_t missing = decision.admitted ? full : (tokens ? 1 - units : Unit - units);
    const std::int64_t us = (missing + rate - 1) / rate;
    decision.wait = std::chrono::milliseconds((us + 999) / 1000);
    return decision;
}

} // namespace

KeyLimiter::Decision SharedKeyCounters::takeRequest(const std::string& id, std::int64_t rpm)
{
    return decisionOf(pool_->run(bucketScript(), {"portico:vk:{" + id + "}:rpm"}, {std::to_string(rpm)}), rpm, false);
}

KeyLimiter::Decision SharedKeyCounters::admitTokens(const std::string& id, std::int64_t tpm)
{
    return decisionOf(pool_->run(tokenScript(), {"portico:vk:{" + id + "}:tpm"}, {std::to_string(tpm), "0"}), tpm, true);
}

void SharedKeyCounters::chargeTokens(const std::string& id, std::int64_t tpm, std::int64_t tokens)
{
    pool_->run(tokenScript(), {"portico:vk:{" + id + "}:tpm"}, {std::to_string(tpm), std::to_string(tokens)});
}

std::int64_t SharedKeyCounters::spent(const std::string& id, const std::string& firstDay)
{
    return number(replyText(pool_->execute(Poco::Redis::Array() << "GET" << spendKey(id, firstDay))));
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
