#pragma once
// The virtual keys in a SQLite file ([admin] store, /var/lib/portico/keys.db by default) in WAL
// mode, so that porticod instances on one host share it, and synchronous = FULL, so that a
// committed change or spend survives a crash or a power cut. A row holds the key's id, the
// SHA-256 digest of the key and its policy; the spend table one key's spend on one model on one
// day.
//
// One session, used under a mutex.

#include "VirtualKeyStore.h"
#include <mutex>

namespace Poco::Data {
class Session;
}

namespace portico::auth {

class SqliteKeyStore : public VirtualKeyStore
{
public:
    /// Opens (creating when needed) the database at `path`. Throws std::runtime_error naming the
    /// file and why when it cannot (no such directory, not a database, not writable).
    explicit SqliteKeyStore(const std::string& path);
    ~SqliteKeyStore() override;

    void insert(const VirtualKey& key, const KeyStore::Digest& digest) override;
    bool update(const VirtualKey& key) override;
    bool revoke(const std::string& id, std::int64_t when) override;
    std::optional<VirtualKey> find(const std::string& id) override;
    std::vector<VirtualKey> list() override;
    std::vector<std::pair<KeyStore::Digest, VirtualKey>> loadAll() override;
    /// A row bumped in the same transaction as each change (SQLite's data_version cannot be
    /// used: spend rows move it all the time).
    std::int64_t revision() override;

    /// One transaction, on disk when this returns (synchronous = FULL).
    void recordSpend(const std::vector<SpendEntry>& entries) override;
    std::unordered_map<std::string, std::int64_t> spendSince(const std::string& firstDay) override;
    std::vector<SpendRow> spendRows(const SpendFilter& filter) override;

    std::string describe() const override { return "the SQLite file " + path_; }

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
