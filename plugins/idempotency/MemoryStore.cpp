#include "MemoryStore.h"

namespace portico::idempotency {

namespace {
/// Map node, list node, string headers: roughly what an entry costs beyond its strings.
constexpr std::uint64_t EntryOverhead = 160;
} // namespace

MemoryStore::MemoryStore(std::size_t maxEntries, std::uint64_t maxBytes) : maxEntries_(maxEntries), maxBytes_(maxBytes)
{
}

std::uint64_t MemoryStore::accountedBytes(const std::string& key, const std::string& fingerprint,
                                          const StoredAnswer& answer)
{
    return EntryOverhead + key.size() + fingerprint.size() + answer.contentType.size() + answer.body.size();
}

void MemoryStore::setLimits(std::size_t maxEntries, std::uint64_t maxBytes)
{
    std::lock_guard<std::mutex> lock(mutex_);
    maxEntries_ = maxEntries;
    maxBytes_ = maxBytes;
    evict();
}

void MemoryStore::erase(Map::iterator it)
{
    if (it->second.completed)
    {
        lru_.erase(it->second.lru);
        bytes_ -= it->second.bytes;
    }
    entries_.erase(it);
}

void MemoryStore::evict()
{
    while (!lru_.empty() && (lru_.size() > maxEntries_ || bytes_ > maxBytes_))
        erase(entries_.find(lru_.back()));
}

BeginResult MemoryStore::begin(const std::string& key, const std::string& fingerprint, Duration inFlightTtl)
{
    const auto now = Clock::now();
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.expiresAt <= now)
    {
        erase(it);
        it = entries_.end();
    }
    BeginResult result;
    if (it != entries_.end())
    {
        Entry& entry = it->second;
        result.fingerprint = entry.fingerprint;
        if (entry.completed)
        {
            result.state = BeginResult::State::Completed;
            result.answer = entry.answer;
            lru_.splice(lru_.begin(), lru_, entry.lru); // a replay makes it recently used
        }
        else
            result.state = BeginResult::State::InFlight;
        return result;
    }
    Entry entry;
    entry.fingerprint = fingerprint;
    entry.token = std::to_string(++nextToken_);
    entry.expiresAt = now + inFlightTtl;
    result.state = BeginResult::State::Reserved;
    result.fingerprint = fingerprint;
    result.token = entry.token;
    entries_.emplace(key, std::move(entry));
    return result;
}

CompleteResult MemoryStore::complete(const std::string& key, const std::string& token, const StoredAnswer& answer,
                                     Duration ttl)
{
    const auto now = Clock::now();
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end() || it->second.completed || it->second.token != token || it->second.expiresAt <= now)
        return CompleteResult::Lost;
    Entry& entry = it->second;
    const std::uint64_t bytes = accountedBytes(key, entry.fingerprint, answer);
    if (bytes > maxBytes_)
    {
        erase(it);
        return CompleteResult::TooLarge;
    }
    entry.completed = true;
    entry.token.clear();
    entry.answer = answer;
    entry.expiresAt = now + ttl;
    entry.bytes = bytes;
    lru_.push_front(key);
    entry.lru = lru_.begin();
    bytes_ += bytes;
    evict();
    return CompleteResult::Stored;
}

void MemoryStore::release(const std::string& key, const std::string& token)
{
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = entries_.find(key);
    if (it != entries_.end() && !it->second.completed && it->second.token == token)
        erase(it);
}

std::optional<StoredEntry> MemoryStore::lookup(const std::string& key)
{
    const auto now = Clock::now();
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = entries_.find(key);
    if (it == entries_.end() || it->second.expiresAt <= now)
        return std::nullopt;
    StoredEntry entry;
    entry.completed = it->second.completed;
    entry.fingerprint = it->second.fingerprint;
    entry.answer = it->second.answer;
    return entry;
}

std::size_t MemoryStore::purge()
{
    const auto now = Clock::now();
    std::lock_guard<std::mutex> lock(mutex_);
    std::size_t removed = 0;
    for (auto it = entries_.begin(); it != entries_.end();)
    {
        auto next = std::next(it);
        if (it->second.expiresAt <= now)
        {
            erase(it);
            ++removed;
        }
        it = next;
    }
    return removed;
}

std::size_t MemoryStore::answerCount() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    return lru_.size();
}

std::uint64_t MemoryStore::answerBytes() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    return bytes_;
}

} // namespace portico::idempotency
