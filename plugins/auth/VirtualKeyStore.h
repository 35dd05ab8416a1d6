#pragma once
// Where virtual keys and their spend are kept, behind one interface with two stores:
//   SqliteKeyStore ([admin] store = a file, /var/lib/portico/keys.db by default): instances on
//     one host share the file;
//   RedisKeyStore ([admin] store = redis, the [redis] server): instances on several hosts share
//     the keys and the ledger.
// Only a key's SHA-256 digest is stored, never the key. Every call may block (disk or network):
// callers are the admin API's handlers (on workers), the refresh thread, the spend ledger's
// writer and the portico-keys CLI. Nothing on a request's path touches a store: requests look
// keys up in the in-memory VirtualKeyIndex built from loadAll().
//
// Each call throws std::runtime_error (RedisUnavailable is one) when the store cannot answer;
// nothing is changed then.

#include "KeyStore.h"
#include "VirtualKey.h"
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace portico::auth {

struct AdminConfig;

/// One request's spend, as the ledger adds it up.
struct SpendEntry
{
    std::string keyId;
    std::string model;
    std::string day; ///< "YYYY-MM-DD", UTC
    std::int64_t inputTokens = 0;
    std::int64_t outputTokens = 0;
    std::int64_t costPico = 0;
    std::int64_t cachedInputTokens = 0; ///< the part of inputTokens read from the upstream's cache
};

/// A ledger row: the spend of one key on one model on one day (the sum of its entries).
struct SpendRow : SpendEntry
{
    std::int64_t requests = 0;
};

/// GET /admin/spend's filters; empty: any.
struct SpendFilter
{
    std::string keyId;
    std::string model;
    std::string fromDay; ///< first day, "YYYY-MM-DD"
    std::string toDay;   ///< last day
};

class VirtualKeyStore
{
public:
    virtual ~VirtualKeyStore() = default;

    /// Stores a new key. Throws when the id or the digest is taken (it never is: both random).
    virtual void insert(const VirtualKey& key, const KeyStore::Digest& digest) = 0;
    /// Writes the policy fields of `key` (found by its id); false when there is no such key.
    virtual bool update(const VirtualKey& key) = 0;
    /// Marks the key revoked at `when` (unix seconds); false when there is no such key or it is
    /// revoked already.
    virtual bool revoke(const std::string& id, std::int64_t when) = 0;
    virtual std::optional<VirtualKey> find(const std::string& id) = 0;
    /// Every key, revoked ones included, oldest first.
    virtual std::vector<VirtualKey> list() = 0;
    /// Every key with its digest (revoked and expired ones too: they are refused with their
    /// own errors). Read revision() before: a change made during the load may be missed, and
    /// moves the revision past what was read.
    virtual std::vector<std::pair<KeyStore::Digest, VirtualKey>> loadAll() = 0;
    /// A counter every change to the keys bumps (insert, update, revoke), whoever made it: other
    /// instances reload their index when it moves.
    virtual std::int64_t revision() = 0;

    /// Adds the entries to the ledger at once (all or none), durably as the store can (see each
    /// store). Throws when it cannot; nothing is added then.
    virtual void recordSpend(const std::vector<SpendEntry>& entries) = 0;
    /// Each key's spend (pico-dollars) on days >= `firstDay` ("" : all).
    virtual std::unordered_map<std::string, std::int64_t> spendSince(const std::string& firstDay) = 0;
    /// The ledger's rows that pass `filter`, ordered by day, key and model.
    virtual std::vector<SpendRow> spendRows(const SpendFilter& filter) = 0;

    /// What the store is, for messages: "the SQLite file /var/lib/portico/keys.db", "Redis
    /// 127.0.0.1:6379/0".
    virtual std::string describe() const = 0;
};

/// The store [admin] names: a new connection to it. Throws std::runtime_error naming the file
/// or the Redis server and why when it cannot be opened.
std::unique_ptr<VirtualKeyStore> openVirtualKeyStore(const AdminConfig& config);

} // namespace portico::auth
