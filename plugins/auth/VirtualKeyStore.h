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
#include <utility>
#include <vector>

namespace Poco::Data {
class Session;
}

namespace portico::auth {

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
    /// SQLite's data_version: it changes when another connection (another instance, the CLI)
    /// commits to the file. Writes made through this object do not change it.
    std::int64_t dataVersion();

    const std::string& path() const { return path_; }

private:
    std::string path_;
    std::mutex mutex_;
    std::unique_ptr<Poco::Data::Session> session_;
};

} // namespace portico::auth
