#pragma once
// Where virtual keys are kept: a SQLite file ([admin] store, /var/lib/portico/keys.db by
// default) in WAL mode, so that porticod instances on one host share it and a committed change
// survives a crash. A row holds the key's id, the SHA-256 digest of the key (never the key) and
// its policy.
//
// One session, used under a mutex: the admin API's handlers (on workers) and the refresh
// thread share it. Nothing on a request's path touches it: requests look keys up in the
// in-memory VirtualKeyIndex built from loadAll().

#include "KeyStore.h"
#include "VirtualKey.h"
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace Poco::Data {
class Session;
}

namespace portico::auth {

/// One request's spend, as the ledger adds it up.
struct SpendEntry
{
    std::string keyId;
    std::string model;
    std::string day; ///< "YYYY-MM-DD", UTC
    std::int64_t inputTokens = 0;
    std::int64_t outputTokens = 0;
    std::int64_t cachedInputTokens = 0; ///< the part of inputTokens read from the upstream's cache
    std::int64_t costPico = 0;
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
    /// Opens (creating when needed) the database at `path`. Throws std::runtime_error naming the
    /// file and why when it cannot (no such directory, not a database, not writable).
    explicit VirtualKeyStore(const std::string& path);
    ~VirtualKeyStore();

    /// Stores a new key. Throws when the id or the digest is taken (it never is: both random).
    void insert(const VirtualKey& key, const KeyStore::Digest& digest);
    /// Writes the policy fields of `key` (found by its id); false when there is no such key.
    bool update(const VirtualKey& key);
    /// Marks the key revoked at `when` (unix seconds); false when there is no such key or it is
    /// revoked already.
    bool revoke(const std::string& id, std::int64_t when);
    std::optional<VirtualKey> find(const std::string& id);
    /// Every key, revoked ones included, oldest first.
    std::vector<VirtualKey> list();
    /// Every key with its digest (revoked and expired ones too: they are refused with their
    /// own errors).
    std::vector<std::pair<KeyStore::Digest, VirtualKey>> loadAll();
    /// A counter every change to the keys bumps (insert, update, revoke), whoever made it: other
    /// instances reload their index when it moves (spend rows move data_version all the time).
    std::int64_t revision();

    /// Adds the entries to the ledger in one transaction (synchronous = FULL: on disk when this
    /// returns). Throws when it cannot; nothing is added then.
    void recordSpend(const std::vector<SpendEntry>& entries);
    /// Each key's spend (pico-dollars) on days >= `firstDay` ("" : all).
    std::unordered_map<std::string, std::int64_t> spendSince(const std::string& firstDay);
    std::vector<SpendRow> spendRows(const SpendFilter& filter);

    const std::string& path() const { return path_; }

private:
    /// Runs `change` (true when it changed a key) in a transaction that also bumps the revision.
    template <typename Change>
    bool changeKeys(Change change);
    /// ROLLBACK, when SQLite has not rolled back already (mutex_ held).
    void rollback() noexcept;

    std::string path_;
    std::mutex mutex_;
    std::unique_ptr<Poco::Data::Session> session_;
};

} // namespace portico::auth
