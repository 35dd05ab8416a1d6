#include "RedisStore.h"
#include "Poco/NumberParser.h"
#include <algorithm>
#include <cstdio>
#include <random>
#include <unistd.h>

namespace portico::idempotency {

namespace {

// KEYS[1]: the entry. ARGV[1]: the in-flight marker, ARGV[2]: its expiry in ms.
// Returns 1 when the marker was set, else the entry that holds the key.
RedisScript& beginScript()
{
    static RedisScript script(R"lua(
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
return redis.call('GET', KEYS[1])
)lua");
    return script;
}

// The start of complete and release: KEYS[1] is the entry, ARGV[1] the token; returns 0 unless
// the entry is an in-flight marker held by that token.
const char* const HeldByToken = R"lua(
local entry = redis.call('GET', KEYS[1])
if not entry or string.sub(entry, 1, 1) ~= 'F' then return 0 end
local newline = string.find(entry, '\n', 2, true)
if not newline or string.sub(entry, newline + 1) ~= ARGV[1] then return 0 end
)lua";

// ARGV[2]: "status\ncontent type\nbody", ARGV[3]: the answer's expiry in ms. Returns 1 when stored.
RedisScript& completeScript()
{
    static RedisScript script(std::string(HeldByToken) + R"lua(
redis.call('SET', KEYS[1], 'C' .. string.sub(entry, 2, newline - 1) .. '\n' .. ARGV[2], 'PX', ARGV[3])
return 1
)lua");
    return script;
}

// Returns 1 when the marker was removed.
RedisScript& releaseScript()
{
    static RedisScript script(std::string(HeldByToken) + R"lua(
redis.call('DEL', KEYS[1])
return 1
)lua");
    return script;
}

std::string millis(IdempotencyStore::Duration duration)
{
    return std::to_string(std::max<long long>(1, duration.count()));
}

std::string processNonce()
{
    std::random_device random;
    char text[40];
    std::snprintf(text, sizeof text, "%08x%08x.%ld", random(), random(), static_cast<long>(getpid()));
    return text;
}

[[noreturn]] void unreadable(const std::string& why)
{
    throw RedisUnavailable("unreadable idempotency entry in Redis: " + why, 0);
}

/// An entry as stored (see RedisStore.h); `token` gets an in-flight marker's token.
StoredEntry decode(const std::string& value, std::string* token = nullptr)
{
    const auto fingerprintEnd = value.find('\n', 1);
    if (value.empty() || (value[0] != 'F' && value[0] != 'C') || fingerprintEnd == std::string::npos)
        unreadable("no marker or answer");
    StoredEntry entry;
    entry.fingerprint = value.substr(1, fingerprintEnd - 1);
    if (value[0] == 'F')
    {
        if (token)
            *token = value.substr(fingerprintEnd + 1);
        return entry;
    }
    entry.completed = true;
    const auto statusEnd = value.find('\n', fingerprintEnd + 1);
    const auto typeEnd = statusEnd == std::string::npos ? statusEnd : value.find('\n', statusEnd + 1);
    int status = 0;
    if (typeEnd == std::string::npos ||
        !Poco::NumberParser::tryParse(value.substr(fingerprintEnd + 1, statusEnd - fingerprintEnd - 1), status))
        unreadable("answer without status and content type");
    entry.answer.status = status;
    entry.answer.contentType = value.substr(statusEnd + 1, typeEnd - statusEnd - 1);
    entry.answer.body = value.substr(typeEnd + 1);
    return entry;
}

} // namespace

RedisStore::RedisStore(std::shared_ptr<RedisPool> pool, std::string prefix)
    : pool_(std::move(pool)), prefix_(std::move(prefix)), nonce_(processNonce())
{
}

std::string RedisStore::newToken()
{
    return nonce_ + "." + std::to_string(++sequence_);
}

std::size_t RedisStore::orphans() const
{
    std::lock_guard<std::mutex> lock(orphansMutex_);
    return orphans_.size();
}

void RedisStore::releaseOrphans()
{
    // A few per call, so that no request pays for a long backlog at once.
    for (int released = 0; released < 16; ++released)
    {
        std::pair<std::string, std::string> orphan;
        {
            std::lock_guard<std::mutex> lock(orphansMutex_);
            if (orphans_.empty())
            {
                haveOrphans_.store(false);
                return;
            }
            orphan = orphans_.front();
        }
        release(orphan.first, orphan.second); // throws while Redis is away: kept for later
        std::lock_guard<std::mutex> lock(orphansMutex_);
        if (!orphans_.empty() && orphans_.front() == orphan)
            orphans_.pop_front();
    }
}

void RedisStore::releaseOrphansQuietly()
{
    if (!haveOrphans_.load(std::memory_order_relaxed))
        return;
    try
    {
        releaseOrphans();
    }
    catch (const RedisUnavailable&)
    {
        // Kept for a later begin().
    }
}

BeginResult RedisStore::begin(const std::string& key, const std::string& fingerprint, Duration inFlightTtl)
{
    if (pool_->up())
        releaseOrphansQuietly();
    BeginResult result;
    const std::string token = newToken();
    RedisReply reply;
    try
    {
        reply = pool_->run(beginScript(), {redisKey(key)}, {"F" + fingerprint + "\n" + token, millis(inFlightTtl)});
    }
    catch (const RedisUnavailable& error)
    {
        if (!error.mayHaveRun())
            throw;
        std::lock_guard<std::mutex> lock(orphansMutex_);
        orphans_.emplace_back(key, token);
        if (orphans_.size() > MaxOrphans)
            orphans_.pop_front();
        haveOrphans_.store(true);
        throw;
    }
    // Redis answers again: free what failed begin() calls may have left (after this call, and
    // before the next ones while Redis is up, so that a retry of that very key finds it free).
    releaseOrphansQuietly();
    const std::optional<std::string> value = replyText(reply);
    if (!reply.isNull() && reply->isInteger())
    {
        result.state = BeginResult::State::Reserved;
        result.fingerprint = fingerprint;
        result.token = token;
        return result;
    }
    if (!value)
        unreadable("the key vanished while it was being reserved");
    StoredEntry entry = decode(*value);
    result.fingerprint = std::move(entry.fingerprint);
    if (entry.completed)
    {
        result.state = BeginResult::State::Completed;
        result.answer = std::move(entry.answer);
    }
    else
        result.state = BeginResult::State::InFlight;
    return result;
}

CompleteResult RedisStore::complete(const std::string& key, const std::string& token, const StoredAnswer& answer,
                                    Duration ttl)
{
    if (answer.contentType.find_first_of("\r\n") != std::string::npos)
    {
        release(key, token);
        return CompleteResult::TooLarge; // cannot be stored; never happens for a real Content-Type
    }
    std::string stored = std::to_string(answer.status) + "\n" + answer.contentType + "\n";
    if (stored.size() + answer.body.size() + key.size() + 256 > MaxAnswerBytes)
    {
        release(key, token);
        return CompleteResult::TooLarge;
    }
    stored += answer.body;
    const RedisReply reply = pool_->run(completeScript(), {redisKey(key)}, {token, stored, millis(ttl)});
    return replyText(reply).value_or("0") == "1" ? CompleteResult::Stored : CompleteResult::Lost;
}

void RedisStore::release(const std::string& key, const std::string& token)
{
    pool_->run(releaseScript(), {redisKey(key)}, {token});
}

std::optional<StoredEntry> RedisStore::lookup(const std::string& key)
{
    const std::optional<std::string> value =
        replyText(pool_->execute(Poco::Redis::Array() << "GET" << redisKey(key)));
    if (!value)
        return std::nullopt;
    return decode(*value);
}

std::string RedisStore::notReadyReason() const
{
    return pool_->unavailableReason();
}

} // namespace portico::idempotency
