#include "RedisKeyStore.h"
#include "RedisNumber.h"
#include <algorithm>
#include <map>
#include <stdexcept>
#include <tuple>

namespace portico::auth {

namespace {

const std::string Prefix = "{portico:vks}:";
const std::string Keys = Prefix + "keys";
const std::string Digests = Prefix + "digests";
const std::string Revision = Prefix + "revision";
const std::string Days = Prefix + "days";
const std::string TotalSpend = Prefix + "spend:total";
constexpr char Separator = '\x1f';

std::string daySpend(const std::string& day)
{
    return Prefix + "spend:" + day;
}

std::string dayKeySpend(const std::string& day)
{
    return Prefix + "spend:" + day + ":keys";
}

/// The policy part of a record; metadata last, so that it may hold any byte.
std::string policyText(const VirtualKey& key)
{
    std::string out = modelsToJson(key.models);
    for (std::int64_t number : {key.rpm, key.tpm, key.maxInFlight, key.expiresAt, key.budgetMicros})
        out += Separator + std::to_string(number);
    return out + Separator + budgetPeriodName(key.budgetPeriod) + Separator + key.metadata;
}

std::int64_t integerField(const std::string& text, const std::string& id)
{
    std::size_t used = 0;
    long long value = 0;
    try
    {
        value = std::stoll(text, &used);
    }
    catch (const std::exception&)
    {
    }
    if (text.empty() || used != text.size())
        throw std::runtime_error("the Redis key store has a malformed record for key " + id);
    return value;
}

/// A record of `keys` back into its digest and key.
std::pair<KeyStore::Digest, VirtualKey> parseRecord(const std::string& id, const std::string& record)
{
    // digest, created_at, revoked_at, models, rpm, tpm, max_in_flight, expires_at,
    // budget_micros, budget_period, then metadata (the rest, whatever it holds).
    constexpr std::size_t Fields = 11;
    std::vector<std::string> fields;
    std::size_t begin = 0;
    while (fields.size() + 1 < Fields)
    {
        const std::size_t end = record.find(Separator, begin);
        if (end == std::string::npos)
            throw std::runtime_error("the Redis key store has a malformed record for key " + id);
        fields.push_back(record.substr(begin, end - begin));
        begin = end + 1;
    }
    fields.push_back(record.substr(begin));
    std::pair<KeyStore::Digest, VirtualKey> parsed;
    if (!KeyStore::parseDigest(fields[0], parsed.first))
        throw std::runtime_error("the Redis key store has a malformed digest for key " + id);
    VirtualKey& key = parsed.second;
    key.id = id;
    key.createdAt = integerField(fields[1], id);
    key.revokedAt = integerField(fields[2], id);
    try
    {
        key.models = modelsFromJson(fields[3]);
    }
    catch (const std::exception&)
    {
        throw std::runtime_error("the Redis key store has malformed models for key " + id);
    }
    key.rpm = integerField(fields[4], id);
    key.tpm = integerField(fields[5], id);
    key.maxInFlight = integerField(fields[6], id);
    key.expiresAt = integerField(fields[7], id);
    key.budgetMicros = integerField(fields[8], id);
    key.budgetPeriod = budgetPeriodNamed(fields[9]);
    key.metadata = fields[10];
    return parsed;
}

/// A HGETALL reply as (field, value) pairs.
std::vector<std::pair<std::string, std::string>> hashPairs(const RedisReply& reply)
{
    const auto elements = replyElements(reply);
    std::vector<std::pair<std::string, std::string>> pairs;
    pairs.reserve(elements.size() / 2);
    for (std::size_t i = 0; i + 1 < elements.size(); i += 2)
        pairs.emplace_back(replyText(elements[i]).value_or(""), replyText(elements[i + 1]).value_or(""));
    return pairs;
}

// KEYS: keys, digests, revision. ARGV: id, digest hex, record. Refuses a taken digest or id.
RedisScript insertScript(R"lua(
if redis.call('HSETNX', KEYS[2], ARGV[2], ARGV[1]) == 0 then
  return redis.error_reply('PORTICO a key with this digest exists')
end
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[3]) == 0 then
  redis.call('HDEL', KEYS[2], ARGV[2])
  return redis.error_reply('PORTICO a key with this id exists')
end
redis.call('INCR', KEYS[3])
return 1
)lua");

// KEYS: keys, revision. ARGV: id, what ("policy" or "revoke"), the new policy or the unix
// seconds of the revocation. A policy replaces all but the record's first three fields (digest,
// created_at, revoked_at); a revocation sets the third, only on a key not revoked yet.
RedisScript changeScript(R"lua(
local old = redis.call('HGET', KEYS[1], ARGV[1])
if not old then return 0 end
local a = string.find(old, '\31', 1, true)
local b = a and string.find(old, '\31', a + 1, true)
local c = b and string.find(old, '\31', b + 1, true)
if not c then return redis.error_reply('PORTICO malformed record') end
local new
if ARGV[2] == 'revoke' then
  if string.sub(old, b + 1, c - 1) ~= '0' then return 0 end
  new = string.sub(old, 1, b) .. ARGV[3] .. string.sub(old, c)
else
  new = string.sub(old, 1, c) .. ARGV[3]
end
redis.call('HSET', KEYS[1], ARGV[1], new)
redis.call('INCR', KEYS[2])
return 1
)lua");

// KEYS: days, spend:total. ARGV: the key prefix, then per entry: key id, model, day, input,
// cached input, output, pico-dollars. Numbers stay text: HINCRBY adds them exactly.
RedisScript spendScript(R"lua(
local prefix = ARGV[1]
for i = 2, #ARGV, 7 do
  local key, model, day = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local row = key .. '\31' .. model .. '\31'
  local spend = prefix .. 'spend:' .. day
  redis.call('HINCRBY', spend, row .. 'r', 1)
  redis.call('HINCRBY', spend, row .. 'i', ARGV[i + 3])
  redis.call('HINCRBY', spend, row .. 'c', ARGV[i + 4])
  redis.call('HINCRBY', spend, row .. 'o', ARGV[i + 5])
  redis.call('HINCRBY', spend, row .. 'p', ARGV[i + 6])
  redis.call('HINCRBY', spend .. ':keys', key, ARGV[i + 6])
  redis.call('HINCRBY', KEYS[2], key, ARGV[i + 6])
  redis.call('ZADD', KEYS[1], 0, day)
end
return 1
)lua");

/// "PORTICO ..." error replies of the scripts, as the pool reports them, without its wording.
[[noreturn]] void rethrowScriptError(const RedisUnavailable& error)
{
    const std::string what = error.what();
    const auto at = what.find("PORTICO ");
    if (at == std::string::npos)
        throw;
    throw std::runtime_error("the Redis key store refused the change: " + what.substr(at + 8));
}

} // namespace

void RedisKeyStore::insert(const VirtualKey& key, const KeyStore::Digest& digest)
{
    const std::string hex = KeyStore::hexOf(digest);
    const std::string record = hex + Separator + std::to_string(key.createdAt) + Separator +
                               std::to_string(key.revokedAt) + Separator + policyText(key);
    try
    {
        pool_->run(insertScript, {Keys, Digests, Revision}, {key.id, hex, record});
    }
    catch (const RedisUnavailable& e)
    {
        rethrowScriptError(e);
    }
}

bool RedisKeyStore::update(const VirtualKey& key)
{
    return redisNumber(replyText(pool_->run(changeScript, {Keys, Revision}, {key.id, "policy", policyText(key)}))) == 1;
}

bool RedisKeyStore::revoke(const std::string& id, std::int64_t when)
{
    return redisNumber(replyText(pool_->run(changeScript, {Keys, Revision}, {id, "revoke", std::to_string(when)}))) == 1;
}

std::optional<VirtualKey> RedisKeyStore::find(const std::string& id)
{
    const auto record = replyText(pool_->execute(Poco::Redis::Array() << "HGET" << Keys << id));
    if (!record)
        return std::nullopt;
    return parseRecord(id, *record).second;
}

std::vector<VirtualKey> RedisKeyStore::list()
{
    std::vector<VirtualKey> keys;
    for (auto& entry : loadAll())
        keys.push_back(std::move(entry.second));
    std::sort(keys.begin(), keys.end(), [](const VirtualKey& a, const VirtualKey& b) {
        return std::tie(a.createdAt, a.id) < std::tie(b.createdAt, b.id);
    });
    return keys;
}

std::vector<std::pair<KeyStore::Digest, VirtualKey>> RedisKeyStore::loadAll()
{
    // HSCAN in pages rather than one HGETALL: Redis serves one command at a time, and the other
    // instances' rate-limit calls should not wait behind 100,000 keys. A key changed during the
    // scan may come back old or new; its change also moved the revision, which the caller read
    // before calling this, so the next refresh loads it again.
    std::unordered_map<std::string, std::string> records; // HSCAN may return a field twice
    std::string cursor = "0";
    do
    {
        const auto page = replyElements(
            pool_->execute(Poco::Redis::Array() << "HSCAN" << Keys << cursor << "COUNT" << "1000"));
        if (page.size() != 2)
            throw RedisUnavailable("Redis answered HSCAN with " + std::to_string(page.size()) + " values instead of 2", 0);
        cursor = replyText(page[0]).value_or("0");
        for (auto& [id, record] : hashPairs(page[1]))
            records[std::move(id)] = std::move(record);
    } while (cursor != "0");
    std::vector<std::pair<KeyStore::Digest, VirtualKey>> keys;
    keys.reserve(records.size());
    for (const auto& [id, record] : records)
        keys.push_back(parseRecord(id, record));
    return keys;
}

std::int64_t RedisKeyStore::revision()
{
    return redisNumber(replyText(pool_->execute(Poco::Redis::Array() << "GET" << Revision)));
}

void RedisKeyStore::recordSpend(const std::vector<SpendEntry>& entries)
{
    if (entries.empty())
        return;
    std::vector<std::string> args{Prefix};
    args.reserve(1 + entries.size() * 7);
    for (const auto& entry : entries)
    {
        args.push_back(entry.keyId);
        args.push_back(entry.model);
        args.push_back(entry.day);
        for (std::int64_t count : {entry.inputTokens, entry.cachedInputTokens, entry.outputTokens, entry.costPico})
            args.push_back(std::to_string(count));
    }
    pool_->run(spendScript, {Days, TotalSpend}, args);
}

std::unordered_map<std::string, std::int64_t> RedisKeyStore::spendSince(const std::string& firstDay)
{
    std::unordered_map<std::string, std::int64_t> spend;
    if (firstDay.empty())
    {
        for (const auto& [id, pico] : hashPairs(pool_->execute(Poco::Redis::Array() << "HGETALL" << TotalSpend)))
            spend[id] = redisNumber(pico);
        return spend;
    }
    const auto days = replyElements(pool_->execute(Poco::Redis::Array() << "ZRANGEBYLEX" << Days << "[" + firstDay << "+"));
    for (const auto& day : days)
        for (const auto& [id, pico] :
             hashPairs(pool_->execute(Poco::Redis::Array() << "HGETALL" << dayKeySpend(replyText(day).value_or("")))))
            spend[id] += redisNumber(pico);
    return spend;
}

std::vector<SpendRow> RedisKeyStore::spendRows(const SpendFilter& filter)
{
    const std::string from = filter.fromDay.empty() ? "-" : "[" + filter.fromDay;
    const std::string to = filter.toDay.empty() ? "+" : "[" + filter.toDay;
    const auto days = replyElements(pool_->execute(Poco::Redis::Array() << "ZRANGEBYLEX" << Days << from << to));
    std::vector<SpendRow> rows;
    for (const auto& dayReply : days)
    {
        const std::string day = replyText(dayReply).value_or("");
        // Ordered by key, then model, as the SQLite store's rows are.
        std::map<std::pair<std::string, std::string>, SpendRow> byRow;
        for (const auto& [field, value] : hashPairs(pool_->execute(Poco::Redis::Array() << "HGETALL" << daySpend(day))))
        {
            const auto first = field.find(Separator);
            const auto last = field.rfind(Separator);
            if (first == std::string::npos || last == first || last + 2 != field.size())
                continue; // not a field spendScript writes
            std::string keyId = field.substr(0, first), model = field.substr(first + 1, last - first - 1);
            if ((!filter.keyId.empty() && keyId != filter.keyId) || (!filter.model.empty() && model != filter.model))
                continue;
            SpendRow& row = byRow[{keyId, model}];
            row.keyId = std::move(keyId);
            row.model = std::move(model);
            row.day = day;
            const std::int64_t count = redisNumber(value);
            switch (field.back())
            {
            case 'r': row.requests = count; break;
            case 'i': row.inputTokens = count; break;
            case 'c': row.cachedInputTokens = count; break;
            case 'o': row.outputTokens = count; break;
            case 'p': row.costPico = count; break;
            default: break;
            }
        }
        for (auto& entry : byRow)
            rows.push_back(std::move(entry.second));
    }
    return rows;
}

} // namespace portico::auth
