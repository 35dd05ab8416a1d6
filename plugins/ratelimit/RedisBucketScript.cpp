// The Lua script of RedisBucketStore: TokenBucket.cpp's arithmetic, run inside Redis so that a
// decision over two buckets is atomic for every porticod sharing them.

#include "RedisBucketStore.h"

namespace portico::ratelimit {

namespace {

// KEYS: one or two buckets. ARGV[1]: "acquire" or "settle"; ARGV[2]: idle expiry in ms (0:
// none); then for bucket i: ARGV[3i] capacity, ARGV[3i+1] refill per second, ARGV[3i+2] cost
// (acquire: to take; settle: to add back, negative to take more).
// Returns {allowed 1|0, requests fit 1|0, level of bucket 1, level of bucket 2 or ""}, levels
// as strings because Redis turns Lua numbers into integers.
const char* const Source = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local idle = tonumber(ARGV[2])
-- About 34 years: beyond it PEXPIRE would overflow.
local maxExpiry = 1099511627776

local function level(i)
  local capacity, rate = tonumber(ARGV[3 * i]), tonumber(ARGV[3 * i + 1])
  local state = redis.call('HMGET', KEYS[i], 'v', 'u')
  local tokens, updated = tonumber(state[1]), tonumber(state[2])
  if tokens == nil or updated == nil then
    return capacity
  end
  if now > updated then
    return math.min(capacity, tokens + (now - updated) / 1000000 * rate)
  end
  return math.min(capacity, tokens)
end

local function store(i, tokens)
  local capacity, rate = tonumber(ARGV[3 * i]), tonumber(ARGV[3 * i + 1])
  if tokens >= capacity then
    redis.call('DEL', KEYS[i])
    return
  end
  local ms = math.ceil((capacity - tokens) / rate * 1000)
  if idle > 0 and idle < ms then ms = idle end
  if ms > maxExpiry then ms = maxExpiry end
  if ms < 1 then ms = 1 end
  redis.call('HSET', KEYS[i], 'v', string.format('%.17g', tokens), 'u', string.format('%d', now))
  redis.call('PEXPIRE', KEYS[i], string.format('%d', ms))
end

if ARGV[1] == 'settle' then
  local capacity = tonumber(ARGV[3])
  local tokens = level(1) + tonumber(ARGV[5])
  if tokens > capacity then tokens = capacity elseif tokens < -capacity then tokens = -capacity end
  store(1, tokens)
  return {1, 1, string.format('%.17g', tokens), ''}
end

local requests = level(1)
local requestCost = tonumber(ARGV[5])
local requestsFit = requests >= requestCost
local tokens, tokenCost
local tokensFit = true
if #KEYS == 2 then
  tokens = level(2)
  tokenCost = tonumber(ARGV[8])
  -- A request that needs no tokens is not held back by a token debt.
  tokensFit = tokenCost <= 0 or tokens >= tokenCost
end
local allowed = requestsFit and tokensFit
if allowed then
  requests = requests - requestCost
  if tokens then tokens = tokens - tokenCost end
end
-- Stored on a refusal too: the refill is folded in and the idle expiry restarts, as in memory.
store(1, requests)
if tokens then store(2, tokens) end
return {allowed and 1 or 0, requestsFit and 1 or 0, string.format('%.17g', requests),
        tokens and string.format('%.17g', tokens) or ''}
)lua";

} // namespace

RedisScript& bucketScript()
{
    static RedisScript script(Source);
    return script;
}

} // namespace portico::ratelimit
